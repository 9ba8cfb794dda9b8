# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time

import requests
from lxml import html

from odoo.modules.module import get_module_path

from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import APSTamaraCommon


class SandboxProcess:
    """ The local APS sandbox (`aps_sandbox/`), started as a separate process on a free port. """

    def __init__(self, merchant, notification_url):
        self.merchant = merchant
        self.allow_http = contextlib.nullcontext  # Set per test: `APSTamaraCommon._allow_http`.
        self._tmpdir = tempfile.TemporaryDirectory(prefix='aps_sandbox_')
        self.port = self._free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.log_path = os.path.join(self._tmpdir.name, 'sandbox.log')
        spec = ':'.join((
            merchant['merchant_identifier'], merchant['access_code'],
            merchant['request_phrase'], merchant['response_phrase'], merchant['sha_type'],
        ))
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, '-m', 'aps_sandbox',
                    '--db', os.path.join(self._tmpdir.name, 'sandbox.sqlite3'),
                    '--port', str(self.port),
                    '--merchant', spec,
                    '--notification-url', notification_url,
                    '--retries', '3', '--retry-interval', '0.5', '--pending-delay', '0.5',
                ],
                cwd=get_module_path('payment_aps_tamara'),
                stdout=log, stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()

    @staticmethod
    def _free_port():
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            return sock.getsockname()[1]

    def _wait_until_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                requests.get(f'{self.url}/_sandbox/merchants', timeout=1).raise_for_status()
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The APS sandbox did not start; its log:\n{self.read_log()}")

    def read_log(self):
        with open(self.log_path, encoding='utf-8', errors='replace') as log:
            return log.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._tmpdir.cleanup()

    def configure(self, **settings):
        """ Change settings of the merchant: switches, SHA type, phrases, notification format... """
        response = requests.post(
            f'{self.url}/_sandbox/merchants/{self.merchant["merchant_identifier"]}',
            json=settings, timeout=5,
        )
        response.raise_for_status()
        return response.json()

    def reset(self):
        """ Forget every transaction and pending notification (merchants are kept). """
        requests.post(f'{self.url}/_sandbox/reset', timeout=5).raise_for_status()

    def transaction(self, merchant_reference):
        response = requests.get(f'{self.url}/_sandbox/transactions/{merchant_reference}', timeout=5)
        response.raise_for_status()
        return response.json()

    def wait_until_idle(self, timeout=30):
        """ Wait until no notification of any payment is pending; return the transactions. """
        with self.allow_http():
            return self._wait_until_idle(timeout)

    def _wait_until_idle(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = requests.get(f'{self.url}/_sandbox/transactions', timeout=5)
            response.raise_for_status()
            transactions = response.json()['transactions']
            if all(d['state'] != 'pending' for tx in transactions for d in tx['deliveries']):
                return transactions
            time.sleep(0.1)
        raise AssertionError(f"Notifications still pending after {timeout}s")

    def wait_for_deliveries(self, merchant_reference, count, timeout=30):
        """ Wait until at least `count` notifications about the payment are no longer pending. """
        with self.allow_http():
            return self._wait_for_deliveries(merchant_reference, count, timeout)

    def _wait_for_deliveries(self, merchant_reference, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            deliveries = self.transaction(merchant_reference)['deliveries']
            finished = [d for d in deliveries if d['state'] != 'pending']
            if len(finished) >= count and len(finished) == len(deliveries):
                return deliveries
            time.sleep(0.1)
        raise AssertionError(
            f"Notifications of {merchant_reference} still pending after {timeout}s: {deliveries}"
        )


class Shopper:
    """ A shopper's browser, as plain HTTP: posts the redirect form to APS, goes through the hosted
    Tamara checkout and, if APS sends them back, posts the return form to the shop.
    """

    def __init__(self, allow_http=contextlib.nullcontext):
        self.session = requests.Session()
        self.allow_http = allow_http  # The shop serves the shopper's requests within.

    @staticmethod
    def _form(response, form_id):
        forms = html.fromstring(response.text).xpath(f'//form[@id="{form_id}"]')
        if not forms:
            raise AssertionError(f"No form #{form_id} on {response.url}:\n{response.text[:2000]}")
        return forms[0].action, dict(forms[0].form_values())

    def _submit(self, response, form_id, **values):
        action, fields = self._form(response, form_id)
        response = self.session.post(
            requests.compat.urljoin(response.url, action), data=dict(fields, **values), timeout=15
        )
        response.raise_for_status()
        return response

    def pay(self, redirect_form, decision='approve', email=None, phone=None):
        """ Go from the shop's redirect form to APS' answer.

        :param dict redirect_form: The form as extracted by `_extract_values_from_html_form`.
        :param str decision: 'approve', 'decline' or 'cancel' on Tamara's plan page.
        :return: APS' return page (with the auto-submitted return form, unless the sandbox is set
                 not to send the shopper back).
        :rtype: requests.Response
        """
        response = self.session.post(
            redirect_form['action'], data=redirect_form['inputs'], timeout=15
        )
        response.raise_for_status()
        if not self._has_form(response, 'tamara_signin'):
            return response  # APS refused the request and answered to the return URL at once.
        if decision == 'cancel':
            return self._submit(response, 'tamara_signin', action='cancel')
        signin = dict(action='signin', **{k: v for k, v in (('email', email), ('phone', phone)) if v})
        response = self._submit(response, 'tamara_signin', **signin)
        if not self._has_form(response, 'tamara_otp'):
            return response  # Declined at sign-in.
        otp = html.fromstring(response.text).xpath('//*[@id="tamara_otp_code"]')[0].text_content()
        response = self._submit(response, 'tamara_otp', otp=otp.strip(), action='verify')
        return self._submit(response, 'tamara_plan', action=decision)

    @staticmethod
    def _has_form(response, form_id):
        return bool(html.fromstring(response.text).xpath(f'//form[@id="{form_id}"]'))

    def come_back(self, aps_page):
        """ Post APS' return form to the shop, as the page's script does. """
        action, fields = self._form(aps_page, 'aps_return_form')
        with self.allow_http():
            return self.session.post(action, data=fields, timeout=15, allow_redirects=False)

    def has_return_form(self, aps_page):
        return self._has_form(aps_page, 'aps_return_form')


class APSTamaraSandboxCommon(APSTamaraCommon):
    """ The Tamara provider in test state talking to a local APS sandbox over real HTTP. """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        merchant = {
            'merchant_identifier': cls.provider.aps_tamara_merchant_identifier_test,
            'access_code': cls.provider.aps_tamara_access_code_test,
            'request_phrase': cls.sha_request,
            'response_phrase': cls.sha_response,
            'sha_type': aps_const.SHA_TYPE_LABELS[cls.provider.aps_tamara_sha_type_test],
        }
        cls.sandbox = SandboxProcess(
            merchant, cls.base_url() + APSTamaraController._webhook_url
        )
        cls.addClassCleanup(cls.sandbox.stop)
        cls.provider.aps_tamara_sandbox_url = cls.sandbox.url

    def setUp(self):
        super().setUp()
        self.sandbox.reset()
        self.sandbox.configure(
            notifications='deliver', browser_return=True, notification_format='form',
            pending_delay=0.5, api_fault='none', capture='immediate',
            sha_type=aps_const.SHA_TYPE_LABELS[self.provider.aps_tamara_sha_type_test],
            request_phrase=self.sha_request, response_phrase=self.sha_response,
        )
        self.sandbox.allow_http = self._allow_http
        self.shopper = Shopper(self._allow_http)

    def _start_payment(self, **values):
        """ Create an order and its Tamara transaction, and return them with the redirect form. """
        tx = self._create_order_transaction(**values)
        form = self._get_form_values(tx)
        self.env.flush_all()  # The HTTP workers read the database, not this test's cache.
        return tx, form

    def _settle(self, tx, deliveries=0):
        """ Wait until the sandbox has sent its notifications about the transaction, then see what
        the HTTP workers wrote. The test must not use the database while a notification is being
        processed: in tests, the HTTP workers share the test's cursor.
        """
        if deliveries is not None:
            self.sandbox.wait_for_deliveries(tx.reference, deliveries)
        self.env.invalidate_all()
