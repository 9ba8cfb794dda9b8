"""paymentApi: REFUND, CAPTURE, VOID_AUTHORIZATION, CHECK_STATUS, errors and fault switches."""
import time

import pytest
import requests

from aps_sandbox.signing import verify
from aps_sandbox.tests.helpers import DEFERRED, SHOP, api_params, call_api, control, pay, returned_fields


@pytest.fixture
def paid(sandbox, session):
    """A purchased (14000) order of 50000 SAR minor units."""
    return returned_fields(pay(sandbox, session, merchant_reference=f'PAID-{time.time_ns()}'))


@pytest.fixture
def authorized(sandbox, session):
    """An authorized (02000) order of the deferred-capture merchant."""
    return returned_fields(pay(sandbox, session, merchant=DEFERRED, merchant_reference=f'AUTH-{time.time_ns()}'))


def refund(sandbox, order, amount, **extra):
    return call_api(sandbox, command='REFUND', merchant_reference=order['merchant_reference'],
                    amount=str(amount), currency='SAR', **extra)


def test_full_refund(sandbox, paid, receiver):
    answer = refund(sandbox, paid, 50000, fort_id=paid['fort_id'])
    assert (answer['status'], answer['response_code'], answer['response_message']) == ('06', '06000', 'Success')
    assert answer['fort_id'] == paid['fort_id'] and answer['amount'] == '50000'
    notifications = receiver.wait_for(2)
    assert notifications[-1]['command'] == 'REFUND' and notifications[-1]['response_code'] == '06000'
    assert verify(notifications[-1], SHOP.response_phrase)


def test_partial_refunds_then_over_refund(sandbox, paid):
    assert refund(sandbox, paid, 20000)['response_code'] == '06000'
    assert refund(sandbox, paid, 20000)['response_code'] == '06000'
    over = refund(sandbox, paid, 10001)
    assert (over['status'], over['response_code']) == ('07', '07048')
    assert over['response_message'] == 'Operation amount exceeds captured amount'
    assert refund(sandbox, paid, 10000)['response_code'] == '06000'
    check = call_api(sandbox, query_command='CHECK_STATUS', merchant_reference=paid['merchant_reference'])
    assert check['refunded_amount'] == '50000'


def test_repeated_maintenance_reference_is_refused_not_replayed(sandbox, paid):
    """APS documents a retry with the same reference only after a declined refund: no replay."""
    first = refund(sandbox, paid, 30000, maintenance_reference='RF-1')
    again = refund(sandbox, paid, 30000, maintenance_reference='RF-1')
    assert first['response_code'] == '06000'
    assert (again['status'], again['response_code'], again['response_message']) == (
        '07', '07007', 'Duplicate order number')
    check = call_api(sandbox, query_command='CHECK_STATUS', merchant_reference=paid['merchant_reference'])
    assert check['refunded_amount'] == '30000'
    assert refund(sandbox, paid, 30000, maintenance_reference='RF-2')['response_code'] == '07048'


def test_refund_of_cancelled_order_is_refused(sandbox, session):
    order = returned_fields(pay(sandbox, session, action='cancel'))
    assert refund(sandbox, order, 100)['response_code'] == '07034'


def test_refund_with_other_currency_is_refused(sandbox, paid):
    answer = call_api(sandbox, command='REFUND', merchant_reference=paid['merchant_reference'], amount='100',
                      currency='AED')
    assert answer['response_code'] == '07013'


def test_capture_partial_full_and_exceeding(sandbox, authorized):
    ref = authorized['merchant_reference']
    capture = dict(merchant=DEFERRED, command='CAPTURE', merchant_reference=ref, currency='SAR')
    assert call_api(sandbox, amount='20000', **capture)['response_code'] == '04000'
    over = call_api(sandbox, amount='30001', **capture)
    assert (over['status'], over['response_code']) == ('05', '05042')
    assert call_api(sandbox, amount='30000', **capture)['response_code'] == '04000'
    answer = call_api(sandbox, DEFERRED, command='REFUND', merchant_reference=ref, amount='50000', currency='SAR')
    assert answer['response_code'] == '06000'


def test_refund_before_capture_exceeds_captured(sandbox, authorized):
    answer = call_api(sandbox, DEFERRED, command='REFUND', merchant_reference=authorized['merchant_reference'],
                      amount='1', currency='SAR')
    assert answer['response_code'] == '07048'


def test_void_then_capture_refused(sandbox, authorized, receiver):
    ref = authorized['merchant_reference']
    void = call_api(sandbox, DEFERRED, command='VOID_AUTHORIZATION', merchant_reference=ref)
    assert (void['status'], void['response_code']) == ('08', '08000')
    assert receiver.wait_for(2)[-1]['command'] == 'VOID_AUTHORIZATION'
    again = call_api(sandbox, DEFERRED, command='VOID_AUTHORIZATION', merchant_reference=ref)
    assert (again['status'], again['response_code']) == ('09', '09034')
    capture = call_api(sandbox, DEFERRED, command='CAPTURE', merchant_reference=ref, amount='1', currency='SAR')
    assert capture['response_code'] == '05034'


def test_void_after_capture_refused(sandbox, authorized):
    ref = authorized['merchant_reference']
    call_api(sandbox, DEFERRED, command='CAPTURE', merchant_reference=ref, amount='1', currency='SAR')
    assert call_api(sandbox, DEFERRED, command='VOID_AUTHORIZATION', merchant_reference=ref)['response_code'] == '09034'


