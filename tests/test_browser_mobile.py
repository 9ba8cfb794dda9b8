# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import re
from urllib.parse import parse_qs

from playwright.sync_api import expect

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.tests.browser_common import PAY_BUTTON, ChromiumMixin
from odoo.addons.payment_aps_tamara.tests.common import MOBILE, APSTamaraCommon

APS_PAYMENT_PAGE = aps_const.PAYMENT_PAGE_URLS['test']


@tagged('post_install', '-at_install')
class TestBrowserMobile(ChromiumMixin, APSTamaraCommon):
    """ The mobile number asked under the Tamara option, in Chromium, in English and Arabic: never
    pre-filled with a number Tamara cannot use, one inline message for an empty and an invalid
    number, nothing sent to APS until the number is a mobile. Screenshots go to
    `.artifacts/screenshots/mobile_*.png`.
    """

    screenshot_prefix = 'mobile'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env['website'].get_current_website()
        cls.website.add_to_cart_action = 'stay'
        cls.pricelist_sar.write({'website_id': cls.website.id, 'selectable': True, 'sequence': 1})
        cls.product.product_tmpl_id.write({'is_published': True, 'website_id': cls.website.id})
        cls.shopper_user = new_test_user(
            cls.env, login='tamara_mobile_shopper', password='tamara_mobile_shopper',
            groups='base.group_portal',
        )
        cls.shopper = cls.shopper_user.partner_id
        # The shop requires a phone number in the address, but a landline gets no SMS from Tamara.
        cls.shopper.write({
            'name': "Huda Al-Shehri",
            'email': 'otp.success@tamara.ai',
            'phone': '011 234 5678',
            'street': 'Prince Sultan Street 3',
            'city': 'Riyadh',
            'zip': '12271',
            'country_id': cls.country_sa.id,
            'property_product_pricelist': cls.pricelist_sar.id,
        })
        if MOBILE != 'phone':
            cls.shopper[MOBILE] = False

    def _pay_with_tamara(self, lang_prefix, name):
        """ Go to the payment step with the product in the cart, try an empty, a landline and an
        invalid number, then a mobile, and return what was posted to APS. """
        posted = []

        def aps_page(route):
            posted.append(parse_qs(route.request.post_data or ''))
            route.fulfill(status=200, content_type='text/html', body='<h1>APS payment page</h1>')

        with self._browser() as browser:
            context = self._new_context(
                browser, 'tamara_mobile_shopper', viewport={'width': 1280, 'height': 1000}
            )
            context.route('https://cdn-sandbox.tamara.co/**', lambda route: route.abort())
            context.route(APS_PAYMENT_PAGE, aps_page)
            page = context.new_page()
            base = self.base_url() + lang_prefix
            self._open_product_page(page, base + self.product.product_tmpl_id.website_url)
            page.locator('#add_to_cart').click()
            expect(page.locator('.my_cart_quantity').first).to_have_text('1')
            page.goto(base + '/shop/checkout?try_skip_step=true')
            page.wait_for_url(re.compile(r'/shop/payment'))
            page.locator('input[data-payment-method-code="tamara"]').check(force=True)

            phone = page.locator('input[name="o_aps_tamara_phone"]')
            message = page.locator('.o_aps_tamara_phone .invalid-feedback')
            pay_button = page.locator(PAY_BUTTON).first
            expect(phone).to_have_value('')  # The landline on the contact is not offered.
            texts = []
            for number in ('', '011 234 5678', '+44 7700 900123'):
                phone.fill(number)
                pay_button.click()
                expect(phone).to_have_class(re.compile('is-invalid'))
                expect(message).to_be_visible()
                expect(page.locator('.modal.show')).to_have_count(0)
                texts.append(message.inner_text())
                expect(pay_button).to_be_enabled()
            self.assertEqual(len(set(texts)), 1, "the same message for empty and invalid numbers")
            self._screenshot(page, f'{name}_invalid')
            self.assertFalse(posted)

            phone.fill('٠٥٤٤٣٣٧٨٦٦' if lang_prefix else '054 433 7866')
            pay_button.click()
            page.wait_for_url(APS_PAYMENT_PAGE)
        return posted, texts[0]

    @mute_logger('odoo.addons.payment.models.payment_transaction')
    def test_mobile_asked_in_english(self):
        posted, text = self._pay_with_tamara('', 'en')
        self.assertEqual(text.strip(), "Please enter a Saudi or Emirati mobile number, e.g. 05X XXX XXXX.")
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted[0]['phone_number'], ['+966544337866'])
        self.shopper.invalidate_recordset()
        self.assertEqual(self.shopper.phone, '011 234 5678')
        if MOBILE != 'phone':  # 18 keeps the mobile on the contact; 19 has only its phone field.
            self.assertEqual(self.shopper[MOBILE], '+966544337866')

    @mute_logger('odoo.addons.payment.models.payment_transaction',
                 'odoo.addons.base.models.assetsbundle')  # No rtlcss here: it says so.
    def test_mobile_asked_in_arabic_with_arabic_digits(self):
        arabic = self.env['res.lang']._activate_lang('ar_001')
        self.env['ir.module.module']._load_module_terms(['payment_aps_tamara'], ['ar_001'])
        self.website.language_ids |= arabic
        self.shopper.lang = 'ar_001'
        self._build_rtl_stylesheets('web.assets_frontend', website=self.website)
        posted, _text = self._pay_with_tamara('/ar', 'ar')
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted[0]['phone_number'], ['+966544337866'])
