# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.aps import signing
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    PAYMENT_TX_LOGGER,
    APSTamaraCommon,
)


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

    def test_a_copy_of_the_provider_gets_no_credentials(self):
        """ 19 copies the providers into each new company: never with another company's account. """
        copy = self.provider.copy({'company_id': self.company_b.id})
        for suffix in ('', '_test'):
            for name in ('merchant_identifier', 'access_code', 'sha_request', 'sha_response'):
                self.assertTrue(self.provider[f'aps_tamara_{name}{suffix}'])
                self.assertFalse(copy[f'aps_tamara_{name}{suffix}'], name + suffix)

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
