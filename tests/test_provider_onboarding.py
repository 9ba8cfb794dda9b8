# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import signing
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    PAYMENT_TX_LOGGER,
    TAMARA_API_LOGGER,
    APSTamaraCommon,
)
from odoo.addons.payment_aps_tamara.tests.sandbox_common import APSTamaraSandboxCommon


@tagged('post_install', '-at_install')
class TestMerchantSetup(APSTamaraCommon):
    """ Sandbox and production credentials, the provider form's help for the APS back office, the
    go-live checklist and the notification health. """

    def test_credentials_follow_the_state(self):
        tx = self._create_order_transaction()
        inputs = self._get_form_values(tx)['inputs']
        self.assertEqual(inputs['merchant_identifier'], 'LbscwkFC')
        self.assertEqual(inputs['signature'], self._sha256_signature(inputs, self.sha_request))

        self.provider.state = 'enabled'
        tx_live = self._create_order_transaction(reference='S00043-1')
        inputs = self._get_form_values(tx_live)['inputs']
        self.assertEqual(inputs['merchant_identifier'], 'ProdShop1')
        self.assertEqual(inputs['access_code'], 'ProdAccess0000000001')
        self.assertEqual(inputs['signature'], signing.calculate_signature(
            inputs, self.sha_request_production, 'sha512'
        ))
        # A message signed with the sandbox phrase is not accepted by the live provider.
        answer = {'merchant_reference': tx_live.reference, 'status': '14'}
        answer['signature'] = signing.calculate_signature(answer, self.sha_response, 'sha256')
        self.assertFalse(self.provider._aps_tamara_is_signature_valid(answer))
        answer['signature'] = signing.calculate_signature(
            answer, self.sha_response_production, 'sha512'
        )
        self.assertTrue(self.provider._aps_tamara_is_signature_valid(answer))

    def test_only_the_credentials_of_the_state_are_required(self):
        provider = self.provider.copy()
        provider.write({
            'state': 'test',
            'aps_tamara_merchant_identifier_test': 'm', 'aps_tamara_access_code_test': 'a',
            'aps_tamara_sha_request_test': 'r', 'aps_tamara_sha_response_test': 's',
            'aps_tamara_merchant_identifier': False, 'aps_tamara_access_code': False,
        })
        with self.assertRaises(ValidationError) as error:
            provider.state = 'enabled'
        self.assertIn("Merchant Identifier", error.exception.args[0])
        self.assertNotIn("Sandbox", error.exception.args[0])

    def test_changing_credentials_forgets_the_connection_test(self):
        now = fields.Datetime.now()
        self.provider.write({
            'aps_tamara_connected_test_at': now, 'aps_tamara_connected_enabled_at': now,
        })
        self.provider.aps_tamara_sha_request_test = 'new-phrase'
        self.assertFalse(self.provider.aps_tamara_connected_test_at)
        self.assertEqual(self.provider.aps_tamara_connected_enabled_at, now)

    def test_back_office_urls_are_shown(self):
        base_url = self.provider.get_base_url()
        self.assertEqual(
            self.provider.aps_tamara_webhook_url, base_url + APSTamaraController._webhook_url
        )
        self.assertEqual(
            self.provider.aps_tamara_return_url, base_url + APSTamaraController._return_url
        )

    def test_go_live_checklist_ticks_what_is_done(self):
        def checklist():
            self.provider.invalidate_recordset()
            return dict(self.provider._aps_tamara_get_go_live_checklist())

        items = checklist()
        self.assertEqual(len(items), 10)
        self.assertEqual(sum(items.values()), 3)  # Both credential sets, capture at once.
        self.assertTrue(items["Production credentials filled in (APS enables Tamara in "
                              "production after your sandbox tests)"])
        self.assertFalse(items["Sandbox connection test passed"])
        self.assertFalse(items["A successful payment tried"])

        self.provider.aps_tamara_connected_test_at = fields.Datetime.now()
        self.provider.aps_tamara_public_key_sandbox = 'pk-sandbox'
        self._create_order_transaction(state='done')
        items = checklist()
        self.assertTrue(items["Sandbox connection test passed"])
        self.assertTrue(items["A successful payment tried"])
        self.assertTrue(items["Tamara's widgets shown on product pages and at checkout (mandatory)"])
        self.assertFalse(items["A declined or canceled payment tried"])
        html = self.provider.aps_tamara_go_live_checklist
        self.assertEqual(html.count('data-done="1"'), sum(items.values()))
        self.assertEqual(html.count('data-done="0"'), len(items) - sum(items.values()))
        self.assertNotIn('/>', html)  # Browsers do not close a self-closed <i/>.

    def test_stuck_payments_are_counted_and_listed(self):
        old = fields.Datetime.now() - timedelta(days=10)
        pending = self._create_order_transaction(state='pending')
        authorized = self._create_order_transaction(reference='S00043-1', state='authorized')
        recent = self._create_order_transaction(reference='S00044-1', state='pending')
        self.env.cr.execute(SQL(
            "UPDATE payment_transaction SET last_state_change = %s WHERE id IN %s",
            old, (pending.id, authorized.id),
        ))
        self.env.invalidate_all()
        self.assertEqual(self.provider.aps_tamara_stuck_count, 2)
        action = self.provider.with_context(aps_tamara_list='stuck') \
            .action_aps_tamara_view_payments()
        listed = self.env['payment.transaction'].search(action['domain'])
        self.assertEqual(listed, pending + authorized)
        self.assertNotIn(recent, listed)


