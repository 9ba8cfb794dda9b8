"""The hosted Tamara checkout driven over real HTTP with requests."""
import urllib.parse

from aps_sandbox.signing import verify
from aps_sandbox.tests.helpers import (
    DEFERRED,
    SHOP,
    call_api,
    control,
    parse,
    pay,
    returned_fields,
    start_checkout,
    wait_until,
)


def test_success_returns_signed_echo_and_notifies(sandbox, session, receiver):
    response = pay(sandbox, session, merchant_reference='OK-1', convenience_fee='250', merchant_extra='x@y')
    page = parse(response.text)
    assert 'document.getElementById("aps_return_form").submit()' in response.text
    assert page.ids.get('aps_return_submit') is not None
    fields = returned_fields(response)
    assert verify(fields, SHOP.response_phrase, SHOP.sha_type)
    assert (fields['status'], fields['response_code'], fields['response_message']) == ('14', '14000', 'Success')
    assert fields['amount'] == '50250' and 'convenience_fee' not in fields
    assert fields['eci'] == 'ECOMMERCE' and fields['fort_id'].isdigit()
    assert fields['merchant_extra'] == 'x@y' and fields['payment_option'] == 'TAMARA'
    [notification] = receiver.wait_for(1)
    assert notification == fields


def test_fort_ids_are_unique(sandbox, session):
    first = returned_fields(pay(sandbox, session))['fort_id']
    second = returned_fields(pay(sandbox, session))['fort_id']
    assert first != second


def test_wrong_otp_shows_an_error_and_stays(sandbox, session):
    response = start_checkout(sandbox, session)
    signin = parse(response.text).forms['tamara_signin']
    response = session.post(urllib.parse.urljoin(response.url, signin['action']),
                            data=dict(signin['fields'], action='signin'), timeout=5)
    page = parse(response.text)
    code = page.ids['tamara_otp_code'].strip()
    wrong = '0000' if code != '0000' else '1111'
    response = session.post(response.url, data={'otp': wrong, 'action': 'verify'}, timeout=5)
    page = parse(response.text)
    assert 'tamara_error' in page.ids and 'tamara_otp' in page.forms
    response = session.post(response.url, data={'otp': code, 'action': 'verify'}, timeout=5)
    assert 'tamara_plan' in parse(response.text).forms
    assert parse(response.text).buttons['tamara_plan'] == [
        ('action', 'approve'), ('action', 'decline'), ('action', 'cancel')]


def test_failure_email_is_declined_at_sign_in(sandbox, session):
    response = pay(sandbox, session, email='otp.failure@tamara.ai')
    fields = returned_fields(response)
    assert (fields['status'], fields['response_code'], fields['response_message']) == (
        '13', '13666', 'Transaction declined')


def test_failure_phone_is_declined(sandbox, session):
    response = pay(sandbox, session, phone='+966 526422337')
    assert returned_fields(response)['response_code'] == '13666'


def test_decline_button(sandbox, session):
    assert returned_fields(pay(sandbox, session, action='decline'))['response_code'] == '13666'


def test_cancel(sandbox, session, receiver):
    fields = returned_fields(pay(sandbox, session, action='cancel'))
    assert (fields['status'], fields['response_code']) == ('00', '00072')
    assert fields['response_message'] == 'Transaction has been cancelled by the consumer'
    assert receiver.wait_for(1)[0]['response_code'] == '00072'


def test_cancel_from_sign_in(sandbox, session):
    response = start_checkout(sandbox, session)
    response = session.post(response.url, data={'action': 'cancel'}, timeout=5)
    assert returned_fields(response)['response_code'] == '00072'


def test_finished_session_cannot_be_replayed(sandbox, session):
    response = start_checkout(sandbox, session)
    url = response.url
    session.post(url, data={'action': 'cancel'}, timeout=5)
    again = session.post(url, data={'action': 'cancel'}, timeout=5)
    assert 'tamara_done' in parse(again.text).ids and 'aps_return_form' not in again.text


def test_deferred_capture_merchant_gets_02000_in_json(sandbox, session, receiver):
    fields = returned_fields(pay(sandbox, session, merchant=DEFERRED, currency='AED'))
    assert (fields['status'], fields['response_code']) == ('02', '02000')
    assert verify(fields, DEFERRED.response_phrase, DEFERRED.sha_type)
    [notification] = receiver.wait_for(1)
    assert notification == fields


def test_json_notification_renders_order_metadata_as_object(sandbox, session, receiver):
    metadata = '{"flight_reservation_details": {"pnr": "TR9088999", "itinerary": [1, 2]}}'
    fields = returned_fields(pay(sandbox, session, merchant=DEFERRED, order_metadata=metadata))
    assert fields['order_metadata'] == metadata
    [notification] = receiver.wait_for(1)
    assert notification['order_metadata'] == {'flight_reservation_details': {'pnr': 'TR9088999', 'itinerary': [1, 2]}}
    assert verify(notification, DEFERRED.response_phrase, DEFERRED.sha_type)


def test_pending_then_settled_by_notification(sandbox, session, receiver):
    fields = returned_fields(pay(sandbox, session, merchant_reference='PEND-1', email='otp.pending@tamara.ai'))
    assert (fields['status'], fields['response_code']) == ('19', '19065')
    check = call_api(sandbox, query_command='CHECK_STATUS', merchant_reference='PEND-1')
    assert check['transaction_code'] == '19065'
    notifications = receiver.wait_for(2)
    assert [n['response_code'] for n in notifications] == ['19065', '14000']
    check = call_api(sandbox, query_command='CHECK_STATUS', merchant_reference='PEND-1')
    assert (check['transaction_status'], check['transaction_code']) == ('14', '14000')


def test_no_browser_return(sandbox, session, receiver):
    control(sandbox, 'POST', 'merchants/Shop1', {'browser_return': False})
    response = pay(sandbox, session)
    page = parse(response.text)
    assert 'tamara_done' in page.ids and 'aps_return_form' not in page.forms
    assert receiver.wait_for(1)[0]['response_code'] == '14000'


def test_arabic_pages_are_rtl(sandbox, session):
    response = start_checkout(sandbox, session, language='ar')
    assert '<html lang="ar" dir="rtl">' in response.text
    assert 'tamara_signin' in parse(response.text).forms


def test_control_api_shows_transaction_with_deliveries(sandbox, session, receiver):
    pay(sandbox, session, merchant_reference='VIEW-1')
    receiver.wait_for(1)
    view = wait_until(lambda: (lambda v: v if v['deliveries'][0]['state'] == 'delivered' else None)(
        control(sandbox, 'GET', 'transactions/VIEW-1')))
    assert view['status'] == '14' and view['captured_amount'] == 50000
    assert view['deliveries'][0]['attempt_log'][0]['http_status'] == 200
    assert [op['command'] for op in view['operations']] == ['PURCHASE']
    assert 'VIEW-1' in session.get(sandbox.url + '/', timeout=5).text

