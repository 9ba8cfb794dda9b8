"""Odoo-free tests of the mapping of APS statuses to payment states, operations and
CHECK_STATUS included (aps/status.py)."""
import pytest

from payment_aps_tamara.aps import const
from payment_aps_tamara.aps import status as aps_status


@pytest.mark.parametrize('status, response_code, state', [
    ('14', '14000', 'done'),
    ('02', '02000', 'authorized'),
    ('19', '19000', 'pending'),
    ('15', '15777', 'pending'),
    ('20', '20064', 'pending'),
    ('40', '40000', 'pending'),
    ('00', '00006', 'pending'),
    ('00', '00072', 'cancel'),
    ('01', '01072', 'cancel'),
    ('13', '13666', 'error'),
    ('00', '00008', 'error'),
    ('03', '03000', 'error'),
    ('', '', 'error'),
])
def test_status_mapping(status, response_code, state):
    assert aps_status.map_status(status, response_code) == state


@pytest.mark.parametrize('response_code, kind', [
    ('00072', 'canceled'),
    ('01072', 'canceled'),
    ('13666', 'declined'),
    ('13785', 'declined'),
    ('00084', 'amount_out_of_range'),
    ('00778', 'timed_out'),
    ('00039', 'unavailable'),
    ('00006', 'technical'),
    ('00017', None),  # No message of its own: APS' text is the detail.
    ('', None),
    (None, None),
])
def test_shopper_message_kind(response_code, kind):
    assert aps_status.get_shopper_message_kind(response_code) == kind


@pytest.mark.parametrize('current, target, allowed', [
    ('draft', 'done', True),
    ('pending', 'done', True),
    ('authorized', 'done', True),
    ('error', 'done', True),
    ('done', 'done', True),
    ('done', 'pending', False),
    ('done', 'error', False),
    ('done', 'cancel', False),
    ('cancel', 'done', False),
    ('authorized', 'pending', False),
    ('error', 'pending', False),
])
def test_a_final_state_never_goes_back(current, target, allowed):
    assert aps_status.is_transition_allowed(current, target) is allowed



@pytest.mark.parametrize('command, status, code, expected', [
    ('REFUND', '06', '06000', 'done'),
    ('REFUND', '07', '07048', 'error'),
    ('REFUND', '06', '06006', 'pending'),  # "technical problem": on hold, not failed.
    ('REFUND', '00', '00008', 'error'),
    ('CAPTURE', '04', '04000', 'done'),
    ('CAPTURE', '05', '05042', 'error'),
    ('VOID_AUTHORIZATION', '08', '08000', 'cancel'),
    ('VOID_AUTHORIZATION', '09', '09034', 'error'),
    # A success status with a failure message code is not a success.
    ('REFUND', '06', '06013', 'error'),
    # The status of another command is no success.
    ('REFUND', '04', '04000', 'error'),
    # A repeated maintenance_reference APS already has (documented retry: after a decline only).
    ('REFUND', '07', '07007', 'pending'),
    ('CAPTURE', '05', '05007', 'error'),
])
def test_map_operation_status(command, status, code, expected):
    assert aps_status.map_operation_status(command, status, code) == expected


def _check_status(**values):
    answer = {
        'query_command': 'CHECK_STATUS', 'merchant_reference': 'S00042', 'fort_id': '1699962100064',
        'status': '12', 'response_code': '12000', 'response_message': 'Success',
        'authorized_amount': '0', 'captured_amount': '0', 'refunded_amount': '0',
    }
    answer.update(values)
    return answer


def test_check_status_paid_is_a_purchase_success_with_the_captured_amount():
    result = aps_status.check_status_to_notification(_check_status(
        transaction_status='14', transaction_code='14000', transaction_message='Success',
        authorized_amount='111111', captured_amount='111111',
    ), 'SAR')
    assert result == {
        'merchant_reference': 'S00042', 'fort_id': '1699962100064', 'command': 'PURCHASE',
        'status': '14', 'response_code': '14000', 'response_message': 'Success',
        'amount': '111111', 'currency': 'SAR',
    }
    assert aps_status.map_status(result['status'], result['response_code']) == 'done'


def test_check_status_paid_then_refunded_is_still_paid():
    """The last operation is a refund; the payment itself was captured: it is paid."""
    result = aps_status.check_status_to_notification(_check_status(
        transaction_status='06', transaction_code='06000', authorized_amount='111111',
        captured_amount='111111', refunded_amount='111111',
    ), 'SAR')
    assert (result['status'], result['amount']) == ('14', '111111')