@tagged('post_install', '-at_install')
class TestConnectionAndInsight(APSTamaraSandboxCommon):
    """ The connection test against the local APS sandbox, and what a sandbox payment leaves on
    the provider and the transaction. """

    def _test_connection(self):
        action = self.provider.action_aps_tamara_test_connection()
        self.assertEqual(action['tag'], 'display_notification')
        return action['params']

    @mute_logger(TAMARA_API_LOGGER)
    def test_connection_test_with_right_and_wrong_credentials(self):
        result = self._test_connection()
        self.assertEqual(result['type'], 'success')
        self.assertEqual(result['title'], "The connection works")
        self.assertTrue(self.provider.aps_tamara_connected_test_at)

        cases = [
            ({'aps_tamara_sha_request_test': 'wrong'}, "SHA Request Phrase or SHA Type"),
            ({'aps_tamara_sha_type_test': 'sha512'}, "SHA Request Phrase or SHA Type"),
            ({'aps_tamara_merchant_identifier_test': 'Nobody'}, "does not know the merchant"),
            ({'aps_tamara_access_code_test': 'WrongAccess'}, "refused the access code"),
            ({'aps_tamara_sha_response_test': 'wrong'}, "SHA Response Phrase or SHA Type"),
        ]
        for values, expected in cases:
            with self.subTest(values=values):
                original = {name: self.provider[name] for name in values}
                self.provider.write(values)
                result = self._test_connection()
                self.assertEqual(result['type'], 'danger')
                self.assertIn(expected, result['message'])
                self.assertFalse(self.provider.aps_tamara_connected_test_at)
                self.provider.write(original)

        # The test itself is recorded, the access code masked.
        log = self.env['payment.aps_tamara.log'].search([
            ('provider_id', '=', self.provider.id), ('channel', '=', 'api'),
            ('reference', '=', const.CONNECTION_TEST_REFERENCE),
        ])
        self.assertEqual(len(log), 6)
        self.assertNotIn(self.provider.aps_tamara_access_code_test, ''.join(log.mapped('request_data')))

    @mute_logger(TAMARA_API_LOGGER)
    def test_connection_test_tells_an_unreachable_endpoint(self):
        self.provider.aps_tamara_sandbox_url = f'http://127.0.0.1:{self.sandbox._free_port()}'
        result = self._test_connection()
        self.assertEqual(result['type'], 'danger')
        self.assertIn("could not be reached", result['message'])
        self.sandbox.configure(api_fault='http_500')
        self.addCleanup(self.sandbox.configure, api_fault='none')
        self.provider.aps_tamara_sandbox_url = self.sandbox.url
        result = self._test_connection()
        self.assertIn("HTTP error 500", result['message'])

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_sandbox_payment_shows_on_provider_and_transaction(self):
        tx, form = self._start_payment()
        aps_page = self.shopper.pay(form)
        self.shopper.come_back(aps_page)
        self._settle(tx, 1)
        self.assertEqual(tx.state, 'done')
        self.assertTrue(self.provider.aps_tamara_last_notification_at)
        self.assertEqual(self.provider.aps_tamara_accepted_count, 1)
        fort_id = self.sandbox.transaction(tx.reference)['fort_id']
        self.assertEqual(tx.provider_reference, fort_id)
        self.assertEqual(tx.aps_tamara_response_message, 'Success')
        self.assertEqual(
            sorted(tx.aps_tamara_log_ids.mapped('channel')), ['return', 'webhook']
        )
        for log in tx.aps_tamara_log_ids:
            self.assertIn(fort_id, log.response_data)
            self.assertNotIn(self.provider.aps_tamara_access_code_test, log.response_data)

        # A refund: what was sent and what came back are on the refund transaction. (No
        # notification: it would reach Odoo while this test uses the shared cursor.)
        self.sandbox.configure(notifications='drop')
        refund_tx = self._refund_tx(tx, tx.amount)
        api_log = refund_tx.aps_tamara_log_ids.filtered(lambda log: log.channel == 'api')
        self.assertEqual(api_log.state, 'accepted')
        sent = json.loads(api_log.request_data)
        self.assertEqual(sent['command'], 'REFUND')
        self.assertEqual(sent['access_code'], '***')
        self.assertEqual(json.loads(api_log.response_data)['response_code'], '06000')
