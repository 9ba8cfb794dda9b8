"""What APS documents about refunds and purchases on hold, and the convenience fee."""
import time

import pytest

from aps_sandbox.signing import verify
from aps_sandbox.tests.helpers import SHOP, call_api, control, pay, returned_fields, wait_until


@pytest.fixture
def paid(sandbox, session):
    """A purchased (14000) order of 50000 SAR minor units."""
    return returned_fields(pay(sandbox, session, merchant_reference=f'PAID-{time.time_ns()}'))


def refund(sandbox, order, amount, **extra):
    return call_api(sandbox, command='REFUND', merchant_reference=order['merchant_reference'],
                    amount=str(amount), currency='SAR', **extra)


def check_status(sandbox, order):
    return call_api(sandbox, query_command='CHECK_STATUS', merchant_reference=order['merchant_reference'])


def test_declined_refund_may_be_retried_with_its_reference(sandbox, paid):
    assert refund(sandbox, paid, 60000, maintenance_reference='RF-D')['response_code'] == '07048'
    assert refund(sandbox, paid, 20000, maintenance_reference='RF-D')['response_code'] == '06000'
    assert check_status(sandbox, paid)['refunded_amount'] == '20000'


def test_refund_again_switch_refunds_a_repeated_reference_twice(sandbox, paid):
    control(sandbox, 'POST', 'merchants/Shop1', {'duplicate_refund': 'refund_again'})
    assert refund(sandbox, paid, 20000, maintenance_reference='RF-X')['response_code'] == '06000'
    assert refund(sandbox, paid, 20000, maintenance_reference='RF-X')['response_code'] == '06000'
    assert check_status(sandbox, paid)['refunded_amount'] == '40000'


def test_refund_on_hold_settles_later_with_a_notification(sandbox, paid, receiver):
    receiver.wait_for(1)  # the purchase notification
    control(sandbox, 'POST', 'merchants/Shop1', {'api_fault': 'refund_hold'})
    held = refund(sandbox, paid, 20000, maintenance_reference='RF-H')
    assert (held['status'], held['response_code'], held['response_message']) == ('06', '06006', 'Technical problem')
    check = check_status(sandbox, paid)
    assert (check['refunded_amount'], check['transaction_status'], check['transaction_code']) == ('0', '06', '06006')
    # Reserved: what is held cannot be refunded a second time, nor under its own reference.
    assert refund(sandbox, paid, 30001, maintenance_reference='RF-2')['response_code'] == '07048'
    assert refund(sandbox, paid, 20000, maintenance_reference='RF-H')['response_code'] == '07007'
    control(sandbox, 'POST', 'merchants/Shop1', {'api_fault': 'none'})
    notifications = wait_until(lambda: [n for n in receiver.payloads() if n.get('command') == 'REFUND'])
    [done] = notifications
    assert (done['response_code'], done['maintenance_reference'], done['amount']) == ('06000', 'RF-H', '20000')
    assert verify(done, SHOP.response_phrase)
    check = check_status(sandbox, paid)
    assert (check['refunded_amount'], check['transaction_code']) == ('20000', '06000')


def test_purchase_on_hold_15777_then_paid(sandbox, session, receiver):
    fields = returned_fields(pay(sandbox, session, email='otp.onhold@tamara.ai', merchant_reference='HOLD-1'))
    assert (fields['status'], fields['response_code']) == ('15', '15777')
    assert fields['response_message'] == 'Processed but failed to receive confirmation'
    check = call_api(sandbox, query_command='CHECK_STATUS', merchant_reference='HOLD-1')
    assert (check['transaction_status'], check['transaction_code'], check['captured_amount']) == ('15', '15777', '0')
    assert refund(sandbox, fields, 100)['response_code'] == '07662'
    codes = wait_until(
        lambda: [n['response_code'] for n in receiver.payloads()] if len(receiver.payloads()) >= 2 else None)
    assert codes == ['15777', '14000']
    assert check_status(sandbox, fields)['captured_amount'] == '50000'


def test_fee_in_the_return_as_documented_and_in_notifications_by_switch(sandbox, session, receiver):
    fields = returned_fields(pay(sandbox, session, merchant_reference='FEE-1', convenience_fee='250'))
    assert fields['amount'] == '50250' and 'convenience_fee' not in fields
    [included] = receiver.wait_for(1)
    assert included['amount'] == '50250' and 'convenience_fee' not in included
    control(sandbox, 'POST', 'merchants/Shop1', {'notification_fee': 'excluded'})
    fields = returned_fields(pay(sandbox, session, merchant_reference='FEE-2', convenience_fee='250'))
    assert fields['amount'] == '50250' and 'convenience_fee' not in fields
    excluded = receiver.wait_for(2)[-1]
    assert (excluded['amount'], excluded['convenience_fee']) == ('50000', '250')
    assert verify(excluded, SHOP.response_phrase)
