# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import re

from playwright.sync_api import expect

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.tests.browser_common import PAY_BUTTON, ChromiumMixin
from odoo.addons.payment_aps_tamara.tests.sandbox_common import APSTamaraSandboxCommon

# The payment's status on the order confirmation page, on 18 and 19.
CONFIRMATION_STATUS = ':is(.oe_website_sale_tx_status, div[name="order_confirmation"])'


@tagged('post_install', '-at_install')
class TestBrowserCheckout(ChromiumMixin, APSTamaraSandboxCommon):
    """ A shopper buys with Tamara in Chromium: product page, cart, checkout, the hosted Tamara
    checkout of the local APS sandbox (sign-in and OTP), back to the shop, confirmed order.
    A screenshot of each step is saved in `.artifacts/screenshots/checkout_*.png`.
    """

    screenshot_prefix = 'checkout'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env['website'].get_current_website()
        cls.website.add_to_cart_action = 'go_to_cart'
        cls.pricelist_sar.write({'website_id': cls.website.id, 'selectable': True, 'sequence': 1})
        cls.product.product_tmpl_id.write({'is_published': True, 'website_id': cls.website.id})
        cls.shopper_user = new_test_user(
            cls.env, login='tamara_shopper', password='tamara_shopper', groups='base.group_portal',
        )
        cls.shopper_user.partner_id.write({
            'name': "Noura Al-Harbi",
            'email': 'otp.success@tamara.ai',
            'phone': '0500000001',
            'street': 'Olaya Street 12',
            'city': 'Riyadh',
            'zip': '12211',
            'country_id': cls.country_sa.id,
            'property_product_pricelist': cls.pricelist_sar.id,
        })

    @mute_logger('odoo.addons.payment.models.payment_transaction')
    def test_buy_with_tamara_in_chromium(self):
        with self._browser() as browser:
            context = self._new_context(
                browser, 'tamara_shopper', viewport={'width': 1280, 'height': 900}
            )
            page = context.new_page()

            self._open_product_page(page, self.base_url() + self.product.product_tmpl_id.website_url)
            expect(page.locator('h1', has_text="Desk Lamp")).to_be_visible()
            self._screenshot(page, '1_product')
            page.locator('#add_to_cart').click()
            page.wait_for_url(re.compile(r'/shop/cart'), timeout=60000)
            expect(page.locator('#cart_products')).to_contain_text("Desk Lamp")
            self._screenshot(page, '2_cart')

            page.goto(self.base_url() + '/shop/checkout?try_skip_step=true')
            page.wait_for_url(re.compile(r'/shop/payment'))
            tamara = page.locator(
                'input[name="o_payment_radio"][data-payment-method-code="tamara"]'
            )
            expect(tamara).to_have_count(1)
            tamara.check(force=True)
            self._screenshot(page, '3_payment')
            page.locator(PAY_BUTTON).first.click()

            page.wait_for_url(f'{self.sandbox.url}/**')
            expect(page.locator('form#tamara_signin')).to_be_visible()
            self._screenshot(page, '4_tamara_signin')
            page.locator('button[name="action"][value="signin"]').click()
            otp = page.locator('#tamara_otp_code').inner_text().strip()
            page.locator('form#tamara_otp input[name="otp"]').fill(otp)
            self._screenshot(page, '5_tamara_otp')
            page.locator('button[name="action"][value="verify"]').click()
            expect(page.locator('form#tamara_plan')).to_be_visible()
            self._screenshot(page, '6_tamara_plan')
            page.locator('button[name="action"][value="approve"]').click()

            page.wait_for_url(re.compile(r'/shop/confirmation'), timeout=120000)
            expect(page.locator(CONFIRMATION_STATUS)).to_be_visible()
            self._screenshot(page, '7_confirmation')

        [aps_transaction] = self.sandbox.wait_until_idle()
        self.env.invalidate_all()
        order = self.env['sale.order'].search(
            [('partner_id', '=', self.shopper_user.partner_id.id)], limit=1
        )
        tx = order.transaction_ids
        self.assertEqual(tx.reference, aps_transaction['request']['merchant_reference'])
        self.assertEqual(
            [d['attempt_log'][-1]['http_status'] for d in aps_transaction['deliveries']], [200]
        )
        self.assertEqual(tx.provider_code, 'aps_tamara')
        self.assertEqual(tx.state, 'done')
        self.assertEqual(order.state, 'sale')
        self.assertEqual(order.order_line.product_id, self.product)
        self.assertEqual(order.currency_id, self.currency_sar)
