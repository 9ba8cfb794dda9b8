# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import re

from playwright.sync_api import expect

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.tests.browser_common import ChromiumMixin
from odoo.addons.payment_aps_tamara.tests.common import PAYMENT_TX_LOGGER, TAMARA_TX_LOGGERS
from odoo.addons.payment_aps_tamara.tests.sandbox_common import APSTamaraSandboxCommon


@tagged('post_install', '-at_install')
class TestBrowserDecline(ChromiumMixin, APSTamaraSandboxCommon):
    """ A shopper on the shop's Arabic pages (their contact is in English, as the demo's
    administrator) declines the Tamara plan on the local APS sandbox's hosted page, in Chromium:
    Tamara's page is asked in Arabic, and back at the payment step, cart kept, the reason is in
    Arabic and none of APS' English text shows. Screenshots go to
    `.artifacts/screenshots/decline_*.png`.
    """

    screenshot_prefix = 'decline'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        arabic = cls.env['res.lang']._activate_lang('ar_001')
        cls.env['ir.module.module']._load_module_terms(['payment', 'payment_aps_tamara'], ['ar_001'])
        cls.website = cls.env['website'].get_current_website()
        cls.website.language_ids |= arabic
        cls.website.add_to_cart_action = 'stay'
        cls.pricelist_sar.write({'website_id': cls.website.id, 'selectable': True, 'sequence': 1})
        cls.product.product_tmpl_id.write({'is_published': True, 'website_id': cls.website.id})
        cls.shopper_user = new_test_user(
            cls.env, login='tamara_arabic_shopper', password='tamara_arabic_shopper',
            groups='base.group_portal', lang='en_US',
        )
        cls.shopper_user.partner_id.write({
            'name': "نورة الحربي",
            'email': 'otp.success@tamara.ai',
            'phone': '0500000001',
            'street': 'Olaya Street 12',
            'city': 'Riyadh',
            'zip': '12211',
            'country_id': cls.country_sa.id,
            'property_product_pricelist': cls.pricelist_sar.id,
        })

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, 'odoo.addons.base.models.assetsbundle')
    def test_decline_in_arabic(self):
        self._build_rtl_stylesheets('web.assets_frontend', website=self.website)
        with self._browser() as browser:
            context = self._new_context(
                browser, 'tamara_arabic_shopper', viewport={'width': 1280, 'height': 1000}
            )
            context.route('https://cdn-sandbox.tamara.co/**', lambda route: route.abort())
            page = context.new_page()
            base = self.base_url() + '/ar'
            self._open_product_page(page, base + self.product.product_tmpl_id.website_url)
            page.locator('#add_to_cart').click()
            expect(page.locator('.my_cart_quantity').first).to_have_text('1', timeout=30000)
            page.goto(base + '/shop/checkout?try_skip_step=true')
            page.wait_for_url(re.compile(r'/shop/payment'))
            page.locator('input[data-payment-method-code="tamara"]').check(force=True)
            # Odoo 19 renders the Pay button twice (one per screen size): the visible one.
            page.locator('button[name="o_payment_submit_button"]:visible').first.click()

            page.wait_for_url(f'{self.sandbox.url}/**')
            page.locator('button[name="action"][value="signin"]').click()
            otp = page.locator('#tamara_otp_code').inner_text().strip()
            page.locator('form#tamara_otp input[name="otp"]').fill(otp)
            page.locator('button[name="action"][value="verify"]').click()
            expect(page.locator('form#tamara_plan')).to_be_visible()
            self._screenshot(page, 'ar_tamara_plan')
            page.locator('button[name="action"][value="decline"]').click()

            page.wait_for_url(re.compile(r'/ar/shop/payment'), timeout=60000)
            notice = page.locator('#o_aps_tamara_retry_notice')
            expect(notice).to_be_visible(timeout=30000)
            expect(notice.locator('h4')).to_have_text("لم تكتمل دفعتك عبر تمارا")
            expect(notice).to_contain_text("رفضت تمارا الدفعة.")
            self.assertNotRegex(notice.inner_text(), r'[A-Za-z]', "no English in the notice")
            expect(page.locator('body')).not_to_contain_text("Transaction declined")
            expect(page.locator('input[data-payment-method-code="tamara"]')).to_have_count(1)
            self._screenshot(page, 'ar_payment_step')

        [aps_transaction] = self.sandbox.wait_until_idle()
        self.env.invalidate_all()
        tx = self.env['payment.transaction'].search(
            [('reference', '=', aps_transaction['request']['merchant_reference'])]
        )
        self.assertEqual(tx.state, 'error')
        self.assertEqual(tx.aps_tamara_response_message, aps_transaction['response_message'])
        self.assertEqual(tx.partner_lang, 'ar_001', "the language of the pages, not the contact's")
        self.assertEqual(aps_transaction['request']['language'], 'ar')
        self.assertTrue(tx.sale_order_ids.order_line, "The cart is kept.")
