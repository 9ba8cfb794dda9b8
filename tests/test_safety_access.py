# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from unittest.mock import patch

import requests

from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER, PAYMENT_TX_LOGGER, TAMARA_PROVIDER_LOGGER, TAMARA_TX_LOGGER,
    APSTamaraCommon,
)

PHONE_PARAM = 'aps_tamara_phone'


@tagged('post_install', '-at_install')
class TestSafetyAccess(APSTamaraCommon):
    """ Who may pay what, whose data is written, which credentials go where, what is kept. """

    def setUp(self):
        super().setUp()
        self.webhook_url = self._build_url(APSTamaraController._webhook_url)

    def _order_transaction_route(self, order, **extra):
        """ The portal's JSON-RPC route creating a transaction for an order (no checkout page). """
        self.env.flush_all()
        params = {
            'access_token': order._portal_ensure_token(),
            'amount': order.amount_total,
            'provider_id': self.provider.id,
            'payment_method_id': self.payment_method_id,
            'token_id': None,
            'flow': 'redirect',
            'tokenization_requested': False,
            'landing_route': order.get_portal_url(),
            **extra,
        }
        response = self.opener.post(self._build_url(f'/my/orders/{order.id}/transaction'), timeout=60, json={
            'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': params,
        })
        self.env.invalidate_all()
        return response

    # === 2. Eligibility only when drawn === #

    @mute_logger(PAYMENT_TX_LOGGER, TAMARA_TX_LOGGER, 'odoo.http')
    def test_ineligible_order_gets_no_tamara_request_through_rpc(self):
        for reason, values in (
            ("above the merchant's maximum", {'aps_tamara_max_amount_sar': 100.0}),
            ("an excluded product", {'aps_tamara_excluded_product_ids': [(6, 0, self.product.ids)]}),
        ):
            with self.subTest(reason=reason):
                self.provider.write(values)
                order = self._create_order()
                self.assertNotIn(
                    self.provider, self.env['payment.provider'].sudo()._get_compatible_providers(
                        order.company_id.id, order.partner_id.id, order.amount_total,
                        currency_id=order.currency_id.id, sale_order_id=order.id,
                    ), "Tamara is not offered for this order...")
                response = self._order_transaction_route(order).json()
                self.assertNotIn('redirect_form_html', response.get('result') or {},
                                 "...so the RPC route must not build a signed PURCHASE for it.")
                self.assertIn('ValidationError', response['error']['data']['name'])
                self.provider.write({'aps_tamara_max_amount_sar': 0.0,
                                     'aps_tamara_excluded_product_ids': [(5, 0, 0)]})

    # === 3. Someone else's mobile === #

    @mute_logger(PAYMENT_TX_LOGGER, TAMARA_TX_LOGGER)
    def test_phone_parameter_never_replaces_a_valid_mobile(self):
        self.partner.mobile = '+966 50 000 0001'
        order = self._create_order()
        response = self._order_transaction_route(order, **{PHONE_PARAM: '0555555555'}).json()
        self.assertIn('redirect_form_html', response.get('result') or {}, response)
        self.assertEqual(self.partner.mobile, '+966 50 000 0001',
                         "A holder of the order's link must not rewrite the customer's mobile.")

    # === 11. Override with production credentials === #

    @mute_logger(TAMARA_PROVIDER_LOGGER, TAMARA_TX_LOGGER)
    def test_sandbox_override_never_receives_production_credentials(self):
        self.provider.aps_tamara_sandbox_url = 'http://127.0.0.1:9'
        tx = self._create_order_transaction(state='pending')
        self.provider.state = 'disabled'
        sent = []

        def send(adapter, request, *args, **kwargs):
            sent.append((request.url, request.body or b''))
            raise requests.ConnectionError("test: no network")
        with patch.object(requests.adapters.HTTPAdapter, 'send', send):
            try:
                tx.action_aps_tamara_check_status()
            except Exception:  # noqa: BLE001 (a refusal is fine; where it was sent is the point)
                pass
        leaked = [url for url, body in sent if url.startswith('http://127.0.0.1:9')
                  and b'ProdShop1' in (body if isinstance(body, bytes) else body.encode())]
        self.assertEqual(leaked, [], "The production identifier went to the test override.")

    # === 12. Health counters inflatable === #

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_unsigned_unknown_messages_are_not_counted_as_the_providers(self):
        for index in range(5):
            self._make_http_post_request(self.webhook_url, data={
                'merchant_reference': f'GUESS-{index}', 'signature': '0' * 64,
                'merchant_identifier': self.provider.aps_tamara_merchant_identifier_test,
            })
        self.env.invalidate_all()
        self.assertEqual(self.provider.aps_tamara_unknown_count, 0,
                         "An unsigned identifier proves nothing: count those apart.")

    # === 13. Personal data kept === #

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_message_log_keeps_no_personal_data(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx, customer_ip='203.0.113.7')
        self.env.flush_all()
        self.assertEqual(self._make_http_post_request(self.webhook_url, data=answer).status_code, 200)
        self.env.invalidate_all()
        rows = self.env['payment.aps_tamara.log'].search([('transaction_id', '=', tx.id)])
        self.assertTrue(rows)
        stored = ' '.join((row.response_data or '') + (row.request_data or '') for row in rows)
        for value in (answer['customer_email'], answer['customer_name'], answer['phone_number'],
                      '203.0.113.7'):
            self.assertNotIn(value, stored)

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_every_message_row_belongs_to_a_company(self):
        self._make_http_post_request(self.webhook_url, data={'merchant_reference': 'NOBODY-1'})
        self.env.invalidate_all()
        rows = self.env['payment.aps_tamara.log'].search([('reference', '=', 'NOBODY-1')])
        self.assertTrue(rows)
        self.assertTrue(all(row.company_id for row in rows), "A row without company is seen by all.")

    def test_neutralize_clears_the_message_log(self):
        with open(f"{get_module_path('payment_aps_tamara')}/data/neutralize.sql", encoding='utf-8') as sql:
            self.assertIn('payment_aps_tamara_log', sql.read())