def test_capture_on_immediate_purchase_refused(sandbox, paid):
    answer = call_api(sandbox, command='CAPTURE', merchant_reference=paid['merchant_reference'], amount='1',
                      currency='SAR')
    assert answer['response_code'] == '05034'


def test_check_status(sandbox, authorized):
    ref = authorized['merchant_reference']
    call_api(sandbox, DEFERRED, command='CAPTURE', merchant_reference=ref, amount='1000', currency='SAR')
    check = call_api(sandbox, DEFERRED, query_command='CHECK_STATUS', merchant_reference=ref)
    assert (check['status'], check['response_code']) == ('12', '12000')
    assert (check['transaction_status'], check['transaction_code'], check['transaction_message']) == (
        '04', '04000', 'Success')
    assert (check['authorized_amount'], check['captured_amount'], check['refunded_amount']) == ('50000', '1000', '0')
    assert check['fort_id'] == authorized['fort_id'] and check['query_command'] == 'CHECK_STATUS'


@pytest.mark.parametrize('params, code', [
    ({'query_command': 'CHECK_STATUS'}, '11036'),
    ({'command': 'REFUND', 'amount': '1', 'currency': 'SAR'}, '07036'),
    ({'command': 'CAPTURE', 'amount': '1', 'currency': 'SAR'}, '05036'),
    ({'command': 'VOID_AUTHORIZATION'}, '09036'),
])
def test_unknown_order(sandbox, params, code):
    answer = call_api(sandbox, merchant_reference='NO-SUCH-ORDER', **params)
    assert (answer['status'], answer['response_code'], answer['response_message']) == (
        code[:2], code, 'Order not found')


def test_wrong_fort_id_is_not_found(sandbox, paid):
    answer = call_api(sandbox, query_command='CHECK_STATUS', merchant_reference=paid['merchant_reference'],
                      fort_id='123')
    assert answer['response_code'] == '11036'


def post_raw(sandbox, params):
    return requests.post(f'{sandbox.url}/FortAPI/paymentApi', json=params, timeout=5)


@pytest.mark.parametrize('change, code', [
    ({'access_code': 'Wrong'}, '00010'),
    ({'signature': 'ab' * 32}, '00008'),
    ({'extra': '1'}, '00027'),
    ({'language': 'de'}, '00033'),
    ({'command': 'PURCHASE'}, '00004'),
])
def test_invalid_api_requests(sandbox, paid, change, code):
    fields = dict(command='REFUND', merchant_reference=paid['merchant_reference'], amount='1', currency='SAR')
    fields.update({name: value for name, value in change.items() if name != 'signature'})
    params = dict(api_params(**fields), **{name: v for name, v in change.items() if name == 'signature'})
    answer = post_raw(sandbox, params).json()
    assert (answer['status'], answer['response_code']) == ('00', code)
    assert verify(answer, SHOP.response_phrase)


def test_missing_parameter(sandbox):
    params = api_params(command='REFUND', merchant_reference='X', currency='SAR')
    assert post_raw(sandbox, params).json()['response_code'] == '00001'


def test_unknown_merchant_is_answered_unsigned(sandbox):
    params = api_params(query_command='CHECK_STATUS', merchant_reference='X', merchant_identifier='Nobody')
    answer = post_raw(sandbox, params).json()
    assert answer['response_code'] == '00009' and 'signature' not in answer


def test_malformed_json(sandbox):
    response = requests.post(f'{sandbox.url}/FortAPI/paymentApi', data=b'{nope', timeout=5)
    assert response.status_code == 400 and response.json()['response_code'] == '00073'


def test_fault_http_500_does_not_process(sandbox, paid):
    control(sandbox, 'POST', 'merchants/Shop1', {'api_fault': 'http_500'})
    params = api_params(command='REFUND', merchant_reference=paid['merchant_reference'], amount='100', currency='SAR')
    assert post_raw(sandbox, params).status_code == 500
    control(sandbox, 'POST', 'merchants/Shop1', {'api_fault': 'none'})
    check = call_api(sandbox, query_command='CHECK_STATUS', merchant_reference=paid['merchant_reference'])
    assert check['refunded_amount'] == '0'


def test_fault_bad_signature(sandbox, paid):
    control(sandbox, 'POST', 'merchants/Shop1', {'api_fault': 'bad_signature'})
    params = api_params(query_command='CHECK_STATUS', merchant_reference=paid['merchant_reference'])
    answer = post_raw(sandbox, params).json()
    assert answer['response_code'] == '12000' and answer['signature']
    assert not verify(answer, SHOP.response_phrase)


def test_fault_timeout_delays_the_answer(sandbox, paid):
    control(sandbox, 'POST', 'merchants/Shop1', {'api_fault': 'timeout:0.4'})
    params = api_params(query_command='CHECK_STATUS', merchant_reference=paid['merchant_reference'])
    with pytest.raises(requests.Timeout):
        requests.post(f'{sandbox.url}/FortAPI/paymentApi', json=params, timeout=0.15)
    started = time.monotonic()
    assert post_raw(sandbox, params).json()['response_code'] == '12000'
    assert time.monotonic() - started >= 0.4
