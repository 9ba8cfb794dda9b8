# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from unittest.mock import patch

import requests

import odoo
from odoo.fields import Command
from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    MOBILE,
    PAYMENT_TX_LOGGER,
    TAMARA_API_LOGGER,
    TAMARA_TX_LOGGERS,
    USER_GROUPS,
    APSTamaraCommon,
    partner_numbers,
)
from odoo.addons.payment_aps_tamara.tests.sandbox_common import APSTamaraSandboxCommon

PHONE_PARAM = 'aps_tamara_phone'


@tagged('post_install', '-at_install')
class TestSafetyAccess(APSTamaraCommon):
    """ Who may pay what, whose data is written, which credentials go where, what is kept. """

    def setUp(self):
        super().setUp()
        self.webhook_url = self._build_url(APSTamaraController._webhook_url)

    def _json_rpc(self, route, **params):
        """ Call a JSON-RPC route as the payment form does; return its result or error. """
        self.env.flush_all()
        response = self.opener.post(self._build_url(route), timeout=60, json={
            'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': params,
        })
        self.env.invalidate_all()
        return response.json()

    def _transaction_values(self, **extra):
        return {
            'provider_id': self.provider.id,
            'payment_method_id': self.payment_method_id,
            'token_id': None,
            'flow': 'redirect',
            'tokenization_requested': False,
            **extra,
        }

    def _order_transaction_route(self, order, **extra):
        """ The portal's JSON-RPC route creating a transaction for an order (no checkout page). """
        return self._json_rpc(f'/my/orders/{order.id}/transaction', **self._transaction_values(
            access_token=order._portal_ensure_token(), amount=order.amount_total,
            landing_route=order.get_portal_url(), **extra,
        ))

    def _shop_transaction_route(self, order, **extra):
        """ The checkout's JSON-RPC route paying the cart. """
        return self._json_rpc(f'/shop/payment/transaction/{order.id}', **self._transaction_values(
            access_token=order._portal_ensure_token(), amount=order.amount_total,
            landing_route='/shop/payment/validate', **extra,
        ))

    def _invoice_transaction_route(self, invoice, **extra):
        """ The invoice portal's JSON-RPC route. """
        return self._json_rpc(f'/invoice/transaction/{invoice.id}', **self._transaction_values(
            access_token=invoice._portal_ensure_token(), amount=invoice.amount_residual,
            landing_route=invoice.get_portal_url(), **extra,
        ))

    def _payment_link_transaction_route(self, amount, partner, **extra):
        """ The payment link's JSON-RPC route (no document). """
        return self._json_rpc('/payment/transaction', **self._transaction_values(
            amount=amount, currency_id=self.currency_sar.id, partner_id=partner.id,
            access_token=self._generate_test_access_token(partner.id, amount, self.currency_sar.id),
            landing_route='/payment/confirmation', reference_prefix='LINK', **extra,
        ))

    def _report_reason(self, order):
        """ Why the availability report says Tamara is not offered for the order. """
        report = {}
        self.env['payment.provider'].sudo()._get_compatible_providers(
            order.company_id.id, order.partner_id.id, order.amount_total,
            currency_id=order.currency_id.id, sale_order_id=order.id, report=report,
        )
        return report['providers'][self.provider]['reason']

    def _assert_refused(self, response, reason):
        self.assertIn('error', response, "No PURCHASE for a payment Tamara is not offered for.")
        self.assertIn('ValidationError', response['error']['data']['name'])
        self.assertIn(reason, response['error']['data']['message'])

    def _invoice(self, order):
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    # === 2. Eligibility only when drawn === #

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, 'odoo.http')
    def test_ineligible_order_gets_no_tamara_request_through_rpc(self):
        for reason, values in (
            ("above the merchant's maximum", {'aps_tamara_max_amount_sar': 100.0}),
            ("below the merchant's minimum", {'aps_tamara_min_amount_sar': 10_000_000.0}),
            ("an excluded product",
             {'aps_tamara_excluded_product_ids': [Command.set(self.product.product_tmpl_id.ids)]}),
            ("an excluded category",
             {'aps_tamara_excluded_categ_ids': [Command.set(self.product.categ_id.ids)]}),
        ):
            with self.subTest(reason=reason):
                self.provider.write(values)
                order = self._create_order()
                report_reason = self._report_reason(order)  # Not offered, and this is why...
                self._assert_refused(self._order_transaction_route(order), report_reason)
                self._assert_refused(self._shop_transaction_route(order), report_reason)
                self.assertFalse(order.transaction_ids)
                self.provider.write({
                    'aps_tamara_max_amount_sar': 0.0, 'aps_tamara_min_amount_sar': 0.0,
                    'aps_tamara_excluded_product_ids': [Command.clear()],
                    'aps_tamara_excluded_categ_ids': [Command.clear()],
                })
        order = self._create_order()
        self.assertIn('redirect_form_html', self._order_transaction_route(order)['result'],
                      "An eligible order still gets its form.")

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, 'odoo.http')
    def test_billing_country_and_currency_are_enforced_through_rpc(self):
        order = self._create_order(partner_invoice_id=self.partner.copy({
            'country_id': self.env.ref('base.ae').id,
        }).id)
        self._assert_refused(self._shop_transaction_route(order), self._report_reason(order))
        self.assertIn("billing address in Saudi Arabia", self._report_reason(order))
        pricelist_usd = self.env['product.pricelist'].create({
            'name': "Dollar", 'currency_id': self.env.ref('base.USD').id,
        })
        self.env.ref('base.USD').active = True
        order = self._create_order(pricelist_id=pricelist_usd.id)
        self._assert_refused(self._order_transaction_route(order), "not USD")

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, 'odoo.http')
    def test_invoice_is_held_to_the_same_rules_with_its_own_lines(self):
        self.product.invoice_policy = 'order'
        invoice = self._invoice(self._create_order())
        self.provider.aps_tamara_excluded_categ_ids = self.product.categ_id
        self._assert_refused(self._invoice_transaction_route(invoice),
                             "products excluded from Tamara: Desk Lamp")
        self.provider.aps_tamara_excluded_categ_ids = False
        self.provider.aps_tamara_max_amount_sar = 100.0
        self._assert_refused(self._invoice_transaction_route(invoice),
                             "above Tamara's maximum of 100.00 SAR")
        self.provider.aps_tamara_max_amount_sar = 0.0
        self.assertIn('redirect_form_html', self._invoice_transaction_route(invoice)['result'])

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, 'odoo.http')
    def test_payment_link_is_held_to_the_same_rules(self):
        self.provider.aps_tamara_max_amount_sar = 100.0
        self._assert_refused(self._payment_link_transaction_route(500.0, self.partner),
                             "the total 500.00 SAR is above Tamara's maximum of 100.00 SAR")
        emirati = self.partner.copy({'country_id': self.env.ref('base.ae').id})
        self._assert_refused(self._payment_link_transaction_route(50.0, emirati),
                             "billing address in Saudi Arabia")
        self.assertIn('redirect_form_html',
                      self._payment_link_transaction_route(50.0, self.partner)['result'])

    # === 3. Someone else's mobile === #

    def _form_phone(self, response):
        self.assertIn('redirect_form_html', response.get('result') or {}, response)
        form = self._extract_values_from_html_form(response['result']['redirect_form_html'])
        return form['inputs']['phone_number']

    def _put_in_session(self, order):
        """ Make the order the cart of this visitor's session, as the shop does. """
        self.authenticate(None, None)
        self.session['sale_order_id'] = order.id
        odoo.http.root.session_store.save(self.session)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_phone_parameter_never_replaces_a_valid_mobile(self):
        self.partner[MOBILE] = '+966 50 000 0001'
        order = self._create_order()
        self._put_in_session(order)  # Even the customer's own cart: the form did not ask.
        phone = self._form_phone(self._shop_transaction_route(order, **{PHONE_PARAM: '0555555555'}))
        self.assertEqual(self.partner[MOBILE], '+966 50 000 0001', "A valid mobile is kept.")
        self.assertEqual(phone, '+966555555555', "The number typed for this payment is sent.")
        self.assertEqual(order.transaction_ids.aps_tamara_phone, '+966555555555')

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_phone_parameter_never_writes_someone_elses_contact(self):
        self.partner.write(partner_numbers())
        order = self._create_order()  # Not in this visitor's session: a link's token only.
        response = self._order_transaction_route(order, **{PHONE_PARAM: '0555555555'})
        phone = self._form_phone(response)
        self.assertFalse(self.partner[MOBILE], "A holder of the order's link writes no contact.")
        self.assertEqual(phone, '+966555555555')

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_phone_parameter_never_replaces_another_number(self):
        self.partner.write(partner_numbers(mobile='011 234 5678'))  # A landline: form asks.
        order = self._create_order()
        self._put_in_session(order)
        phone = self._form_phone(self._shop_transaction_route(order, **{PHONE_PARAM: '0544337866'}))
        self.assertEqual(self.partner[MOBILE], '011 234 5678', "Never replaced silently.")
        self.assertEqual(phone, '+966544337866')

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_phone_asked_is_saved_on_the_customers_own_contact(self):
        self.partner.write(partner_numbers())
        order = self._create_order()
        self._put_in_session(order)  # The guest's own cart.
        self._form_phone(self._shop_transaction_route(order, **{PHONE_PARAM: '0544337866'}))
        self.assertEqual(self.partner[MOBILE], '+966544337866')

        portal_user = self.env['res.users'].create({
            'name': "Portal Customer", 'login': 'tamara_portal', 'password': 'tamara_portal',
            USER_GROUPS: [Command.set(self.env.ref('base.group_portal').ids)],
        })
        portal_user.partner_id.write({'country_id': self.country_sa.id, 'email': 'p@example.com'})
        other = self._create_order()  # The logged-in user pays another's order by its link.
        self.partner[MOBILE] = False
        self.authenticate('tamara_portal', 'tamara_portal')
        self._form_phone(self._order_transaction_route(other, **{PHONE_PARAM: '0544337866'}))
        self.assertEqual(portal_user.partner_id[MOBILE], '+966544337866', "The user's own contact.")
        self.assertFalse(self.partner[MOBILE], "Not the order's customer's.")

    # === 11. Override with production credentials === #

    @mute_logger(TAMARA_API_LOGGER, *TAMARA_TX_LOGGERS)
    def test_sandbox_override_never_receives_production_credentials(self):
        self.provider.aps_tamara_sandbox_url = 'http://127.0.0.1:9'
        tx = self._create_order_transaction(state='pending')  # Made before the account was kept.
        self.provider.state = 'disabled'
        sent = []

        def send(session, request, *args, **kwargs):
            sent.append((request.url, request.body or b''))
            raise requests.ConnectionError("test: no network")
        with patch.object(requests.Session, 'send', send):
            tx.action_aps_tamara_check_status()
        self.assertTrue(sent)
        for url, body in sent:
            body = body if isinstance(body, bytes) else body.encode()
            self.assertFalse(url.startswith('http://127.0.0.1:9') and b'ProdShop1' in body,
                             "The production identifier went to the test override.")

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


@tagged('post_install', '-at_install')
class TestSafetyAccessSandbox(APSTamaraSandboxCommon):
    """ A payment made with the sandbox account is checked with it, whatever the state now. """

    @mute_logger(PAYMENT_TX_LOGGER, TAMARA_API_LOGGER, *TAMARA_TX_LOGGERS)
    def test_payment_is_checked_with_the_account_that_signed_it(self):
        self.sandbox.configure(notifications='drop', browser_return=False)
        for state in ('disabled', 'enabled'):
            with self.subTest(state=state):
                self.provider.state = 'test'
                tx, form = self._start_payment()
                self.assertEqual(tx.aps_tamara_environment, 'test')
                self.shopper.pay(form)
                self.provider.state = state  # Taken out of test mode, or gone live, meanwhile.
                tx.action_aps_tamara_check_status()
                self.assertEqual(tx.state, 'done', "Asked with the sandbox account it was paid in.")
