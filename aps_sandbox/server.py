"""HTTP routing (``ThreadingHTTPServer``) and the ``Sandbox`` application object."""
import ipaddress
import json
import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import pages, refunds, reply
from .api import PaymentApi
from .checkout import CHECKOUT_PATH, Checkout
from .merchants import Merchant
from .notifications import Worker
from .store import Store

_logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
SHUTDOWN_POLL = 0.05
CONTROL_PREFIX = '/_sandbox/'


class Sandbox:
    """The whole sandbox: database, HTTP server and notification worker."""

    def __init__(self, db_path, merchants=(), host='127.0.0.1', port=8070):
        self.store = Store(db_path)
        for merchant in merchants:
            self.store.save_merchant(merchant)
        self.checkout = Checkout(self.store)
        self.api = PaymentApi(self.store)
        self.worker = Worker(self.store, jobs=[self.checkout.settle_due, lambda: refunds.settle_due(self.store)])
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.app = self
        self._thread = None

    @property
    def url(self):
        """Base URL, e.g. ``http://127.0.0.1:8070``."""
        host, port = self.httpd.server_address[:2]
        return f'http://{host}:{port}'

    def serve_forever(self):
        """Run in the calling thread until ``shutdown()`` is called from another thread."""
        self.worker.start()
        self.httpd.serve_forever(poll_interval=SHUTDOWN_POLL)

    def start(self):
        """Run in a background thread (used by the tests)."""
        self._thread = threading.Thread(target=self.serve_forever, name='aps-sandbox-http', daemon=True)
        self._thread.start()
        return self

    def shutdown(self):
        """Stop accepting requests (call from another thread than ``serve_forever``)."""
        self.httpd.shutdown()

    def close(self):
        """Stop the worker and release the socket and the database."""
        self.worker.stop()
        self.httpd.server_close()
        self.store.close()

    def stop(self):
        """``shutdown()`` + ``close()``, for a sandbox started with ``start()``."""
        self.shutdown()
        if self._thread:
            self._thread.join(5)
        self.close()

    # control API -------------------------------------------------------------------

    def control(self, method, path, body):
        """The JSON control API under ``/_sandbox/``."""
        parsed = urllib.parse.urlsplit(path)
        route = parsed.path[len(CONTROL_PREFIX):].strip('/').split('/')
        query = dict(urllib.parse.parse_qsl(parsed.query))
        if method == 'GET' and route == ['merchants']:
            return reply.as_json({'merchants': [m.to_dict() for m in self.store.merchants()]})
        if method == 'POST' and len(route) == 2 and route[0] == 'merchants':
            return self._update_merchant(urllib.parse.unquote(route[1]), body)
        if method == 'GET' and route == ['transactions']:
            rows = self.store.recent('transactions')
            return reply.as_json({'transactions': [self.store.describe_transaction(row) for row in rows]})
        if method == 'GET' and len(route) == 2 and route[0] == 'transactions':
            row = self.store.find_transaction(urllib.parse.unquote(route[1]), query.get('merchant_identifier'))
            if row is None:
                return reply.as_json({'error': 'transaction not found'}, status=404)
            return reply.as_json(self.store.describe_transaction(row))
        if method == 'POST' and route == ['reset']:
            self.store.reset()
            return reply.as_json({'reset': True})
        return reply.as_json({'error': 'not found'}, status=404)

    def _update_merchant(self, merchant_identifier, body):
        """Change settings of a merchant, or create it when it does not exist yet."""
        try:
            changes = json.loads(body or b'{}')
            if not isinstance(changes, dict):
                raise ValueError('expected a JSON object')
            current = self.store.merchant(merchant_identifier)
            if current is None:
                merchant = Merchant.from_dict(dict(changes, merchant_identifier=merchant_identifier))
            else:
                merchant = current.updated(changes)
        except ValueError as error:
            return reply.as_json({'error': str(error)}, status=400)
        self.store.save_merchant(merchant)
        return reply.as_json(merchant.to_dict())

    def overview(self):
        """``GET /``: HTML list of transactions and deliveries, latest first."""
        return reply.html(pages.overview_page(self.store.recent('transactions'), self.store.recent('deliveries')))


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the sandbox application."""

    server_version = 'APS-Sandbox/1.0'

    def do_GET(self):
        self._dispatch('GET')

    def do_POST(self):
        self._dispatch('POST')

    def _dispatch(self, method):
        """Read the body, route, and write the reply (500 on an unexpected error)."""
        try:
            body = self._read_body()
            answer = reply.text('Request body too large', 413) if body is None else self._route(method, body)
        except Exception:
            _logger.exception('error handling %s %s', method, self.path)
            answer = reply.text('Internal error', 500)
        self._write(answer)

    def _read_body(self):
        """The request body, or ``None`` when it is larger than ``MAX_BODY``."""
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b''

    def _route(self, method, body):
        app = self.server.app
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith(CONTROL_PREFIX):
            if not ipaddress.ip_address(self.client_address[0]).is_loopback:
                return reply.as_json({'error': 'control API is loopback only'}, status=403)
            return app.control(method, self.path, body)
        if path == '/FortAPI/paymentPage' and method == 'POST':
            return app.checkout.payment_page(_form(body))
        if path == '/FortAPI/paymentApi' and method == 'POST':
            return app.api.handle(body)
        if path.startswith(CHECKOUT_PATH):
            token = path[len(CHECKOUT_PATH):]
            if method == 'GET':
                return app.checkout.show(token)
            return app.checkout.submit(token, _form(body))
        if path == '/' and method == 'GET':
            return app.overview()
        return reply.text('Not found', 404)

    def _write(self, answer):
        self.send_response(answer.status)
        self.send_header('Content-Type', answer.content_type)
        self.send_header('Content-Length', str(len(answer.body)))
        self.send_header('Cache-Control', 'no-store')
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format, *args):
        _logger.info('%s %s', self.address_string(), format % args)


def _form(body):
    """Decode a form-encoded body (the last value wins for a repeated name)."""
    return dict(urllib.parse.parse_qsl(body.decode('utf-8', 'replace'), keep_blank_values=True))
