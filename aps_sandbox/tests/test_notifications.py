"""Notification delivery, retries and the per-merchant switches, against a local receiver."""
import dataclasses
import socket
import time

import requests

from aps_sandbox.server import Sandbox
from aps_sandbox.tests.helpers import SHOP, control, pay, returned_fields, wait_until


def deliveries(sandbox, reference, settled=True):
    """The deliveries of an order; with ``settled``, wait until none is pending."""
    def fetch():
        view = control(sandbox, 'GET', f'transactions/{reference}')
        if settled and any(d['state'] == 'pending' for d in view['deliveries']):
            return None
        return view['deliveries']
    return wait_until(fetch) or control(sandbox, 'GET', f'transactions/{reference}')['deliveries']


def test_retried_until_acknowledged(sandbox, session, receiver):
    receiver.statuses = [500, 404]
    pay(sandbox, session, merchant_reference='RETRY-1')
    [delivery] = deliveries(sandbox, 'RETRY-1')
    assert delivery['state'] == 'delivered' and delivery['attempts'] == 3
    assert [a['http_status'] for a in delivery['attempt_log']] == [500, 404, 200]
    times = [a['at'] for a in delivery['attempt_log']]
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.09
    assert len(receiver.payloads()) == 3


def test_302_is_an_acknowledgement(sandbox, session, receiver):
    receiver.statuses = [302]
    pay(sandbox, session, merchant_reference='R302')
    [delivery] = deliveries(sandbox, 'R302')
    assert delivery['state'] == 'delivered' and delivery['attempts'] == 1


def test_gives_up_after_the_retries(sandbox, session, receiver):
    receiver.statuses = [503] * 10
    pay(sandbox, session, merchant_reference='GIVEUP-1')
    [delivery] = deliveries(sandbox, 'GIVEUP-1')
    assert delivery['state'] == 'failed' and delivery['attempts'] == 1 + SHOP.retries
    time.sleep(0.3)
    assert len(receiver.payloads()) == 1 + SHOP.retries


def test_connection_errors_are_retried_and_logged(sandbox, session):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        dead_url = f'http://127.0.0.1:{probe.getsockname()[1]}/notify'
    control(sandbox, 'POST', 'merchants/Shop1', {'notification_url': dead_url, 'retries': 1})
    pay(sandbox, session, merchant_reference='DEAD-1')
    [delivery] = deliveries(sandbox, 'DEAD-1')
    assert delivery['state'] == 'failed' and delivery['attempts'] == 2
    assert all(a['http_status'] is None and a['error'] for a in delivery['attempt_log'])


def test_drop(sandbox, session, receiver):
    control(sandbox, 'POST', 'merchants/Shop1', {'notifications': 'drop'})
    pay(sandbox, session, merchant_reference='DROP-1')
    [delivery] = deliveries(sandbox, 'DROP-1')
    assert delivery['state'] == 'dropped' and delivery['attempts'] == 0
    time.sleep(0.3)
    assert receiver.payloads() == []


def test_duplicate(sandbox, session, receiver):
    control(sandbox, 'POST', 'merchants/Shop1', {'notifications': 'duplicate'})
    fields = returned_fields(pay(sandbox, session, merchant_reference='DUP-N'))
    assert receiver.wait_for(2) == [fields, fields]


def test_delay(sandbox, session, receiver):
    control(sandbox, 'POST', 'merchants/Shop1', {'notifications': 'delay:0.6'})
    pay(sandbox, session, merchant_reference='DELAY-1')
    time.sleep(0.3)
    assert receiver.payloads() == []
    assert len(receiver.wait_for(1)) == 1


def test_reorder_sends_a_stale_copy_after_the_final_result(sandbox, session, receiver):
    control(sandbox, 'POST', 'merchants/Shop1', {'notifications': 'reorder'})
    fields = returned_fields(pay(sandbox, session, merchant_reference='REORDER-1'))
    final, stale = receiver.wait_for(2)
    assert final == fields
    assert (stale['status'], stale['response_code']) == ('19', '19065') and stale['fort_id'] == fields['fort_id']


def test_reorder_pending_delivers_the_19_after_the_14(sandbox, session, receiver):
    control(sandbox, 'POST', 'merchants/Shop1', {'notifications': 'reorder'})
    pay(sandbox, session, merchant_reference='REORDER-P', email='otp.pending@tamara.ai')
    assert [n['response_code'] for n in receiver.wait_for(2)] == ['14000', '19065']


def test_pending_deliveries_survive_a_restart(tmp_path, session, receiver):
    db = str(tmp_path / 'restart.sqlite3')
    merchant = dataclasses.replace(SHOP, notification_url=receiver.url, retry_interval=0.8)
    receiver.statuses = [500]
    first = Sandbox(db, [merchant], '127.0.0.1', 0).start()
    pay(first, session, merchant_reference='RESTART-1')
    receiver.wait_for(1)
    first.stop()
    assert len(receiver.payloads()) == 1
    second = Sandbox(db, [], '127.0.0.1', 0).start()
    try:
        assert len(receiver.wait_for(2)) == 2
        [delivery] = deliveries(second, 'RESTART-1')
        assert delivery['state'] == 'delivered'
        assert [a['http_status'] for a in delivery['attempt_log']] == [500, 200]
        assert control(second, 'GET', 'transactions/RESTART-1')['status'] == '14'
    finally:
        second.stop()


def test_control_api_merchants_and_reset(sandbox, session):
    names = [m['merchant_identifier'] for m in control(sandbox, 'GET', 'merchants')['merchants']]
    assert names == ['Shop1', 'Shop2']
    bad = requests.post(f'{sandbox.url}/_sandbox/merchants/Shop1', json={'notifications': 'sometimes'}, timeout=5)
    assert bad.status_code == 400
    created = control(sandbox, 'POST', 'merchants/Shop3',
                      {'access_code': 'A3', 'request_phrase': 'in3', 'response_phrase': 'out3'})
    assert created['sha_type'] == 'SHA-256' and created['retries'] == 10
    pay(sandbox, session, merchant_reference='GONE-1')
    control(sandbox, 'POST', 'reset')
    missing = requests.get(f'{sandbox.url}/_sandbox/transactions/GONE-1', timeout=5)
    assert missing.status_code == 404
