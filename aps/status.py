# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""APS statuses and response codes mapped to the states of a payment
(https://paymentservices.amazon.com/docs/developer-resources/error-codes).
"""

from . import const
from .amounts import parse_minor_amount


def get_message_code(response_code):
    """Return the message code: the last three digits of a five-digit response code."""
    return (response_code or '')[2:]


def map_status(status, response_code):
    """Map an APS status and response code to the state of a payment.

    :param str status: The two-digit status.
    :param str response_code: The five-digit response code (status + message code).
    :return: One of 'done', 'authorized', 'pending', 'cancel' or 'error'.
    :rtype: str
    """
    if get_message_code(response_code) == const.CANCELED_MESSAGE_CODE:
        return 'cancel'
    if response_code in const.ON_HOLD_RESPONSE_CODES:
        return 'pending'
    for state, statuses in const.PAYMENT_STATUS_MAPPING.items():
        if status in statuses:
            return state
    return 'error'


def is_transition_allowed(current_state, target_state):
    """Tell whether an APS message may move a payment from one state to another.

    The same state again is allowed (nothing changes); a final state never goes back.
    """
    return target_state == current_state or target_state in const.ALLOWED_STATE_TRANSITIONS.get(
        current_state, ()
    )


def map_operation_status(command, status, response_code):
    """Map the answer to a maintenance operation (REFUND, CAPTURE, VOID_AUTHORIZATION) to the state
    of the transaction that carries it.

    :param str command: A key of `const.OPERATION_STATUSES`.
    :param str status: The two-digit status.
    :param str response_code: The five-digit response code.
    :return: 'done' (refunded or captured), 'cancel' (voided), 'pending' (on hold) or 'error'.
    :rtype: str
    """
    success_status, _failure_status = const.OPERATION_STATUSES[command]
    if status == success_status \
            and get_message_code(response_code) == const.SUCCESS_MESSAGE_CODE:
        return 'cancel' if command == 'VOID_AUTHORIZATION' else 'done'
    if response_code in const.ON_HOLD_RESPONSE_CODES:
        return 'pending'
    return 'error'


def check_status_to_notification(answer, currency):
    """Turn APS' answer to CHECK_STATUS into the payment result it stands for, shaped like a
    notification so that it is applied by the same code.

    CHECK_STATUS reports the last operation on the order (the purchase, or a later refund, capture
    or void) and the amounts authorized, captured and refunded. The payment's own outcome is read
    from the amounts first: money captured means paid, whatever happened after.

    :param dict answer: The verified answer, values as strings.
    :param str currency: The currency of the transaction (CHECK_STATUS does not carry one; APS
                         refuses any other currency on the order).
    :return: The notification-like result, or None if APS does not know the order.
    :rtype: dict|None
    """
    if answer.get('status') != const.CHECK_STATUS_SUCCESS_STATUS:
        return None
    authorized = parse_minor_amount(answer.get('authorized_amount'))
    captured = parse_minor_amount(answer.get('captured_amount'))
    last_status = answer.get('transaction_status') or ''
    last_code = answer.get('transaction_code') or ''
    result = {
        'merchant_reference': answer.get('merchant_reference'),
        'fort_id': answer.get('fort_id') or '',
        'response_message': answer.get('transaction_message') or '',
        'currency': currency,
    }
    if captured and captured >= authorized:
        status = const.PURCHASE_SUCCESS_STATUS
        return dict(result, command='PURCHASE', status=status,
                    response_code=status + const.SUCCESS_MESSAGE_CODE, amount=str(captured))
    if last_status == const.OPERATION_STATUSES['VOID_AUTHORIZATION'][0]:
        return dict(result, command='VOID_AUTHORIZATION', status=last_status,
                    response_code=last_code)
    if authorized:
        status = const.AUTHORIZATION_SUCCESS_STATUS
        return dict(result, command='PURCHASE', status=status,
                    response_code=status + const.SUCCESS_MESSAGE_CODE, amount=str(authorized))
    # Nothing authorized: the purchase outcome itself (pending, declined, canceled...).
    return dict(result, command='PURCHASE', status=last_status, response_code=last_code)


def is_order_not_found(answer):
    """Tell whether APS' answer to CHECK_STATUS says that it does not know the order."""
    return get_message_code(answer.get('response_code')) == const.ORDER_NOT_FOUND_MESSAGE_CODE
