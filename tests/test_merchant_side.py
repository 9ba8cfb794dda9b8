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
    CONTROLLER_LOGGER,
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
        self.assertIn('fa-check-square-o', self.provider.aps_tamara_go_live_checklist)
        self.assertIn('fa-square-o', self.provider.aps_tamara_go_live_checklist)

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
class TestNotificationHealth(APSTamaraCommon):
    """ What reaches the notification route is recorded and counted per provider. """

    def setUp(self):
        super().setUp()
        self.webhook_url = self._build_url(APSTamaraController._webhook_url)
        self.return_url = self._build_url(APSTamaraController._return_url)

    def _log(self, **domain):
        return self.env['payment.aps_tamara.log'].search(
            [(key, '=', value) for key, value in domain.items()]
        )

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_accepted_notification_is_shown_on_provider_and_transaction(self):
        tx = self._create_order_transaction()
        self.assertFalse(self.provider.aps_tamara_last_notification_at)
        response = self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(tx.state, 'done')
        self.assertTrue(self.provider.aps_tamara_last_notification_at)
        self.assertEqual(self.provider.aps_tamara_accepted_count, 1)
        log = tx.aps_tamara_log_ids
        self.assertEqual(len(log), 1)
        self.assertEqual((log.channel, log.state, log.response_code), ('webhook', 'accepted', '14000'))
        self.assertEqual(log.company_id, self.provider.company_id)
        received = json.loads(log.response_data)
        self.assertEqual(received['fort_id'], '169996210006464984')
        self.assertEqual(received['access_code'], '***')
        self.assertEqual(tx.aps_tamara_status, '14')
        self.assertEqual(tx.aps_tamara_payment_option, 'TAMARA')

    @mute_logger(CONTROLLER_LOGGER)
    def test_forged_notification_is_refused_and_counted(self):
        tx = self._create_order_transaction()
        forged = dict(self._aps_answer(tx), signature='0' * 64)
        response = self._make_http_post_request(self.webhook_url, data=forged)
        self.assertEqual(response.status_code, 403)
        self.env.invalidate_all()
        self.assertEqual(tx.state, 'draft')
        self.assertEqual(self.provider.aps_tamara_forged_count, 1)
        self.assertEqual(self.provider.aps_tamara_accepted_count, 0)
        self.assertEqual(tx.aps_tamara_log_ids.state, 'forged')

    @mute_logger(CONTROLLER_LOGGER)
    def test_unknown_reference_is_attributed_by_merchant_identifier(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx, merchant_reference='NOT-A-TX-1')
        response = self._make_http_post_request(self.webhook_url, data=answer)
        self.assertEqual(response.status_code, 404)
        stranger = self._aps_answer(tx, merchant_reference='NOT-A-TX-2', merchant_identifier='Nobody')
        response = self._make_http_post_request(self.webhook_url, data=stranger)
        self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertEqual(self.provider.aps_tamara_unknown_count, 1)
        self.assertEqual(self._log(reference='NOT-A-TX-1').provider_id, self.provider)
        unattributed = self._log(reference='NOT-A-TX-2')
        self.assertEqual(unattributed.state, 'unknown')
        self.assertFalse(unattributed.provider_id)
        self.assertFalse(unattributed.company_id)

    @mute_logger(CONTROLLER_LOGGER)
    def test_malformed_notifications_are_recorded(self):
        response = self.opener.post(
            self.webhook_url, data='{not json', headers={'Content-Type': 'application/json'}
        )
        self.assertEqual(response.status_code, 400)
        response = self._make_http_post_request(self.webhook_url, data={'status': '14'})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self._log(channel='webhook', state='malformed')), 2)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_warning_when_payments_get_no_notification(self):
        tx = self._create_order_transaction()
        self._make_http_post_request(self.return_url, data=self._aps_answer(tx))
        self.env.invalidate_all()
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.aps_tamara_log_ids.channel, 'return')
        self.assertFalse(self.provider.aps_tamara_health_warning)  # Notifications may be retried.

        self.env.cr.execute(SQL(
            "UPDATE payment_transaction SET last_state_change = %s WHERE id = %s",
            fields.Datetime.now() - timedelta(hours=2), tx.id,
        ))
        self.env.invalidate_all()
        self.assertEqual(self.provider.aps_tamara_unnotified_count, 1)
        self.assertIn(self.provider.aps_tamara_webhook_url, self.provider.aps_tamara_health_warning)
        action = self.provider.with_context(aps_tamara_list='unnotified') \
            .action_aps_tamara_view_payments()
        self.assertEqual(self.env['payment.transaction'].search(action['domain']), tx)

        # The notification arrives (late): the warning goes.
        self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        self.env.invalidate_all()
        self.assertFalse(self.provider.aps_tamara_health_warning)
        self.assertEqual(self.provider.aps_tamara_unnotified_count, 0)

    def test_old_messages_are_removed(self):
        log_model = self.env['payment.aps_tamara.log']
        old = log_model._aps_tamara_record('webhook', 'unknown', received={'merchant_reference': 'A'})
        new = log_model._aps_tamara_record('webhook', 'unknown', received={'merchant_reference': 'B'})
        self.env.cr.execute(SQL(
            "UPDATE payment_aps_tamara_log SET create_date = %s WHERE id = %s",
            fields.Datetime.now() - timedelta(days=const.LOG_RETENTION_DAYS + 1), old.id,
        ))
        log_model._gc_aps_tamara_logs()
        self.assertFalse(old.exists())
        self.assertTrue(new.exists())


