# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""APS statuses and response codes mapped to the states of a payment
(https://paymentservices.amazon.com/docs/developer-resources/error-codes).
"""

from . import const
from .amounts import parse_minor_amount


def get_message_code(response_code):
    """Return the message code: the last three digits of a five-digit response code."""
    return (response_code or '')[2:]


def get_shopper_message_kind(response_code):
    """Return the kind of shopper message for a refused or canceled payment's response code.

    :param str response_code: The five-digit response code (status + message code).
    :return: A kind of `const.SHOPPER_MESSAGE_KINDS`, or None for a code without one.
    :rtype: str | None
    """
    return const.SHOPPER_MESSAGE_KINDS.get(get_message_code(response_code))


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


def is_late_payment(current_state, target_state, last_response_code):
    """Tell whether an APS message says paid (or authorized) about a payment that Odoo canceled
    or set in error: the customer was charged, so it must be applied all the same. A payment
    voided through APS (its last answer a void success) stays voided.
    """
    return current_state in ('cancel', 'error') and target_state in ('done', 'authorized') \
        and (last_response_code or '')[:2] != const.VOID_SUCCESS_STATUS


def may_cancel_unpaid(answer):
    """Tell whether APS' answer to CHECK_STATUS allows canceling a payment left without answer:
    APS knows no such order, or the customer never acted on Tamara's page. Any other pending or
    on-hold answer may still end paid.
    """
    return is_order_not_found(answer) or (
        answer.get('status') == const.CHECK_STATUS_SUCCESS_STATUS
        and answer.get('transaction_code') == const.WAITING_FOR_CUSTOMER_RESPONSE_CODE
        and not parse_minor_amount(answer.get('authorized_amount'))
    )


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
    success_status, failure_status = const.OPERATION_STATUSES[command]
    if status == success_status \
            and get_message_code(response_code) == const.SUCCESS_MESSAGE_CODE:
        return 'cancel' if command == 'VOID_AUTHORIZATION' else 'done'
    if response_code in const.ON_HOLD_RESPONSE_CODES:
        return 'pending'
    if command == 'REFUND' and status == failure_status \
            and get_message_code(response_code) == const.DUPLICATE_MESSAGE_CODE:
        return 'pending'  # APS already has this refund: done or on hold, never declined.
    return 'error'


def check_status_to_notification(answer, currency, paid_amounts=()):
    """Turn APS' answer to CHECK_STATUS into the payment result it stands for, shaped like a
    notification so that it is applied by the same code.

    CHECK_STATUS reports the last operation on the order (the purchase, or a later refund, capture
    or void) and the amounts authorized, captured and refunded. The payment's own outcome is read
    from the amounts first: money captured means paid, whatever happened after.

    :param dict answer: The verified answer, values as strings.
    :param str currency: The currency of the transaction (CHECK_STATUS does not carry one; APS
                         refuses any other currency on the order).
    :param tuple paid_amounts: The captured amounts (minor units) that mean paid in full even if
                               less than authorized: the payment's amount without the convenience
                               fee, which a CAPTURE never adds.
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
    if captured and (captured >= authorized or captured in paid_amounts):
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


def is_refund_on_hold(answer):
    """Tell whether APS' answer to CHECK_STATUS shows a refund on hold as the order's last
    operation: its amount is not in `refunded_amount` yet, but it may still go through."""
    return answer.get('transaction_status') == const.OPERATION_STATUSES['REFUND'][0] \
        and answer.get('transaction_code') in const.ON_HOLD_RESPONSE_CODES
