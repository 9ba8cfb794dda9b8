# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""Amounts as APS sends them: whole numbers of minor currency units, as text
(https://paymentservices.amazon.com/docs/api/payment-methods/tamara, `amount`).
"""


def parse_minor_amount(value):
    """Return an amount in minor units received from APS as an int; 0 if it is not one."""
    value = str(value or '').strip()
    return int(value) if value.isdigit() else 0


def is_amount_confirmed(message, expected_amount, currency):
    """Tell whether APS' message confirms exactly the expected amount and currency.

    :param dict message: The verified message, values as strings.
    :param int expected_amount: The expected amount, in minor units.
    :param str currency: The expected currency code.
    :return: Whether the message's `amount` and `currency` are those expected.
    :rtype: bool
    """
    amount = message.get('amount') or ''
    return amount.isdigit() and int(amount) == expected_amount \
        and message.get('currency') == currency
