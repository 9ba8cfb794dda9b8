"""Concurrent deliveries of one payment's messages, and concurrent refunds, on prefork workers."""
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from conftest import RETURN, WEBHOOK, WORKERS, RpcError

NOTIFICATION_COPIES = 12
ROUNDS = 3


def _released_together(calls):
    """Run the calls in threads released at the same instant; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except Exception as error:  # noqa: BLE001 (reported to the test)
            return error
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _paid(odoo, sandbox, payment):
    """Pay through the sandbox (return and notification delivered), post-processed."""
    sandbox.configure(notifications='deliver', api_fault='none')
    answer = sandbox.pay(payment)
    requests.post(odoo.url + RETURN, data=answer, allow_redirects=False, timeout=30)
    sandbox.wait_for_deliveries(payment['reference'])
    odoo.post_process()
    assert odoo.read('payment.transaction', payment['tx_id'], ['state'])['state'] == 'done'


def _confirmations(odoo, order_id):
    return odoo.call('mail.tracking.value', 'search_count', [
        ('mail_message_id.model', '=', 'sale.order'), ('mail_message_id.res_id', '=', order_id),
        ('field_id.name', '=', 'state'), ('new_value_char', '=', 'Sales Order'),
    ])


def test_return_and_identical_notifications_at_once_confirm_once(stack, new_payment):
    """For a few payments in a row (the race is a matter of timing): the return and many copies of
    its notification, form-encoded and JSON, released at the same instant."""
    odoo, sandbox = stack
    sandbox.configure(notifications='drop', api_fault='none')  # the test delivers them itself
    mark = odoo.log_mark()
    for payment in (new_payment() for _round in range(ROUNDS)):
        answer = sandbox.pay(payment)
        form = [lambda answer=answer: requests.post(odoo.url + WEBHOOK, data=answer, timeout=60)] * NOTIFICATION_COPIES
        json_ = [lambda answer=answer: requests.post(odoo.url + WEBHOOK, json=answer, timeout=60)] * 4
        back = [lambda answer=answer: requests.post(odoo.url + RETURN, data=answer, allow_redirects=False, timeout=60)]
        responses = _released_together(form + json_ + back)
        assert not [r for r in responses if isinstance(r, Exception)], responses
        assert [r.status_code for r in responses[:-1]] == [200] * (NOTIFICATION_COPIES + 4)
        assert responses[-1].status_code in (302, 303)
        odoo.post_process()
        tx = odoo.read('payment.transaction', payment['tx_id'], ['state'])
        order = odoo.read('sale.order', payment['order_id'], ['state'])
        assert (tx['state'], order['state']) == ('done', 'sale')
        assert odoo.call('account.payment', 'search_count',
                         [('payment_transaction_id', '=', payment['tx_id'])]) == 1
        assert _confirmations(odoo, payment['order_id']) == 1
    applied = [line for line in odoo.log_lines(mark) if ': accepted.' in line]
    print(f"\n{ROUNDS} payments x ({NOTIFICATION_COPIES} form + 4 JSON notifications + the return) "
          f"at once on {WORKERS} workers: {len(applied)} messages accepted, one confirmation and one "
          f"payment each, {len(odoo.log_retries(mark))} retried requests, "
          f"{len(odoo.log_errors(mark))} ERROR lines")
    assert odoo.log_errors(mark) == []
    # Not even a quiet retry: a message waiting for another one sees what that one committed.
    assert odoo.log_retries(mark) == []


def test_refund_racing_its_notifications(stack, new_payment):
    """APS notifies the refund (twice) while Odoo is still handling the REFUND answer."""
    odoo, sandbox = stack
    for payment in (new_payment() for _round in range(2)):
        _paid(odoo, sandbox, payment)
        mark = odoo.log_mark()
        sandbox.configure(notifications='duplicate')
        odoo.call('payment.transaction', 'action_refund', [payment['tx_id']], amount_to_refund=payment['amount'])
        deliveries = [d for d in sandbox.wait_for_deliveries(payment['reference']) if d['command'] == 'REFUND']
        assert len(deliveries) == 2
        assert all(a['http_status'] and a['http_status'] < 500 for d in deliveries for a in d['attempt_log'])
        assert all(d['state'] == 'delivered' for d in deliveries)
        refunds = odoo.call('payment.transaction', 'search_read', [
            ('source_transaction_id', '=', payment['tx_id']), ('operation', '=', 'refund'),
        ], ['state', 'amount'])
        assert [(r['state'], r['amount']) for r in refunds] == [('done', -payment['amount'])]
        assert sandbox.transaction(payment['reference'])['refunded_amount'] == round(payment['amount'] * 100)
        assert odoo.log_errors(mark) == []


def test_two_refunds_at_once_never_exceed_the_capture(stack, new_payment):
    odoo, sandbox = stack
    payment = new_payment()
    _paid(odoo, sandbox, payment)
    mark = odoo.log_mark()
    sandbox.configure(notifications='deliver', api_fault='timeout:1')  # both requests in flight together
    part = round(payment['amount'] * 0.6, 2)
    refund = [lambda: odoo.call('payment.transaction', 'action_refund', [payment['tx_id']], amount_to_refund=part)]
    outcomes = _released_together(refund * 2)
    sandbox.configure(api_fault='none')
    sandbox.wait_for_deliveries(payment['reference'])
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(e, RpcError) for e in errors), errors
    # A refused second refund must be a readable refusal, never a database conflict.
    assert not [e for e in errors if 'serializ' in str(e.args) or 'concurrent' in str(e.args)], errors
    refunds = odoo.call('payment.transaction', 'search_read', [
        ('source_transaction_id', '=', payment['tx_id']), ('operation', '=', 'refund'),
    ], ['state', 'amount'])
    refunded_in_odoo = -sum(r['amount'] for r in refunds if r['state'] in ('done', 'draft', 'pending'))
    refunded_at_aps = sandbox.transaction(payment['reference'])['refunded_amount']
    assert refunded_in_odoo <= payment['amount'] + 0.001
    assert round(-sum(r['amount'] for r in refunds if r['state'] == 'done') * 100) == refunded_at_aps
    assert refunded_at_aps <= round(payment['amount'] * 100)
    assert odoo.log_errors(mark) == []
