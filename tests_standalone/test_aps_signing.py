"""Odoo-free tests of the APS signatures (aps/signing.py)."""
import pytest

from payment_aps_tamara.aps import signing

# The example of APS' signature page (phrase PASS,
# https://paymentservices.amazon.com/docs/developer-resources/signature), and the same string for
# the other SHA types as APS' official plugins compute them.
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
# The unit-test vectors of APS' official PHP SDK.
SDK_PARAMS = {
    'command': 'AUTHORIZATION', 'access_code': '43287943278432',
    'merchant_identifier': '343278h432', 'amount': 1, 'merchant_reference': 'test 2121',
    'currency': 'USD', 'language': 'en', 'customer_email': 'test@aps.com',
}


@pytest.mark.parametrize('sha_type', sorted(OFFICIAL_SIGNATURES))
def test_signature_matches_the_official_vectors(sha_type):
    assert signing.calculate_signature(OFFICIAL_PARAMS, 'PASS', sha_type) == \
        OFFICIAL_SIGNATURES[sha_type]


def test_signature_matches_the_sdk_vectors_with_request_and_response_phrases():
    assert signing.calculate_signature(SDK_PARAMS, 'test1', 'sha256') == \
        '6b73011e4eda060bbbdf206ad110b5208690b57d9e39bec1a548fe8bf3029439'
    assert signing.calculate_signature(SDK_PARAMS, 'test2', 'sha256') == \
        '916b0c4952b7d072fe6cbe15fad9b5509660b482aaa952d90096c9094ca87478'


def test_signature_ignores_the_signature_parameter():
    signed = dict(OFFICIAL_PARAMS, signature='anything')
    assert signing.calculate_signature(signed, 'PASS', 'sha256') == OFFICIAL_SIGNATURES['sha256']


@pytest.mark.parametrize('sha_type', sorted(OFFICIAL_SIGNATURES))
def test_valid_signature_is_accepted_whatever_its_case(sha_type):
    params = dict(OFFICIAL_PARAMS, signature=OFFICIAL_SIGNATURES[sha_type].upper())
    assert signing.is_signature_valid(params, 'PASS', sha_type)


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
    assert not signing.is_signature_valid(params, 'PASS', 'sha256')


def test_signature_with_another_type_or_phrase_is_refused():
    params = dict(OFFICIAL_PARAMS, signature=OFFICIAL_SIGNATURES['sha256'])
    assert not signing.is_signature_valid(params, 'PASS', 'hmac256')
    assert not signing.is_signature_valid(params, 'PASS2', 'sha256')
    assert not signing.is_signature_valid(params, '', 'sha256')


def test_json_values_are_signed_as_their_text():
    as_text = dict(OFFICIAL_PARAMS)
    as_json = dict(OFFICIAL_PARAMS, amount=1000)
    assert signing.calculate_signature(as_json, 'PASS', 'sha256') == \
        signing.calculate_signature(as_text, 'PASS', 'sha256')
    assert signing.normalize_message({'amount': 1000, 'status': 14.0}) == \
        {'amount': '1000', 'status': '14'}


def test_nested_values_render_like_apss_official_code():
    assert signing.render_value({'b': 1, 'a': [1, 'x']}) == '{b=1, a=[1, x]}'
