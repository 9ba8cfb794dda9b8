"""Odoo-free tests of the amounts APS confirms (aps/amounts.py)."""
import pytest

from payment_aps_tamara.aps import amounts


@pytest.mark.parametrize('value, expected', [
    ('1000', 1000), (' 5 ', 5), ('', 0), (None, 0), ('-5', 0), ('1e3', 0), ('10.5', 0),
])
def test_minor_amounts_are_whole_numbers_or_nothing(value, expected):
    assert amounts.parse_minor_amount(value) == expected


@pytest.mark.parametrize('message, confirmed', [
    ({'amount': '111111', 'currency': 'SAR'}, True),
    ({'amount': '111112', 'currency': 'SAR'}, False),
    ({'amount': '111111', 'currency': 'AED'}, False),
    ({'amount': '1111.11', 'currency': 'SAR'}, False),
    ({'amount': '', 'currency': 'SAR'}, False),
    ({'currency': 'SAR'}, False),
])
def test_amount_is_confirmed_only_when_amount_and_currency_match(message, confirmed):
    assert amounts.is_amount_confirmed(message, 111111, 'SAR') is confirmed
