"""Test helpers: signed requests, HTML form parsing, a recording HTTP receiver."""
import json
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from aps_sandbox.merchants import Merchant
from aps_sandbox.signing import sign, verify

SHOP = Merchant('Shop1', 'AccessShop1', 'in-phrase-1', 'out-phrase-1', 'SHA-256',
                retries=2, retry_interval=0.1, pending_delay=0.3)
DEFERRED = Merchant('Shop2', 'AccessShop2', 'in-phrase-2', 'out-phrase-2', 'HMAC-512',
                    notification_format='json', capture='deferred', retries=2, retry_interval=0.1)
RETURN_URL = 'http://127.0.0.1:9/shop/return'


def page_params(merchant=SHOP, sign_it=True, **overrides):
    """A valid, signed Tamara PURCHASE request (``None`` in overrides removes a field)."""
    params = {
        'command': 'PURCHASE', 'access_code': merchant.access_code,
        'merchant_identifier': merchant.merchant_identifier,
        'merchant_reference': f'REF-{time.time_ns()}', 'amount': '50000', 'currency': 'SAR',
        'language': 'en', 'customer_email': 'otp.success@tamara.ai', 'payment_option': 'TAMARA',
        'phone_number': '500000001', 'order_description': 'Premium Product', 'return_url': RETURN_URL,
    }
    params.update(overrides)
    params = {name: value for name, value in params.items() if value is not None}
    if sign_it:
        params['signature'] = sign(params, merchant.request_phrase, merchant.sha_type)
    return params


def api_params(merchant=SHOP, **params):
    """A signed paymentApi request."""
    params = dict({'access_code': merchant.access_code, 'merchant_identifier': merchant.merchant_identifier,
                   'language': 'en'}, **params)
    params['signature'] = sign(params, merchant.request_phrase, merchant.sha_type)
    return params


def call_api(sandbox, merchant=SHOP, **params):
    """POST a signed paymentApi request; check the answer's signature; return the JSON."""
    response = requests.post(f'{sandbox.url}/FortAPI/paymentApi', json=api_params(merchant, **params), timeout=5)
    assert response.status_code == 200
    data = response.json()
    assert verify(data, merchant.response_phrase, merchant.sha_type), data
    return data


class FormParser(HTMLParser):
    """Collects forms (by id) with their action and named fields, and elements by id."""

    def __init__(self):
        super().__init__()
        self.forms, self.ids, self.buttons = {}, {}, {}
        self._form = None
        self._id_stack = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'form':
            self._form = attrs.get('id')
            self.forms[self._form] = {'action': attrs.get('action'), 'fields': {}}
            self.buttons[self._form] = []
        elif tag == 'input' and self._form is not None and attrs.get('name'):
            self.forms[self._form]['fields'][attrs['name']] = attrs.get('value', '')
        elif tag == 'button' and self._form is not None and attrs.get('name'):
            self.buttons[self._form].append((attrs['name'], attrs.get('value')))
        if attrs.get('id'):
            self.ids[attrs['id']] = ''
            self._id_stack.append(attrs['id'])
        elif tag not in ('input', 'meta', 'br'):
            self._id_stack.append(None)

    def handle_endtag(self, tag):
        if tag == 'form':
            self._form = None
        if tag not in ('input', 'meta', 'br') and self._id_stack:
            self._id_stack.pop()

    def handle_data(self, data):
        for element_id in self._id_stack:
            if element_id:
                self.ids[element_id] += data


def parse(html):
    """Parse a page with ``FormParser``."""
    parser = FormParser()
    parser.feed(html)
    return parser


def returned_fields(response):
    """The fields of ``form#aps_return_form`` (fails if the page has none)."""
    page = parse(response.text)
    assert 'aps_return_form' in page.forms, response.text
    return page.forms['aps_return_form']['fields']


def start_checkout(sandbox, session, **overrides):
    """POST paymentPage; return the response of the first checkout page."""
    response = session.post(f'{sandbox.url}/FortAPI/paymentPage', data=page_params(**overrides), timeout=5)
    assert response.status_code == 200 and response.history and response.history[0].status_code == 303
    return response


def pay(sandbox, session, action='approve', email=None, phone=None, **overrides):
    """Drive sign-in, OTP and plan; return the final page response."""
    response = start_checkout(sandbox, session, **overrides)
    page = parse(response.text)
    signin = page.forms['tamara_signin']
    data = dict(signin['fields'], action='signin')
    if email is not None:
        data['email'] = email
    if phone is not None:
        data['phone'] = phone
    response = session.post(urllib.parse.urljoin(response.url, signin['action']), data=data, timeout=5)
    page = parse(response.text)
    if 'tamara_otp' not in page.forms:
        return response
    code = page.ids['tamara_otp_code'].strip()
    otp = page.forms['tamara_otp']
    response = session.post(urllib.parse.urljoin(response.url, otp['action']),
                            data={'otp': code, 'action': 'verify'}, timeout=5)
    plan = parse(response.text).forms['tamara_plan']
    return session.post(urllib.parse.urljoin(response.url, plan['action']), data={'action': action}, timeout=5)


class Receiver:
    """A local HTTP server that records notifications and answers scripted statuses."""

    def __init__(self):
        self.received = []
        self.statuses = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.received.append((self.headers.get('Content-Type'), body))
                self.send_response(status)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/notify'
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def payloads(self):
        """The received notifications decoded (form or JSON)."""
        with self._lock:
            items = list(self.received)
        return [json.loads(body) if 'json' in content_type else dict(urllib.parse.parse_qsl(body.decode()))
                for content_type, body in items]

    def wait_for(self, count, timeout=5.0):
        """Wait until at least ``count`` notifications arrived; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.02)
        return self.payloads()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def control(sandbox, method, route, payload=None):
    """Call the control API; return the JSON."""
    response = requests.request(method, f'{sandbox.url}/_sandbox/{route}', json=payload, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def wait_until(predicate, timeout=5.0):
    """Poll ``predicate`` until it is true (bounded); return its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(0.02)
        value = predicate()
    return value
