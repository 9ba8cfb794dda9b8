"""Odoo-free tests of the amounts APS confirms (aps/amounts.py)."""
import pytest

from payment_aps_tamara.aps import amounts


@pytest.mark.parametrize('value, expected', [
    ('1000', 1000), (' 5 ', 5), ('', 0), (None, 0), ('-5', 0), ('1e3', 0), ('10.5', 0),
])
def test_minor_amounts_are_whole_numbers_or_nothing(value, expected):
    assert amounts.parse_minor_amount(value) == expected


@pytest.mark.parametrize('message, fee, confirmed_fee', [
    ({'amount': '111111'}, 0, 0),
    ({'amount': '111112'}, 0, None),
    ({'amount': '1111.11'}, 0, None),
    ({'amount': ''}, 0, None),
    ({}, 0, None),
    ({'amount': '111361'}, 250, 250),  # The return: amount + fee, fee not echoed (documented).
    ({'amount': '111111'}, 250, 0),  # The order amount alone.
    ({'amount': '111111', 'convenience_fee': '250'}, 250, 0),  # The fee echoed apart.
    ({'amount': '111111', 'convenience_fee': '300'}, 250, None),  # Not the fee signed.
    ({'amount': '111361', 'convenience_fee': '250'}, 250, None),  # Fee counted twice.
    ({'amount': '111361'}, 0, None),  # A fee never signed.
    ({'amount': '111611'}, 250, None),
])
def test_confirmed_amount_is_the_order_amount_with_or_without_the_signed_fee(
    message, fee, confirmed_fee,
):
    assert amounts.get_confirmed_fee(message, 111111, fee) == confirmed_fee
