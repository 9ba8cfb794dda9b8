"""A multi-process Odoo (prefork workers on one PostgreSQL) with the local APS sandbox.

Run with the Odoo venv's python: `pytest tests_multiprocess`, with these variables set (a missing
one is a failure, never a skip):

- APS_TAMARA_ODOO_BIN: odoo-bin;
- APS_TAMARA_ODOO_CONF: an odoo.conf giving the database connection and the addons_path;
- APS_TAMARA_DB: a database with website_sale, payment_aps and payment_aps_tamara installed; it is
  cloned (`createdb -T`), never changed;
- APS_TAMARA_ODOO_SERIES: the Odoo series, e.g. 18.0.

This folder has no `__init__.py`, so the addon's own `__init__.py` (which imports odoo) is never
imported: Odoo runs only in its own processes, as in production.
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
ENV_VARS = ('APS_TAMARA_ODOO_BIN', 'APS_TAMARA_ODOO_CONF', 'APS_TAMARA_DB', 'APS_TAMARA_ODOO_SERIES')
WORKERS = 4
PAYMENTS = 8
MERCHANT = ('MpShop01', 'MpAccessCode00000001', 'mp-request-phrase', 'mp-response-phrase', 'SHA-256')
WEBHOOK = '/payment/aps_tamara/webhook'
RETURN = '/payment/aps_tamara/return'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_for(url, process, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer {url} within {timeout}s")


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def sign(fields, phrase):
    """APS' documented SHA-256 signature, written out independently of the module."""
    import hashlib  # noqa: PLC0415

    body = ''.join(f'{k}={v}' for k, v in sorted(fields.items()) if k != 'signature')
    return hashlib.sha256(f'{phrase}{body}{phrase}'.encode()).hexdigest()


@pytest.fixture(scope='session')
def settings():
    missing = [name for name in ENV_VARS if not os.environ.get(name)]
    if missing:
        pytest.fail(f"tests_multiprocess needs {', '.join(missing)} (see tests_multiprocess/conftest.py)")
    return {name: os.environ[name] for name in ENV_VARS}


@pytest.fixture(scope='session')
def workdir():
    with tempfile.TemporaryDirectory(prefix='aps_tamara_mp_') as path:
        yield Path(path)


@pytest.fixture(scope='session')
def database(settings):
    """A clone of APS_TAMARA_DB, dropped at the end."""
    name = f"aps_tamara_mp_{os.getpid()}_{secrets.token_hex(3)}"
    subprocess.run(['createdb', '-T', settings['APS_TAMARA_DB'], name], check=True)
    yield name
    subprocess.run(['dropdb', '--if-exists', '--force', name], check=False)


class Sandbox:
    """The local APS sandbox, a separate process on a free port."""

    def __init__(self, workdir, notification_url):
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.log_path = workdir / 'sandbox.log'
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(
                [sys.executable, '-m', 'aps_sandbox', '--db', str(workdir / 'sandbox.sqlite3'),
                 '--port', str(self.port), '--merchant', ':'.join(MERCHANT),
                 '--notification-url', notification_url, '--retries', '5', '--retry-interval', '0.5',
                 '--pending-delay', '0.5'],
                cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            )
        wait_for(f'{self.url}/_sandbox/merchants', self.process, 'the APS sandbox', timeout=30)

    def configure(self, **values):
        response = requests.post(f'{self.url}/_sandbox/merchants/{MERCHANT[0]}', json=values, timeout=5)
        response.raise_for_status()

    def transaction(self, reference):
        response = requests.get(f'{self.url}/_sandbox/transactions/{reference}', timeout=5)
        response.raise_for_status()
        return response.json()

    def wait_for_deliveries(self, reference, timeout=60):
        """Wait until no notification about the payment is pending; return the deliveries."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            deliveries = self.transaction(reference)['deliveries']
            if all(d['state'] != 'pending' for d in deliveries):
                return deliveries
            time.sleep(0.2)
        raise AssertionError(f"notifications about {reference} still pending after {timeout}s")

    def pay(self, payment):
        """Go through the hosted Tamara checkout as the shopper; return APS' signed return fields."""
        from lxml import html  # noqa: PLC0415  (Odoo's venv has lxml)

        session = requests.Session()

        def form(response, form_id):
            [node] = html.fromstring(response.text).xpath(f'//form[@id="{form_id}"]')
            return requests.compat.urljoin(response.url, node.action), dict(node.form_values())

        response = session.post(payment['action'], data=payment['inputs'], timeout=15)
        action, fields = form(response, 'tamara_signin')
        response = session.post(action, data=dict(fields, action='signin'), timeout=15)
        action, fields = form(response, 'tamara_otp')
        otp = html.fromstring(response.text).xpath('//*[@id="tamara_otp_code"]')[0].text_content().strip()
        response = session.post(action, data={'otp': otp, 'action': 'verify'}, timeout=15)
        action, fields = form(response, 'tamara_plan')
        response = session.post(action, data={'action': 'approve'}, timeout=15)
        return form(response, 'aps_return_form')[1]


class RpcError(Exception):
    """An error answered by Odoo to a JSON-RPC call: (message, traceback)."""


