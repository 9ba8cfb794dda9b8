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
