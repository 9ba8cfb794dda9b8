"""Odoo-free tests of the defensive decoding of received messages (aps/callbacks.py), and of the
signature comparison and excerpts it goes with (aps/signing.py, aps/redact.py)."""
import json

import pytest

from payment_aps_tamara.aps import callbacks, const, redact, signing


def test_json_object_becomes_strings_as_aps_signs_them():
    message = callbacks.decode_json(json.dumps({
        'merchant_reference': 'S1', 'amount': 111111, 'order_metadata': {'a': [1, 'x']},
    }).encode())
    assert message == {'merchant_reference': 'S1', 'amount': '111111', 'order_metadata': '{a=[1, x]}'}


@pytest.mark.parametrize('body', [
    b'{not json', b'[1, 2]', b'\xff\xfe', b'[' * 100_000 + b']' * 100_000,
    b'{"x": ' + b'[' * 50 + b']' * 50 + b'}',
    b'{"amount": 1.5}', b'{"status": null}', b'{"currency": true}',
    b'{"merchant_reference": "a\\u0000b"}', b'{"merchant_reference": "\\ud800"}',
    json.dumps({f'k{i}': 'v' for i in range(const.CALLBACK_MAX_FIELDS + 1)}).encode(),
])
def test_hostile_json_is_refused(body):
    with pytest.raises(callbacks.MalformedMessage):
        callbacks.decode_json(body)


def test_form_values_with_nul_are_refused():
    with pytest.raises(callbacks.MalformedMessage):
        callbacks.flatten({'merchant_reference': 'S1\x00'})
    assert callbacks.flatten({'merchant_reference': 'S1'}) == {'merchant_reference': 'S1'}


@pytest.mark.parametrize('received', ['é' * 64, None, 12, {'a': 1}, '', '\ud800'])
def test_odd_signatures_are_simply_invalid(received):
    assert signing.signatures_match('ab' * 32, received) is False
    assert signing.is_signature_valid({'a': '1', 'signature': received}, 'phrase', 'sha256') is False


def test_excerpt_is_bounded_and_keeps_no_personal_data():
    text = redact.excerpt({
        'merchant_reference': 'S1', 'customer_email': 'a@b.c', 'customer_name': 'Sara',
        'phone_number': '+966500000001', 'customer_ip': '203.0.113.7', 'access_code': 'SECRET',
        'merchant_extra': 'y' * 20_000,
    })
    assert len(text) <= const.LOG_EXCERPT_MAX_CHARS
    assert 'S1' in text
    for value in ('a@b.c', 'Sara', '+966500000001', '203.0.113.7', 'SECRET'):
        assert value not in text
