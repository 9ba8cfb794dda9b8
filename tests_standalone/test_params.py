"""Odoo-free tests of the PURCHASE parameter rules, checks and cleaning (aps/params.py)."""
import json

import pytest

from payment_aps_tamara.aps import const
from payment_aps_tamara.aps import params as aps_params


@pytest.mark.parametrize('name, value, valid', [
    ('merchant_reference', 'XYZ9239-yu898', True),
    ('merchant_reference', 'S00042_1.2', True),
    ('merchant_reference', 'INV/2026/0001', False),
    ('merchant_reference', 'x' * 41, False),
    ('amount', '10000', True),
    ('amount', '100.00', False),
    ('amount', '12345678901', False),
    ('phone_number', '+966 (50) 000-0001', True),
    ('phone_number', '+9665000000011234567', False),
    ('customer_email', 'o.tp+success_1@tamara.ai', True),
    ('customer_email', "o'brien@example.com", False),
    ('order_description', "S00042: 2 x Lamp / #1 $5 it's", True),
    ('order_description', 'Lamp, Desk', False),
    ('order_description', 'مصباح', False),
    ('customer_name', 'John \\ Smith-Doe', True),
    ('customer_name', 'J@ne', False),
    ('customer_name', 'Sara 2nd', False),
    ('phone_number', '+966 5O0', False),
    ('command', 'PURCHASE1', False),
    ('customer_ip', '2001:db8::1', True),
    ('return_url', 'https://shop.example/payment/aps_tamara/return', True),
    ('return_url', 'https://shop.example/ret?a=1&b=%20', False),
    ('settlement_reference', 'x' * 22, True),
    ('settlement_reference', 'x' * 23, False),
    ('merchant_extra', "a.b;c/d_e-f,g'h@i", True),
    ('merchant_extra1', 'x' * 251, False),
])
def test_parameter_rules(name, value, valid):
    assert (aps_params.check_parameter(name, value) is None) is valid


def test_request_check_reports_missing_unknown_and_invalid_parameters():
    errors = aps_params.check_request({
        'command': 'PURCHASE', 'amount': '12.5', 'token_name': 'x', 'currency': 'SAR',
    })
    assert errors['amount'] == 'not a whole number'
    assert errors['token_name'] == 'not a parameter of the APS Tamara request'
    for name in ('access_code', 'phone_number', 'order_description', 'customer_email'):
        assert errors[name] == 'missing'
    assert 'command' not in errors and 'currency' not in errors


@pytest.mark.parametrize('text, expected', [
    ('Chaise «Élégante», bois', 'Chaise Elegante bois'),
    ('  many   spaces  ', 'many spaces'),
    ('Sara E2E', 'Sara E E'),
    ('سارة Sara', 'Sara'),
    ('مصباح', ''),
])
def test_clean_text_keeps_only_what_aps_accepts(text, expected):
    assert aps_params.clean_text(text, 'customer_name') == expected


def test_clean_text_cuts_at_the_maximum_length():
    assert len(aps_params.clean_text('a' * 100, 'customer_name')) == 40


def test_order_description_names_the_order_and_fits_150_characters():
    assert aps_params.build_order_description('S00042', ['2 x Lamp', '1 x Desk, oak']) == \
        'S00042: 2 x Lamp / 1 x Desk oak'
    long_description = aps_params.build_order_description('S00042', [f'1 x Item {i}' for i in range(50)])
    assert long_description.startswith('S00042: 1 x Item 0')
    assert len(long_description) <= 150
    assert aps_params.check_parameter('order_description', long_description) is None
    assert aps_params.build_order_description('S00042', ['مصباح']) == 'S00042'


@pytest.mark.parametrize('lang, expected', [
    ('ar_001', 'ar'), ('ar_SA', 'ar'), ('en_US', 'en'), ('fr_FR', 'en'), (None, 'en'), ('', 'en'),
])
def test_language_is_english_or_arabic(lang, expected):
    assert aps_params.get_language(lang) == expected


def test_ip_addresses_are_validated():
    assert aps_params.normalize_ip(' 192.178.1.10 ') == '192.178.1.10'
    assert aps_params.normalize_ip('::ffff:10.0.0.1') == '10.0.0.1'
    assert aps_params.normalize_ip('2001:db8::1') == '2001:db8::1'
    assert aps_params.normalize_ip('not-an-ip') is None
    assert aps_params.normalize_ip(None) is None


def test_order_metadata_is_compact_json():
    metadata = {'flight_reservation_details': {'pnr': 'TR9088999'}}
    serialized = aps_params.serialize_order_metadata(metadata)
    assert json.loads(serialized) == metadata and ' ' not in serialized



def test_optional_parameters_are_sent_as_text_and_empty_ones_dropped():
    request = {
        'convenience_fee': 500, 'merchant_extra': '', 'settlement_reference': None,
        'merchant_extra1': 0, 'order_metadata': {'pnr': 'TR9088999'}, 'amount': '1000',
    }
    aps_params.prepare_optional_parameters(request)
    assert request == {
        'convenience_fee': '500', 'order_metadata': '{"pnr":"TR9088999"}', 'amount': '1000',
    }


def test_every_required_parameter_has_a_rule():
    assert set(const.REQUIRED_REQUEST_PARAMETERS) <= set(const.REQUEST_PARAMETER_RULES)
    assert set(const.OPTIONAL_REQUEST_PARAMETERS) <= set(const.REQUEST_PARAMETER_RULES)
