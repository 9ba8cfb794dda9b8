"""paymentPage validation: every case answers the documented APS code."""
import pytest
import requests

from aps_sandbox.signing import sign, verify
from aps_sandbox.tests.helpers import DEFERRED, RETURN_URL, SHOP, page_params, parse, returned_fields

CASES = [
    ({'extra_param': 'x'}, '00027'),
    ({'phone_number': None}, '00001'),
    ({'order_description': None}, '00001'),
    ({'payment_option': None}, '00001'),
    ({'customer_email': ''}, '00001'),
    ({'access_code': 'WrongAccess'}, '00010'),
    ({'command': 'AUTHORIZATION'}, '00004'),
    ({'payment_option': 'VISA'}, '00080'),
    ({'currency': 'USD'}, '00013'),
    ({'language': 'fr'}, '00033'),
    ({'amount': '12a'}, '00002'),
    ({'amount': '10.50'}, '00002'),
    ({'amount': '12345678901'}, '00032'),
    ({'amount': '0'}, '00005'),
    ({'merchant_reference': 'REF/1'}, '00002'),
    ({'merchant_reference': 'R' * 41}, '00032'),
    ({'customer_email': 'a!b@example.com'}, '00002'),
    ({'customer_email': 'no-at-sign.example.com'}, '00002'),
    ({'phone_number': '5000x0001'}, '00002'),
    ({'phone_number': '1' * 20}, '00032'),
    ({'order_description': '100% cotton'}, '00002'),
    ({'order_description': 'd' * 151}, '00032'),
    ({'customer_name': 'R2D2'}, '00002'),
    ({'customer_ip': '10.0.0.1/24'}, '00002'),
    ({'settlement_reference': 'S' * 23}, '00032'),
    ({'merchant_extra': 'with space'}, '00002'),
    ({'merchant_extra3': 'x' * 251}, '00032'),
    ({'convenience_fee': 'ten'}, '00002'),
    ({'order_metadata': 'not json'}, '00002'),
    ({'order_metadata': '[1, 2]'}, '00002'),
]


def post_page(sandbox, params):
    return requests.post(f'{sandbox.url}/FortAPI/paymentPage', data=params, timeout=5)


@pytest.mark.parametrize('overrides, code', CASES, ids=[f'{c}-{sorted(o)[0]}' for o, c in CASES])
def test_invalid_request_is_posted_back_signed(sandbox, overrides, code):
    params = page_params(**overrides)
    response = post_page(sandbox, params)
    assert response.status_code == 200
    page = parse(response.text)
    assert page.forms['aps_return_form']['action'] == RETURN_URL
    fields = page.forms['aps_return_form']['fields']
    assert (fields['status'], fields['response_code']) == ('00', code)
    assert fields['response_message']
    assert verify(fields, SHOP.response_phrase, SHOP.sha_type)
    echoed = {k: v for k, v in params.items() if k != 'signature'}
    assert {k: fields[k] for k in echoed} == echoed
    assert 'fort_id' not in fields


@pytest.mark.parametrize('phrase, sha_type', [('wrong-phrase', 'SHA-256'), (SHOP.request_phrase, 'SHA-512'),
                                              (SHOP.response_phrase, 'SHA-256')])
def test_signature_mismatch(sandbox, phrase, sha_type):
    params = page_params(sign_it=False)
    params['signature'] = sign(params, phrase, sha_type)
    fields = returned_fields(post_page(sandbox, params))
    assert fields['response_code'] == '00008'
    assert fields['response_message'] == 'Signature mismatch'


def test_tampered_amount_is_a_signature_mismatch(sandbox):
    params = dict(page_params(), amount='1')
    assert returned_fields(post_page(sandbox, params))['response_code'] == '00008'


def test_unknown_merchant_gets_an_error_page(sandbox):
    response = post_page(sandbox, page_params(merchant_identifier='NoSuchShop'))
    assert response.status_code == 400
    assert parse(response.text).ids['aps_error']
    assert 'data-name="response_code">00009<' in response.text


@pytest.mark.parametrize('url, code', [
    (None, '00037'), ('ftp://shop.example/return', '00002'), ('http://shop.example/a b', '00002'),
    ('http://shop.example/%7Eret', '00002'), ('http://x.example/' + 'a' * 400, '00032'),
])
def test_unusable_return_url_gets_an_error_page(sandbox, url, code):
    response = post_page(sandbox, page_params(return_url=url))
    assert response.status_code == 400
    assert f'data-name="response_code">{code}<' in response.text
    assert 'aps_return_form' not in response.text


def test_reused_merchant_reference(sandbox, session):
    params = page_params(merchant_reference='DUP-1')
    first = session.post(f'{sandbox.url}/FortAPI/paymentPage', data=params, timeout=5)
    assert parse(first.text).forms.get('tamara_signin')
    fields = returned_fields(post_page(sandbox, params))
    assert (fields['response_code'], fields['response_message']) == ('00066', 'Merchant reference already exists')


def test_valid_request_redirects_to_the_hosted_checkout(sandbox):
    params = page_params(
        customer_name="Sara O'Neil", customer_ip='2001:db8::1', convenience_fee='500', settlement_reference='SET-1',
        merchant_extra="a.b;c/d_e-f,g'h@i", merchant_extra5='x', order_metadata='{"a": {"b": [1, 2]}}',
        order_description="Order #12: 2 x Mug's $5 - ok/ye_s.", phone_number='+966 (50) 000-0001')
    response = post_page(sandbox, params)
    assert response.history[0].status_code == 303
    assert response.history[0].headers['Location'].startswith('/tamara/checkout/')
    page = parse(response.text)
    assert page.forms['tamara_signin']['fields']['email'] == 'otp.success@tamara.ai'
    assert page.forms['tamara_signin']['fields']['phone'] == '+966 (50) 000-0001'


def test_hmac_512_merchant_and_aed_and_arabic(sandbox):
    params = page_params(DEFERRED, currency='AED', language='ar', order_description='طلب رقم 5')
    response = post_page(sandbox, params)
    assert response.history and 'dir="rtl"' in response.text and 'lang="ar"' in response.text
