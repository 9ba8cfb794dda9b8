# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""Amounts as APS sends them: whole numbers of minor currency units, as text
(https://paymentservices.amazon.com/docs/api/payment-methods/tamara, `amount`).
"""


def parse_minor_amount(value):
    """Return an amount in minor units received from APS as an int; 0 if it is not one."""
    value = str(value or '').strip()
    return int(value) if value.isdigit() else 0


def get_confirmed_fee(message, amount, fee):
    """Tell which of the two amounts APS may confirm for a payment its message confirms.

    APS documents that the `amount` returned includes the convenience fee and that the fee is not
    returned separately (https://paymentservices.amazon.com/docs/api/payment-methods/tamara,
    Response Parameters); it is silent about notifications and status checks. So the signed amount
    may be the order amount plus the fee signed in the request, or the order amount alone (with
    `convenience_fee`, if echoed, equal to the fee sent); nothing else.

    :param dict message: The verified message, values as strings.
    :param int amount: The order amount, in minor units.
    :param int fee: The convenience fee sent in the request, in minor units (0 if none).
    :return: The fee the message's amount includes (`fee` or 0), or None if it confirms neither.
    :rtype: int|None
    """
    confirmed = message.get('amount') or ''
    echoed_fee = message.get('convenience_fee')
    if not confirmed.isdigit() or (echoed_fee is not None and str(echoed_fee) != str(fee)):
        return None
    if fee and int(confirmed) == amount + fee and echoed_fee is None:
        return fee
    return 0 if int(confirmed) == amount else None