@tagged('post_install', '-at_install')
class TestMultiCompany(APSTamaraCommon):
    """ Each company's provider signs and checks with its own credentials. """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env['res.company'].create({
            'name': "Emirates Shop", 'currency_id': cls.currency_aed.id,
        })
        cls.provider_b = cls._prepare_provider('aps_tamara', company=cls.company_b, update_values={
            'aps_tamara_merchant_identifier_test': 'ShopB',
            'aps_tamara_access_code_test': 'AccessB0000000000001',
            'aps_tamara_sha_request_test': 'b-req-phrase',
            'aps_tamara_sha_response_test': 'b-resp-phrase',
            'aps_tamara_sha_type_test': 'hmac256',
        })

    def _tx_of_company_b(self):
        partner_b = self.partner.copy({'company_id': self.company_b.id})
        return self.env['payment.transaction'].create({
            'provider_id': self.provider_b.id,
            'payment_method_id': self.payment_method_id,
            'reference': 'B-0001',
            'amount': 100.0,
            'currency_id': self.currency_sar.id,
            'partner_id': partner_b.id,
            'operation': 'online_redirect',
        })

    def test_each_company_signs_with_its_own_credentials(self):
        tx_b = self._tx_of_company_b()
        params = tx_b._aps_tamara_prepare_purchase_request()
        self.assertEqual(params['merchant_identifier'], 'ShopB')
        self.assertEqual(params['access_code'], 'AccessB0000000000001')
        self.assertEqual(
            self.provider_b._aps_tamara_calculate_signature(params, incoming=False),
            signing.calculate_signature(params, 'b-req-phrase', 'hmac256'),
        )
        self.assertNotEqual(
            self.provider._aps_tamara_calculate_signature(params, incoming=False),
            self.provider_b._aps_tamara_calculate_signature(params, incoming=False),
        )

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_notification_of_company_b_is_checked_with_b_phrases(self):
        tx_b = self._tx_of_company_b()
        message = {
            'command': 'PURCHASE', 'merchant_identifier': 'ShopB', 'merchant_reference': 'B-0001',
            'amount': '10000', 'currency': 'SAR', 'status': '14', 'response_code': '14000',
            'response_message': 'Success', 'fort_id': '1700000000000000001',
        }
        webhook_url = self._build_url(APSTamaraController._webhook_url)
        signed_by_a = dict(message, signature=signing.calculate_signature(
            message, self.sha_response, 'hmac256'
        ))
        self.assertEqual(self._make_http_post_request(webhook_url, data=signed_by_a).status_code, 403)
        self.env.invalidate_all()
        self.assertEqual(tx_b.state, 'draft')

        signed_by_b = dict(message, signature=signing.calculate_signature(
            message, 'b-resp-phrase', 'hmac256'
        ))
        self.assertEqual(self._make_http_post_request(webhook_url, data=signed_by_b).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(tx_b.state, 'done')
        # Counted for company B's provider only.
        self.assertEqual(self.provider_b.aps_tamara_forged_count, 1)
        self.assertEqual(self.provider_b.aps_tamara_accepted_count, 1)
        self.assertEqual(self.provider.aps_tamara_accepted_count, 0)
        self.assertEqual(self.provider.aps_tamara_forged_count, 0)
        self.assertEqual(tx_b.aps_tamara_log_ids.company_id, self.company_b)

    def test_messages_of_company_b_are_not_seen_from_company_a(self):
        log_model = self.env['payment.aps_tamara.log']
        log_b = log_model._aps_tamara_record('webhook', 'unknown', provider=self.provider_b)
        log_a = log_model._aps_tamara_record('webhook', 'unknown', provider=self.provider)
        admin = self.env.ref('base.user_admin')
        admin.company_ids |= self.company_b
        visible = log_model.with_user(admin).with_context(
            allowed_company_ids=self.env.company.ids
        ).search([('id', 'in', (log_a + log_b).ids)])
        self.assertEqual(visible, log_a)


@tagged('post_install', '-at_install')
class TestCoreAPSHandOver(APSTamaraCommon):
    """ One APS account, two Odoo providers: a notification about a transaction of Odoo's own APS
    (cards) provider that reaches this module's route is handed over to it. """

    def _core_aps_message(self, tx, phrase):
        message = {
            'command': 'PURCHASE', 'merchant_reference': tx.reference, 'amount': '11111',
            'currency': 'SAR', 'status': '14', 'response_code': '14000',
            'response_message': 'Success', 'fort_id': '1700000000000000002',
            'payment_option': 'VISA',
        }
        # Odoo's APS provider signs with SHA-256 only.
        message['signature'] = self._sha256_signature(message, phrase)
        return message

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER, 'odoo.addons.payment_aps.controllers.main')
    def test_notification_of_core_aps_transaction_is_handed_over(self):
        webhook_url = self._build_url(APSTamaraController._webhook_url)
        if 'aps' not in dict(self.env['payment.provider']._fields['code'].selection):
            # Without `payment_aps` (tools/test installs it) nobody takes the message over.
            response = self._make_http_post_request(webhook_url, data={
                'merchant_reference': 'tx-core-1', 'signature': 'x',
            })
            self.assertEqual(response.status_code, 404)
            return
        aps_provider = self._prepare_provider('aps', update_values={
            'aps_merchant_identifier': 'LbscwkFC',
            'aps_access_code': 'AWhDMzqUiHeYJXFiMgaX',
            'aps_sha_request': 'card-req', 'aps_sha_response': 'card-resp',
        })
        # `_prepare_provider` disables the other providers of the company: keep Tamara's on.
        self.provider.state = 'test'
        card_tx = self.env['payment.transaction'].create({
            'provider_id': aps_provider.id,
            'payment_method_id': self.env.ref('payment.payment_method_card').id,
            'reference': 'tx-core-1',
            'amount': 111.11,
            'currency_id': self.currency_sar.id,
            'partner_id': self.partner.id,
            'operation': 'online_redirect',
        })

        forged = self._core_aps_message(card_tx, self.sha_response)  # Tamara's phrase: wrong.
        self.assertEqual(self._make_http_post_request(webhook_url, data=forged).status_code, 403)
        self.env.invalidate_all()
        self.assertEqual(card_tx.state, 'draft')

        message = self._core_aps_message(card_tx, 'card-resp')
        self.assertEqual(self._make_http_post_request(webhook_url, data=message).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(card_tx.state, 'done')
        self.assertEqual(card_tx.provider_reference, '1700000000000000002')
        states = self.env['payment.aps_tamara.log'].search(
            [('transaction_id', '=', card_tx.id)]
        ).mapped('state')
        self.assertEqual(sorted(states), ['forged', 'forwarded'])
        # Not counted as Tamara's notifications.
        self.assertEqual(self.provider.aps_tamara_accepted_count, 0)


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
        refund_tx = tx._send_refund_request(amount_to_refund=tx.amount)
        api_log = refund_tx.aps_tamara_log_ids.filtered(lambda log: log.channel == 'api')
        self.assertEqual(api_log.state, 'accepted')
        sent = json.loads(api_log.request_data)
        self.assertEqual(sent['command'], 'REFUND')
        self.assertEqual(sent['access_code'], '***')
        self.assertEqual(json.loads(api_log.response_data)['response_code'], '06000')
