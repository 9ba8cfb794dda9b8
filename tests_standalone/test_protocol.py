"""Odoo-free tests of the APS protocol code of payment_aps_tamara (const.py, utils.py)."""
import ast
import json
import logging
from pathlib import Path

import pytest

from payment_aps_tamara import const, utils


# aps-api.md §1.4 A: the official PayFort example (phrase PASS), and the same string for the other
# SHA types as the official plugins compute them.
OFFICIAL_PARAMS = {
    'command': 'PURCHASE',
    'merchant_reference': 'Test010',
    'amount': '1000',
    'access_code': 'SILgpo7pWbmzuURp2qri',
    'merchant_identifier': 'MxvOupuG',
    'currency': 'USD',
    'language': 'en',
    'customer_email': 'test@gmail.com',
}
OFFICIAL_SIGNATURES = {
    'sha256': '94c38afc7bdae0114fc8c740edf12416f22998241ce4b4ea70d5521233a2c882',
    'sha512': '01575815bbdb23a862855bf2087012e243215e6464b6239a422d9a85936adca90bf6c3227c180890ad1'
              '3b00ddf3a248608053d7174cbe622f24bdf2d5f345638',
    'hmac256': 'b592468a25c7292cdadb2e58c3c184e5b868eda03d8c2920f66fe16a587681f3',
    'hmac512': '4c3addc9583cdadb5861d22926c2e6735aa32e18a747981fdafe454b050c38651bf96ab468ce24619'
               '468d87b8dad45820803b95595c3dca5710604ce363e75a2',
}
# aps-api.md §1.4 C: the official PHP SDK's unit-test vectors.
SDK_PARAMS = {
    'command': 'AUTHORIZATION', 'access_code': '43287943278432',
    'merchant_identifier': '343278h432', 'amount': 1, 'merchant_reference': 'test 2121',
    'currency': 'USD', 'language': 'en', 'customer_email': 'test@aps.com',
}


@pytest.mark.parametrize('sha_type', sorted(OFFICIAL_SIGNATURES))
def test_signature_matches_the_official_vectors(sha_type):
    assert utils.calculate_signature(OFFICIAL_PARAMS, 'PASS', sha_type) == \
        OFFICIAL_SIGNATURES[sha_type]


def test_signature_matches_the_sdk_vectors_with_request_and_response_phrases():
    assert utils.calculate_signature(SDK_PARAMS, 'test1', 'sha256') == \
        '6b73011e4eda060bbbdf206ad110b5208690b57d9e39bec1a548fe8bf3029439'
    assert utils.calculate_signature(SDK_PARAMS, 'test2', 'sha256') == \
        '916b0c4952b7d072fe6cbe15fad9b5509660b482aaa952d90096c9094ca87478'


def test_signature_ignores_the_signature_parameter():
    signed = dict(OFFICIAL_PARAMS, signature='anything')
    assert utils.calculate_signature(signed, 'PASS', 'sha256') == OFFICIAL_SIGNATURES['sha256']


@pytest.mark.parametrize('sha_type', sorted(OFFICIAL_SIGNATURES))
def test_valid_signature_is_accepted_whatever_its_case(sha_type):
    params = dict(OFFICIAL_PARAMS, signature=OFFICIAL_SIGNATURES[sha_type].upper())
    assert utils.is_signature_valid(params, 'PASS', sha_type)


@pytest.mark.parametrize('tamper', [
    {'signature': OFFICIAL_SIGNATURES['sha256'][:-1] + '0'},
    {'amount': '1001'},
    {'extra': ''},
    {'signature': ''},
    {'signature': None},
    {'signature': 42},
])
def test_tampered_or_missing_signature_is_refused(tamper):
    params = {**OFFICIAL_PARAMS, 'signature': OFFICIAL_SIGNATURES['sha256'], **tamper}
    assert not utils.is_signature_valid(params, 'PASS', 'sha256')


def test_signature_with_another_type_or_phrase_is_refused():
    params = dict(OFFICIAL_PARAMS, signature=OFFICIAL_SIGNATURES['sha256'])
    assert not utils.is_signature_valid(params, 'PASS', 'hmac256')
    assert not utils.is_signature_valid(params, 'PASS2', 'sha256')
    assert not utils.is_signature_valid(params, '', 'sha256')


