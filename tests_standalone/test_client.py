"""Odoo-free tests of the paymentApi client (aps/client.py), over real HTTP with a local server."""
import http.server
import json
import socket
import threading
import time

import pytest

from payment_aps_tamara.aps import client, const, signing

CREDENTIALS = {
    'merchant_identifier': 'MxvOupuG', 'access_code': 'SILgpo7pWbmzuURp2qri',
    'sha_request': 'req-phrase', 'sha_response': 'resp-phrase', 'sha_type': 'sha256',
}


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers as the test says: `server.reply(params)` returns (status, body) or sleeps."""

    def do_POST(self):
        params = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        self.server.received.append(params)
        status, body = self.server.reply(params)
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    httpd.received = []
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f'http://127.0.0.1:{httpd.server_address[1]}{const.PAYMENT_API_PATH}'
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _signed_answer(params, phrase='resp-phrase', **values):
    answer = {
        'query_command': params.get('query_command'), 'merchant_reference': 'S1',
        'status': 12, 'response_code': '12000', **values,
    }
    answer['signature'] = signing.calculate_signature(answer, phrase, 'sha256')
    return answer


def _send(server, payload=None):
    api = client.PaymentApiClient(server.url, CREDENTIALS)
    return api.send(api.build_request(payload or {
        'query_command': 'CHECK_STATUS', 'merchant_reference': 'S1',
    }))


def test_request_is_signed_and_the_verified_answer_returned_as_text(server):
    server.reply = lambda params: (200, json.dumps(_signed_answer(params)).encode())
    answer = _send(server)
    sent = server.received[0]
    assert sent['access_code'] == CREDENTIALS['access_code']
    assert sent['merchant_identifier'] == CREDENTIALS['merchant_identifier']
    assert sent['language'] == const.API_LANGUAGE
    assert sent['signature'] == signing.calculate_signature(sent, 'req-phrase', 'sha256')
    assert answer['status'] == '12'  # Sent as a JSON number, signed as its text.


def test_answer_signed_with_another_phrase_is_refused_but_kept(server):
    server.reply = lambda params: (200, json.dumps(_signed_answer(params, 'other')).encode())
    with pytest.raises(client.APSBadSignature) as error:
        _send(server)
    assert error.value.answer['response_code'] == '12000'


@pytest.mark.parametrize('status, body, error_class, note', [
    (502, b'{}', client.APSHTTPError, 'HTTP 502'),
    (200, b'<html>maintenance</html>', client.APSMalformedAnswer, 'no JSON object'),
    (200, b'[1, 2]', client.APSMalformedAnswer, 'no JSON object'),
])
def test_unusable_answers_raise_typed_errors(server, status, body, error_class, note):
    server.reply = lambda params: (status, body)
    with pytest.raises(error_class) as error:
        _send(server)
    assert error.value.note == note


def test_no_answer_in_time_is_a_timeout(server, monkeypatch):
    monkeypatch.setattr(const, 'API_READ_TIMEOUT', 0.2)

    def slow(params):
        time.sleep(1)
        return 200, b'{}'
    server.reply = slow
    with pytest.raises(client.APSTimeout) as error:
        _send(server)
    assert error.value.note == 'timeout'


def test_closed_port_is_unreachable():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    api = client.PaymentApiClient(f'http://127.0.0.1:{port}/FortAPI/paymentApi', CREDENTIALS)
    with pytest.raises(client.APSUnreachable) as error:
        api.send(api.build_request({'query_command': 'CHECK_STATUS'}))
    assert error.value.note == 'ConnectionError'


def test_a_given_session_is_used_and_left_open(server):
    server.reply = lambda params: (200, json.dumps(_signed_answer(params)).encode())
    session = client.new_session()
    try:
        api = client.PaymentApiClient(server.url, CREDENTIALS, session)
        api.send(api.build_request({'query_command': 'CHECK_STATUS'}))
        api.send(api.build_request({'query_command': 'CHECK_STATUS'}))
        assert session.adapters['http://'].__class__ is client.TimeoutAdapter
    finally:
        session.close()
    assert len(server.received) == 2