class Odoo:
    """odoo-bin with prefork workers on a clone of the database, and XML-RPC as administrator."""

    def __init__(self, settings, database, workdir, sandbox_url):
        self.settings, self.database, self.workdir = settings, database, workdir
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.password = secrets.token_urlsafe(12)
        self.payments, self.post_process_cron_id = self._prepare(sandbox_url)
        self.log_path = workdir / 'odoo.log'
        with open(workdir / 'odoo.out', 'wb') as out:  # what is not logged (e.g. the gevent process)
            self.process = subprocess.Popen(self._command(
                f'--workers={WORKERS}', '--max-cron-threads=1', f'--http-port={self.port}',
                f'--gevent-port={free_port()}', f'--logfile={self.log_path}', '--log-level=info',
                '--limit-time-real=120', '--limit-time-cpu=60',
            ), stdout=out, stderr=subprocess.STDOUT)
        wait_for(f'{self.url}/web/login', self.process, 'Odoo')
        self._warm_up()
        self.uid = xmlrpc.client.ServerProxy(f'{self.url}/xmlrpc/2/common').authenticate(
            database, 'admin', self.password, {})
        assert self.uid, "could not log in as admin over XML-RPC"

    def _warm_up(self):
        """Have every worker load the registry, so that concurrent requests really run together."""
        from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

        def visit(index):
            if index % 2:
                return requests.get(f'{self.url}/web/login', timeout=60)
            return requests.post(f'{self.url}{WEBHOOK}', data={}, timeout=60)  # loads the route: 400
        with ThreadPoolExecutor(WORKERS * 4) as pool:
            list(pool.map(visit, range(WORKERS * 8)))

    def _command(self, *args, subcommand=()):
        return [sys.executable, self.settings['APS_TAMARA_ODOO_BIN'], *subcommand,
                '-c', self.settings['APS_TAMARA_ODOO_CONF'], '-d', self.database,
                f'--db-filter=^{self.database}$', *args]

    def _prepare(self, sandbox_url):
        """Shop, provider and payments, through `odoo-bin shell` (tools/demo_setup.py, then ours)."""
        script = (REPO / 'tools' / 'demo_setup.py').read_text() + '\n' \
            + (Path(__file__).parent / 'prepare_payments.py').read_text()
        env = dict(os.environ, APS_DEMO_SANDBOX_URL=sandbox_url, APS_DEMO_MERCHANT=':'.join(MERCHANT),
                   APS_MP_COUNT=str(PAYMENTS), APS_MP_ADMIN_PASSWORD=self.password)
        result = subprocess.run(self._command('--no-http', '--log-level=warn', subcommand=('shell',)),
                                input=script, env=env, capture_output=True, text=True, timeout=300)
        lines = [line for line in result.stdout.splitlines() if line.startswith('APS_MP_JSON ')]
        if result.returncode or not lines:
            raise RuntimeError(f"preparing the shop failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        data = json.loads(lines[-1].split(' ', 1)[1])
        return data['payments'], data['post_process_cron_id']

    def call(self, model, method, *args, **kwargs):
        """`execute_kw` over JSON-RPC (XML-RPC cannot carry a method's `None` back)."""
        response = requests.post(f'{self.url}/jsonrpc', timeout=120, json={
            'jsonrpc': '2.0', 'method': 'call', 'params': {
                'service': 'object', 'method': 'execute_kw',
                'args': [self.database, self.uid, self.password, model, method, list(args), kwargs],
            },
        })
        assert response.status_code == 200, response.text[:500]
        data = response.json()
        if 'error' in data:
            raise RpcError(data['error'].get('data', {}).get('message') or str(data['error']),
                           data['error'].get('data', {}).get('debug', ''))
        return data.get('result')  # omitted when None

    def read(self, model, record_id, fields):
        return self.call(model, 'read', [record_id], fields)[0]

    def post_process(self):
        """Run the payment post-processing cron now (what the shopper's status page polls for).

        The server's own cron worker may be running it at that moment (the capture job triggers
        crons too): Odoo then refuses a direct run, so wait for that run to end and run it again.
        """
        deadline = time.monotonic() + 60
        while True:
            try:
                self.call('ir.cron', 'method_direct_trigger', [self.post_process_cron_id])
                return
            except RpcError as error:
                # 18 says "currently being executed", 19 "already executing".
                busy = any(text in str(error.args[0])
                           for text in ('currently being executed', 'already executing'))
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def log_mark(self):
        """The current end of the log, for `log_errors`."""
        return self.log_path.stat().st_size

    def log_lines(self, since=0):
        """The log lines written after `since`."""
        with open(self.log_path, 'rb') as log:
            log.seek(since)
            return log.read().decode(errors='replace').splitlines()

    def log_errors(self, since=0):
        """The log lines at level ERROR or CRITICAL written after `since`."""
        return [line for line in self.log_lines(since) if ' ERROR ' in line or ' CRITICAL ' in line]

    def log_retries(self, since=0):
        """The requests Odoo retried after a serialization failure (logged at INFO) since `since`."""
        return [line for line in self.log_lines(since) if 'tries left, try again' in line
                or 'maximum number of tries reached' in line]


@pytest.fixture(scope='session')
def stack(settings, database, workdir):
    """(odoo, sandbox): both running until the end of the session."""
    sandbox = odoo = None
    try:
        sandbox = Sandbox(workdir, notification_url='')
        odoo = Odoo(settings, database, workdir, sandbox.url)
        sandbox.configure(notification_url=f'{odoo.url}{WEBHOOK}')
        yield odoo, sandbox
    finally:
        for process in (getattr(odoo, 'process', None), getattr(sandbox, 'process', None)):
            if process is not None:
                stop(process)


@pytest.fixture(scope='session')
def new_payment(stack):
    """A function giving a prepared payment not used by another test."""
    unused = list(stack[0].payments)

    def take():
        assert unused, f"only {PAYMENTS} payments are prepared (PAYMENTS in conftest.py)"
        return unused.pop(0)
    return take