def test_json_values_are_signed_as_their_text():
    as_text = dict(OFFICIAL_PARAMS)
    as_json = dict(OFFICIAL_PARAMS, amount=1000)
    assert utils.calculate_signature(as_json, 'PASS', 'sha256') == \
        utils.calculate_signature(as_text, 'PASS', 'sha256')
    assert utils.normalize_notification({'amount': 1000, 'status': 14.0}) == \
        {'amount': '1000', 'status': '14'}


def test_nested_values_render_like_apss_official_code():
    assert utils.render_value({'b': 1, 'a': [1, 'x']}) == '{b=1, a=[1, x]}'


# === PARAMETER RULES === #

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
    assert (utils.check_parameter(name, value) is None) is valid


def test_request_check_reports_missing_unknown_and_invalid_parameters():
    errors = utils.check_request({
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
    assert utils.clean_text(text, 'customer_name') == expected


def test_clean_text_cuts_at_the_maximum_length():
    assert len(utils.clean_text('a' * 100, 'customer_name')) == 40


def test_order_description_names_the_order_and_fits_150_characters():
    assert utils.build_order_description('S00042', ['2 x Lamp', '1 x Desk, oak']) == \
        'S00042: 2 x Lamp / 1 x Desk oak'
    long_description = utils.build_order_description('S00042', [f'1 x Item {i}' for i in range(50)])
    assert long_description.startswith('S00042: 1 x Item 0')
    assert len(long_description) <= 150
    assert utils.check_parameter('order_description', long_description) is None
    assert utils.build_order_description('S00042', ['مصباح']) == 'S00042'


@pytest.mark.parametrize('lang, expected', [
    ('ar_001', 'ar'), ('ar_SA', 'ar'), ('en_US', 'en'), ('fr_FR', 'en'), (None, 'en'), ('', 'en'),
])
def test_language_is_english_or_arabic(lang, expected):
    assert utils.get_language(lang) == expected


def test_ip_addresses_are_validated():
    assert utils.normalize_ip(' 192.178.1.10 ') == '192.178.1.10'
    assert utils.normalize_ip('::ffff:10.0.0.1') == '10.0.0.1'
    assert utils.normalize_ip('2001:db8::1') == '2001:db8::1'
    assert utils.normalize_ip('not-an-ip') is None
    assert utils.normalize_ip(None) is None


def test_order_metadata_is_compact_json():
    metadata = {'flight_reservation_details': {'pnr': 'TR9088999'}}
    serialized = utils.serialize_order_metadata(metadata)
    assert json.loads(serialized) == metadata and ' ' not in serialized


# === STATUS MAPPING === #

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
    assert utils.map_status(status, response_code) == state


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
    assert utils.is_transition_allowed(current, target) is allowed


def test_secrets_are_redacted_for_logs():
    params = dict(OFFICIAL_PARAMS)
    assert utils.redact(params)['access_code'] == '***'
    assert 'SILgpo7pWbmzuURp2qri' not in repr(utils.RedactedDict(params))
    assert dict(utils.RedactedDict(params)) == params


def test_protocol_modules_import_nothing_from_odoo():
    root = Path(__file__).resolve().parent.parent
    for filename in ('const.py', 'utils.py'):
        tree = ast.parse((root / filename).read_text())
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or '' for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(name.split('.')[0] == 'odoo' for name in imported), filename


def test_every_required_parameter_has_a_rule():
    assert set(const.REQUIRED_REQUEST_PARAMETERS) <= set(const.REQUEST_PARAMETER_RULES)
    assert set(const.OPTIONAL_REQUEST_PARAMETERS) <= set(const.REQUEST_PARAMETER_RULES)


def test_secret_query_parameters_are_masked_in_log_records():
    line = 'GET /payment/aps_tamara/return?command=PURCHASE&access_code=SILgpo7pWbmzu&amount=1'
    record = logging.LogRecord(
        'werkzeug', logging.INFO, __file__, 1, '"%s" %s %s', (line, '303', '-'), None
    )
    assert utils.SecretQueryFilter().filter(record)
    message = record.getMessage()
    assert 'SILgpo7pWbmzu' not in message
    assert 'access_code=***&amount=1' in message
    assert utils.redact_query('/shop?x_access_code=1') == '/shop?x_access_code=1'
