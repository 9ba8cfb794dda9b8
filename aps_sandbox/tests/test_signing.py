"""Signature test vectors from aps-api.md §1.4 (official PayFort doc, PHP SDK unit tests)."""
import pytest

from aps_sandbox.signing import sign, signature_string, signed, verify

DOC_PARAMS = {
    'command': 'PURCHASE', 'merchant_reference': 'Test010', 'amount': '1000',
    'access_code': 'SILgpo7pWbmzuURp2qri', 'merchant_identifier': 'MxvOupuG',
    'currency': 'USD', 'language': 'en', 'customer_email': 'test@gmail.com',
}

SDK_PARAMS = {
    'command': 'AUTHORIZATION', 'access_code': '43287943278432',
    'merchant_identifier': '343278h432', 'amount': 1, 'merchant_reference': 'test 2121',
    'currency': 'USD', 'language': 'en', 'customer_email': 'test@aps.com',
}

APPLE_PARAMS = dict(
    SDK_PARAMS,
    digital_wallet='APPLE_PAY',
    apple_signature='MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIID5jCC',
    apple_paymentMethod={'apple_displayName': 'Visa 0492', 'apple_network': 'Visa', 'apple_type': 'debit'},
    apple_data=(
        'C0QcNob17qrbYmBX63UxsfLOp3iqNU7ieMz1fmSlAYEG8gbkXsukzymwy7E3cqFZHD4UCZRL5uXcSfOIqT99c4xsqalQ3gIZgwhq'
        'cLZL6m/xqOuxqx1j9XQ9C54nmZJyAh6//zQWjeJhIeybGKS1zHlNRbaOScMp+hLMcvBnoL3EYkfbQiPJrxWUqXxGx/lxeo9G72Yp5'
        'QfsuQ74RW/mwBmKXtirFq7UsUt/Mh/KGgw'
    ),
    apple_header={
        'apple_transactionId': '93eec76cbedaedca44648e3d5c314766906e4e78ce33cd3b8396f105a1c0daed',
        'apple_ephemeralPublicKey': (
            'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEM9JqF04vDlGIHEzWsaDm4bGBlTJdCn3+DH8ptlAmOSwVddD7/FN93A2o+l7i2U6'
            'Lmjb8WhKJcz6ZB+2MabcF4g=='
        ),
        'apple_publicKeyHash': 'bVTUiyTv0uCJgQz8SNYHBHOlHMD6sR1qDuCqTaETzkw=',
    },
)


def test_doc_string_is_sorted_and_wrapped():
    assert signature_string(DOC_PARAMS, 'PASS') == (
        'PASSaccess_code=SILgpo7pWbmzuURp2qriamount=1000command=PURCHASEcurrency=USD'
        'customer_email=test@gmail.comlanguage=enmerchant_identifier=MxvOupuGmerchant_reference=Test010PASS'
    )


@pytest.mark.parametrize('sha_type, expected', [
    ('SHA-256', '94c38afc7bdae0114fc8c740edf12416f22998241ce4b4ea70d5521233a2c882'),
    ('SHA-512', '01575815bbdb23a862855bf2087012e243215e6464b6239a422d9a85936adca90'
                'bf6c3227c180890ad13b00ddf3a248608053d7174cbe622f24bdf2d5f345638'),
    ('HMAC-256', 'b592468a25c7292cdadb2e58c3c184e5b868eda03d8c2920f66fe16a587681f3'),
    ('HMAC-512', '4c3addc9583cdadb5861d22926c2e6735aa32e18a747981fdafe454b050c3865'
                 '1bf96ab468ce24619468d87b8dad45820803b95595c3dca5710604ce363e75a2'),
])
def test_doc_vector_all_sha_types(sha_type, expected):
    assert sign(DOC_PARAMS, 'PASS', sha_type) == expected


@pytest.mark.parametrize('params, phrase, expected', [
    (SDK_PARAMS, 'test1', '6b73011e4eda060bbbdf206ad110b5208690b57d9e39bec1a548fe8bf3029439'),
    (SDK_PARAMS, 'test2', '916b0c4952b7d072fe6cbe15fad9b5509660b482aaa952d90096c9094ca87478'),
    (APPLE_PARAMS, 'test1', 'aa8da5763c86290b87dd2583c26540fa3cbba621d2a9afa32d0180542cf2d400'),
    (APPLE_PARAMS, 'test2', 'f341b4c2be2cf4e12a8af9b7ac7a7885c3b3fe5fd142f9eb82dcc92a8a1ad688'),
])
def test_php_sdk_vectors(params, phrase, expected):
    assert sign(params, phrase) == expected


def test_tokenization_doc_vector():
    params = {
        'access_code': 'SILgpo7pWbmzuURp2qri', 'language': 'en', 'merchant_identifier': 'MxvOupuG',
        'merchant_reference': 'MyReference0001', 'service_command': 'TOKENIZATION',
    }
    assert sign(params, 'PASS') == '7ee560ccd621da61bfc772f2f1b5849babda768f5ee36d4de67efa88403e4b99'


def test_nested_lists_render_java_style():
    params = {'filters': [{'key': 'currency', 'value': 'USD'}], 'n': 2.0, 'ok': True}
    assert signature_string(params, 'P') == 'Pfilters=[{key=currency, value=USD}]n=2ok=trueP'


def test_verify_is_case_insensitive_and_rejects_tampering():
    params = signed(DOC_PARAMS, 'PASS')
    assert verify(dict(params, signature=params['signature'].upper()), 'PASS')
    assert not verify(dict(params, amount='1001'), 'PASS')
    assert not verify(dict(params, signature=''), 'PASS')
    assert not verify(params, 'PASS', 'SHA-512')


def test_unknown_sha_type_is_rejected():
    with pytest.raises(ValueError):
        sign(DOC_PARAMS, 'PASS', 'SHA-1')