def test_check_status_authorized_not_captured():
    result = aps_status.check_status_to_notification(_check_status(
        transaction_status='02', transaction_code='02000', authorized_amount='5000',
    ), 'AED')
    assert (result['command'], result['status'], result['amount'], result['currency']) \
        == ('PURCHASE', '02', '5000', 'AED')


def test_check_status_partly_captured_stays_authorized():
    result = aps_status.check_status_to_notification(_check_status(
        transaction_status='04', transaction_code='04000', authorized_amount='5000',
        captured_amount='2000',
    ), 'SAR')
    assert (result['status'], result['amount']) == ('02', '5000')


def test_check_status_voided_is_a_void():
    result = aps_status.check_status_to_notification(_check_status(
        transaction_status='08', transaction_code='08000', authorized_amount='5000',
    ), 'SAR')
    assert result['command'] == 'VOID_AUTHORIZATION'
    assert aps_status.map_operation_status(
        result['command'], result['status'], result['response_code']
    ) == 'cancel'


@pytest.mark.parametrize('status, code, expected', [
    ('19', '19065', 'pending'),  # Checkout still running, or abandoned.
    ('13', '13666', 'error'),
    ('00', '00072', 'cancel'),
])
def test_check_status_without_money_reports_the_purchase_outcome(status, code, expected):
    result = aps_status.check_status_to_notification(
        _check_status(transaction_status=status, transaction_code=code), 'SAR'
    )
    assert 'amount' not in result
    assert aps_status.map_status(result['status'], result['response_code']) == expected


def test_check_status_unknown_order():
    answer = _check_status(status='11', response_code='11036', response_message='Order not found')
    assert aps_status.check_status_to_notification(answer, 'SAR') is None
    assert aps_status.is_order_not_found(answer)
    assert not aps_status.is_order_not_found(_check_status())


def test_check_status_garbage_amounts_are_no_money():
    result = aps_status.check_status_to_notification(_check_status(
        transaction_status='19', transaction_code='19065', captured_amount='-5',
        authorized_amount='1e3',
    ), 'SAR')
    assert result['status'] == '19'


def test_operation_constants_are_consistent():
    assert const.PURCHASE_SUCCESS_STATUS in const.PAYMENT_STATUS_MAPPING['done']
    assert const.AUTHORIZATION_SUCCESS_STATUS in const.PAYMENT_STATUS_MAPPING['authorized']
    assert set(const.OPERATION_COMMANDS) == set(const.OPERATION_STATUSES)
    assert all(
        success != failure for success, failure in const.OPERATION_STATUSES.values()
    )
    assert const.API_CONNECT_TIMEOUT > 0 and const.API_READ_TIMEOUT > 0


@pytest.mark.parametrize('answer, may_cancel', [
    ({'status': '11', 'response_code': '11036'}, True),  # APS knows no such order.
    (_check_status(transaction_status='19', transaction_code='19065'), True),  # Shopper away.
    (_check_status(transaction_status='15', transaction_code='15777'), False),  # On hold.
    (_check_status(transaction_status='20', transaction_code='20064'), False),
    (_check_status(transaction_status='19', transaction_code='19065', authorized_amount='5'), False),
    ({'status': '11', 'response_code': '11006'}, False),  # The check itself failed.
])
def test_only_an_unknown_or_untouched_checkout_may_be_canceled(answer, may_cancel):
    assert aps_status.may_cancel_unpaid(answer) is may_cancel


@pytest.mark.parametrize('current, target, last_code, late', [
    ('cancel', 'done', '', True),
    ('error', 'done', '13666', True),
    ('cancel', 'authorized', '', True),
    ('cancel', 'authorized', '08000', False),  # Voided through APS: stays voided.
    ('cancel', 'pending', '', False),
    ('draft', 'done', '', False),
    ('done', 'done', '14000', False),
])
def test_paid_at_aps_after_a_cancel_is_a_late_payment(current, target, last_code, late):
    assert aps_status.is_late_payment(current, target, last_code) is late


def test_check_status_captured_without_the_fee_is_paid():
    answer = _check_status(authorized_amount='111361', captured_amount='111111',
                           transaction_status='04', transaction_code='04000')
    assert aps_status.check_status_to_notification(answer, 'SAR')['status'] == '02'
    result = aps_status.check_status_to_notification(answer, 'SAR', paid_amounts=(111111,))
    assert (result['status'], result['amount']) == ('14', '111111')


def test_refund_on_hold_is_seen_in_check_status():
    assert aps_status.is_refund_on_hold(_check_status(transaction_status='06',
                                                      transaction_code='06006'))
    assert not aps_status.is_refund_on_hold(_check_status(transaction_status='06',
                                                          transaction_code='06000'))
