# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from lxml import html

import odoo
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.tests.common import MOBILE, APSTamaraCommon, partner_numbers


@tagged('post_install', '-at_install')
class TestShopperExperience(APSTamaraCommon):
    """ Eligibility, phone capture and the payment option as the shopper sees it. """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.write({
            'aps_tamara_min_amount_sar': 100.0,
            'aps_tamara_max_amount_sar': 10000.0,
            'aps_tamara_public_key_sandbox': 'pk-sandbox-42',
            'aps_tamara_public_key_production': 'pk-production-42',
        })
        cls.provider.available_currency_ids = cls.provider._get_supported_currencies()

    def _get_report(self, order, amount=None, currency=None):
        report = {}
        providers = self.env['payment.provider']._get_compatible_providers(
            self.company_id, order.partner_id.id,
            order.amount_total if amount is None else amount,
            currency_id=(currency or order.currency_id).id,
            sale_order_id=order.id, report=report,
        )
        return providers, report['providers'].get(self.provider, {})

    def _assert_refused(self, order, expected_reason, **kwargs):
        providers, entry = self._get_report(order, **kwargs)
        self.assertNotIn(self.provider, providers)
        self.assertFalse(entry['available'])
        self.assertIn(expected_reason, entry['reason'])

    # === ELIGIBILITY === #

    def test_tamara_is_offered_for_an_eligible_order(self):
        providers, entry = self._get_report(self._create_order())
        self.assertIn(self.provider, providers)
        self.assertTrue(entry['available'])

    def test_amount_outside_the_limits_hides_tamara_with_the_reason(self):
        order = self._create_order()
        self._assert_refused(order, "above Tamara's maximum of 10000.00 SAR", amount=10000.01)
        self._assert_refused(order, "below Tamara's minimum of 100.00 SAR", amount=99.99)
        self.assertIn(self.provider, self._get_report(order, amount=10000.0)[0])
        self.provider.aps_tamara_max_amount_sar = 0.0  # No maximum.
        self.assertIn(self.provider, self._get_report(order, amount=99999.0)[0])

    def test_limits_are_per_currency(self):
        self.provider.aps_tamara_max_amount_aed = 500.0
        partner_ae = self.partner.copy({'country_id': self.env.ref('base.ae').id})
        order = self._create_order(partner_id=partner_ae.id)
        self._assert_refused(order, "above Tamara's maximum of 500.00 AED",
                             amount=1000.0, currency=self.currency_aed)
        self.assertIn(
            self.provider, self._get_report(order, amount=400.0, currency=self.currency_aed)[0]
        )

    def test_unsupported_currency_hides_tamara_with_the_reason(self):
        self.provider.available_currency_ids = False  # Only Tamara's own rule decides.
        self._assert_refused(
            self._create_order(), "Tamara accepts SAR, AED only, not USD",
            currency=self.currency_usd,
        )

    def test_billing_country_must_match_the_currency(self):
        order = self._create_order()
        self._assert_refused(order, "billing address in United Arab Emirates",
                             currency=self.currency_aed)
        order.partner_invoice_id = self.partner.copy({'country_id': self.env.ref('base.us').id})
        self._assert_refused(order, "billing country: United States")

    def test_excluded_product_or_category_hides_tamara_with_the_reason(self):
        order = self._create_order()
        self.provider.aps_tamara_excluded_product_ids = self.product.product_tmpl_id
        self._assert_refused(order, "excluded from Tamara: Desk Lamp")

        self.provider.aps_tamara_excluded_product_ids = False
        parent = self.env['product.category'].create({'name': "Gift Cards"})
        child = self.env['product.category'].create({'name': "Digital", 'parent_id': parent.id})
        self.product.categ_id = child
        self.provider.aps_tamara_excluded_categ_ids = parent
        self._assert_refused(order, "excluded from Tamara: Desk Lamp")

    def test_several_reasons_are_all_reported(self):
        self.provider.aps_tamara_excluded_product_ids = self.product.product_tmpl_id
        providers, entry = self._get_report(self._create_order(), amount=20000.0)
        self.assertIn("above Tamara's maximum", entry['reason'])
        self.assertIn("excluded from Tamara", entry['reason'])

    # === PHONE === #

    def test_phone_is_normalized_by_saudi_and_emirati_mobile_rules(self):
        format_phone = self.env['payment.provider']._aps_tamara_format_phone
        sa, ae = self.country_sa, self.env.ref('base.ae')
        cases = (
            ('050 000 0001', sa, '+966500000001'),
            ('00966544337866', None, '+966544337866'),
            ('544337866', sa, '+966544337866'),
            ('052 642 2337', ae, '+971526422337'),
            ('+971 52 642 2337', sa, '+971526422337'),
            ('0500000001', None, '+966500000001'),  # National numbers are tried as SA then AE.
            ('011 234 5678', sa, False),  # A Riyadh landline gets no SMS.
            ('+33 6 12 34 56 78', sa, False),  # A mobile, but not Saudi or Emirati.
            ('12', sa, False),
            ('', sa, False),
        )
        for number, country, expected in cases:
            with self.subTest(number=number):
                self.assertEqual(format_phone(number, country), expected)

    def test_the_mobile_number_is_preferred_but_a_valid_one_is_used(self):
        self.partner.write(partner_numbers(phone='0544337866'))
        if MOBILE != 'phone':
            self.partner[MOBILE] = '011 234 5678'  # A landline in the contact's mobile field.
        tx = self._create_order_transaction()
        tx.partner_phone = '011 234 5678'  # A landline as the payment's number: read first.
        self.assertEqual(tx._aps_tamara_get_phone_number(), '+966544337866')

    def _shop_transaction(self, order, **extra):
        """ Call the checkout's transaction route as the payment form does; return the result, or
        the error message shown to the shopper.
        """
        response = self.opener.post(self._build_url(f'/shop/payment/transaction/{order.id}'), json={
            'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': dict({
                'provider_id': self.provider.id,
                'payment_method_id': self.payment_method_id,
                'token_id': None,
                'amount': order.amount_total,
                'flow': 'redirect',
                'tokenization_requested': False,
                'landing_route': '/shop/payment/validate',
                'access_token': order._portal_ensure_token(),
            }, **extra),
        }).json()
        if 'error' in response:
            return {'error': response['error']['data']['message']}
        return response['result']

    @mute_logger('odoo.http')
    def test_phone_typed_at_checkout_is_saved_and_sent_to_aps(self):
        self.partner.write(partner_numbers())
        order = self._create_order()
        self.authenticate(None, None)  # The guest's own cart: the mobile is kept on the contact.
        self.session['sale_order_id'] = order.id
        odoo.http.root.session_store.save(self.session)
        processing_values = self._shop_transaction(order, aps_tamara_phone='054 433 7866')
        self.assertEqual(self.partner[MOBILE], '+966544337866')
        form = self._extract_values_from_html_form(processing_values['redirect_form_html'])
        self.assertEqual(form['inputs']['phone_number'], '+966544337866')

    @mute_logger('odoo.http')
    def test_invalid_phone_typed_at_checkout_is_refused_before_any_transaction(self):
        self.partner.write(partner_numbers())
        order = self._create_order()
        for phone in ('011 234 5678', '', '+33 6 12 34 56 78'):
            with self.subTest(phone=phone):
                result = self._shop_transaction(order, aps_tamara_phone=phone)
                self.assertEqual(
                    result['error'],
                    "Please enter a Saudi or Emirati mobile number, e.g. 05X XXX XXXX.",
                )
                self.assertFalse(self.partner[MOBILE])
                self.assertFalse(order.transaction_ids)

    @mute_logger('odoo.http')
    def test_other_route_params_are_still_refused(self):
        order = self._create_order()
        result = self._shop_transaction(order, partner_phone='+966544337866')
        self.assertIn("not whitelisted", result['error'])

    # === PAYMENT OPTION === #

    def _get_tamara_option(self, lang='en_US', **partner_values):
        self.partner.write(dict({'lang': lang}, **partner_values))
        self.env['res.lang']._activate_lang(lang)
        response = self._portal_pay(**self._prepare_pay_values())
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.content)
        options = tree.xpath(
            '//li[@name="o_payment_option"][.//input[@data-provider-code="aps_tamara"]]'
        )
        self.assertEqual(len(options), 1)
        return options[0]

    def test_payment_option_shows_the_saudi_description_badge_and_widget(self):
        option = self._get_tamara_option()
        description = option.xpath('.//p[hasclass("o_aps_tamara_description")]')[0]
        self.assertIn("Monthly Payments. Sharia Compliant.", description.text_content())
        self.assertEqual(
            description.xpath('./img/@src'), ['/payment_aps_tamara/static/img/tamara_badge_en.svg']
        )
        widget = option.xpath('.//div[hasclass("o_aps_tamara_checkout_widget")]')[0]
        self.assertEqual(widget.get('data-public-key'), 'pk-sandbox-42')
        self.assertEqual(
            widget.get('data-script-url'),
            'https://cdn-sandbox.tamara.co/widget-v2/tamara-widget.js',
        )
        self.assertEqual(widget.xpath('./tamara-widget/@amount'), ['1111.11'])
        self.assertEqual(widget.xpath('./tamara-widget/@inline-type'), ['6'])
        self.assertTrue(widget.xpath('./p[hasclass("o_aps_tamara_fallback")]'))
        self.assertFalse(option.xpath('.//input[@name="o_aps_tamara_phone"]'))

    def test_emirati_customer_gets_the_description_without_sharia_wording(self):
        self.currency = self.currency_aed
        option = self._get_tamara_option(country_id=self.env.ref('base.ae').id)
        text = option.xpath('.//p[hasclass("o_aps_tamara_description")]')[0].text_content()
        self.assertIn("Monthly Payments.", text)
        self.assertNotIn("Sharia", text)

    def test_production_key_and_script_are_used_when_enabled(self):
        self.provider.state = 'enabled'
        widget = self._get_tamara_option().xpath('.//div[hasclass("o_aps_tamara_widget")]')[0]
        self.assertEqual(widget.get('data-public-key'), 'pk-production-42')
        self.assertEqual(
            widget.get('data-script-url'), 'https://cdn.tamara.co/widget-v2/tamara-widget.js'
        )

    def test_checkout_widget_can_be_switched_off(self):
        self.provider.aps_tamara_widget_checkout = False
        option = self._get_tamara_option()
        self.assertFalse(option.xpath('.//div[hasclass("o_aps_tamara_widget")]'))
        self.assertTrue(option.xpath('.//p[hasclass("o_aps_tamara_description")]'))

    def test_customer_without_a_mobile_number_is_asked_for_it(self):
        for values in (partner_numbers(), partner_numbers(phone='0112345678')):
            with self.subTest(**values):
                option = self._get_tamara_option(**values)
                phone_input = option.xpath('.//input[@name="o_aps_tamara_phone"]')
                self.assertEqual(len(phone_input), 1)
                self.assertFalse(phone_input[0].get('value'))  # Nothing unusable pre-filled.

    def test_product_widget_follows_switch_and_exclusions(self):
        self._setup_sar_shop()
        self.product.is_published = True
        url = self.product.product_tmpl_id.website_url

        def widgets():
            self.env.flush_all()
            tree = html.fromstring(self.url_open(url).content)
            return tree.xpath('//div[hasclass("o_aps_tamara_product_widget")]')

        found = widgets()
        self.assertEqual(len(found), 1)
        price = self.pricelist_sar._get_product_price(self.product, 1.0)
        self.assertEqual(found[0].xpath('./tamara-widget/@amount'), [f'{price:.2f}'])
        self.assertEqual(found[0].xpath('./tamara-widget/@inline-type'), ['2'])
        self.provider.aps_tamara_excluded_product_ids = self.product.product_tmpl_id
        self.assertFalse(widgets())
        self.provider.aps_tamara_excluded_product_ids = False
        self.provider.aps_tamara_widget_product = False
        self.assertFalse(widgets())
