# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import re
from contextlib import contextmanager

from playwright.sync_api import expect

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.tests.browser_common import ChromiumMixin
from odoo.addons.payment_aps_tamara.tests.common import APSTamaraCommon

# A stand-in for Tamara's widget script (there is no network in tests): it defines the
# `<tamara-widget>` element and `TamaraWidgetV2.refresh()`, and renders what it was given.
WIDGET_SCRIPT_STUB = """
(function () {
    class TamaraWidgetStub extends HTMLElement {
        static get observedAttributes() { return ['amount']; }
        connectedCallback() { this.render(); }
        attributeChangedCallback() { this.render(); }
        render() {
            const config = window.tamaraWidgetConfig || {};
            const label = config.lang === 'ar' ? 'ادفع على دفعات مع تمارا' : 'Pay in installments with Tamara';
            this.setAttribute('data-rendered', 'true');
            this.style.cssText = 'display:block;padding:8px;margin:4px 0;border-radius:8px;'
                + 'background:linear-gradient(90deg,#f9c7a9,#d5b5f2,#a8e2dc);color:#111;';
            this.textContent = `${label} · ${this.getAttribute('amount')} · ${config.country}`
                + ` · ${this.getAttribute('inline-type')} · ${config.publicKey}`;
        }
    }
    customElements.define('tamara-widget', TamaraWidgetStub);
    window.TamaraWidgetV2 = {
        refresh() { document.querySelectorAll('tamara-widget').forEach(el => el.render()); },
    };
})();
"""

# The "add one" button of a quantity, on the product page and in the cart, on 18 and 19.
PLUS_ONE = '.css_quantity a:has(i.fa-plus, i.oi-plus)'
# The order's total in the cart's summary, on 18 and 19.
CART_TOTAL = ':is(#order_total, [name="o_order_total"]) .oe_currency_value'


def shown_amount(text):
    """ Return an amount as the shop shows it (grouped, maybe in Arabic-Indic digits). """
    text = text.translate(str.maketrans('٠١٢٣٤٥٦٧٨٩٫', '0123456789.'))
    return float(re.sub(r'[^\d.]', '', text))


@tagged('post_install', '-at_install')
class TestBrowserWidgets(ChromiumMixin, APSTamaraCommon):
    """ Tamara's widgets and payment option in Chromium, in English and in Arabic, on the product
    page, in the cart and at checkout; screenshots go to `.artifacts/screenshots/widgets_*.png`.
    """

    screenshot_prefix = 'widgets'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env['website'].get_current_website()
        cls.website.add_to_cart_action = 'stay'
        cls.env.ref('website_sale.product_quantity').active = True
        cls.provider.write({
            'aps_tamara_public_key_sandbox': 'pk-sandbox-42',
            'aps_tamara_max_amount_sar': 50000.0,
        })
        cls.pricelist_sar.write({'website_id': cls.website.id, 'selectable': True, 'sequence': 1})
        cls.product.product_tmpl_id.write({'is_published': True, 'website_id': cls.website.id})
        cls.shopper_user = new_test_user(
            cls.env, login='tamara_widget_shopper', password='tamara_widget_shopper',
            groups='base.group_portal',
        )
        cls.shopper = cls.shopper_user.partner_id
        cls.shopper.write({
            'name': "Layla Al-Otaibi",
            'email': 'otp.success@tamara.ai',
            'street': 'Tahlia Street 7',
            'city': 'Jeddah',
            'zip': '23411',
            'country_id': cls.country_sa.id,
            'property_product_pricelist': cls.pricelist_sar.id,
        })

    @contextmanager
    def _shop(self, widget_script='stub'):
        """ A Chromium page logged in as the shopper; Tamara's CDN serves the stub, or nothing. """
        with self._browser() as browser:
            context = self._new_context(
                browser, 'tamara_widget_shopper', viewport={'width': 1280, 'height': 1000}
            )
            if widget_script == 'stub':
                context.route('https://cdn-sandbox.tamara.co/**', lambda route: route.fulfill(
                    status=200, content_type='application/javascript', body=WIDGET_SCRIPT_STUB,
                ))
            else:
                context.route('https://cdn-sandbox.tamara.co/**', lambda route: route.abort())
            yield context.new_page()

    def _visit_product_cart_and_checkout(self, page, lang_prefix, name):
        """ Go through the product page, the cart and the payment step, checking the widget on
        each, and return the page on the payment step with Tamara selected.
        """
        base = self.base_url() + lang_prefix
        unit_price = self.pricelist_sar._get_product_price(self.product, 1.0)

        self._open_product_page(page, base + self.product.product_tmpl_id.website_url)
        product_widget = page.locator('.o_aps_tamara_product_widget tamara-widget')
        expect(product_widget).to_have_attribute('data-rendered', 'true')
        expect(product_widget).to_have_attribute('amount', f'{unit_price:.2f}')
        expect(page.locator('.o_aps_tamara_product_widget .o_aps_tamara_fallback')).to_be_hidden()
        # The amount follows the quantity.
        page.locator(PLUS_ONE).first.click()
        expect(product_widget).to_have_attribute('amount', f'{unit_price * 2:.2f}')
        expect(product_widget).to_contain_text(f'{unit_price * 2:.2f}')
        self._screenshot(page, f'{name}_1_product')
        page.locator('#add_to_cart').click()
        expect(page.locator('.my_cart_quantity').first).to_have_text('2')

        page.goto(base + '/shop/cart')
        cart_widget = page.locator('.o_aps_tamara_cart_widget tamara-widget')
        expect(cart_widget).to_have_attribute('data-rendered', 'true')
        expect(cart_widget).to_have_attribute('amount', f'{unit_price * 2:.2f}')
        # The amount follows the cart's quantities: it is the order's total as the cart shows it
        # (each series rounds the lines its own way).
        total = page.locator(CART_TOTAL).first
        total_before = total.inner_text()
        page.locator(f'#cart_products {PLUS_ONE}').first.click()
        expect(total).not_to_have_text(total_before)
        cart_total = shown_amount(total.inner_text())
        self.assertAlmostEqual(cart_total, unit_price * 3, delta=0.015)
        expect(cart_widget).to_have_attribute('amount', f'{cart_total:.2f}')
        self._screenshot(page, f'{name}_2_cart')

        page.goto(base + '/shop/checkout?try_skip_step=true')
        page.wait_for_url(re.compile(r'/shop/payment'))
        page.locator('input[data-payment-method-code="tamara"]').check(force=True)
        option = page.locator('li[name="o_payment_option"]:has(input[data-provider-code="aps_tamara"])')
        expect(option.locator('tamara-widget')).to_have_attribute('data-rendered', 'true')
        expect(option.locator('tamara-widget')).to_have_attribute('inline-type', '6')
        self._screenshot(page, f'{name}_3_checkout')
        return page, option

    def test_widgets_and_payment_option_in_english(self):
        self.shopper.phone = '0544337866'
        with self._shop() as page:
            page, option = self._visit_product_cart_and_checkout(page, '', 'en')
            expect(page.locator('html')).to_have_attribute('lang', 'en-US')
            expect(option.locator('.o_aps_tamara_option')).to_have_attribute('dir', 'ltr')
            expect(option.locator('.o_aps_tamara_description')).to_contain_text(
                "Monthly Payments. Sharia Compliant."
            )
            expect(option.locator('img.o_aps_tamara_badge')).to_have_attribute(
                'src', '/payment_aps_tamara/static/img/tamara_badge_en.svg'
            )
            expect(option.locator('input[name="o_aps_tamara_phone"]')).to_have_count(0)

    @mute_logger('odoo.addons.base.models.assetsbundle')  # No rtlcss here: it says so.
    def test_widgets_and_payment_option_in_arabic(self):
        arabic = self.env['res.lang']._activate_lang('ar_001')
        self.env['ir.module.module']._load_module_terms(['payment_aps_tamara'], ['ar_001'])
        self.website.language_ids |= arabic
        self.shopper.write({'phone': '0544337866', 'lang': 'ar_001'})
        self._build_rtl_stylesheets('web.assets_frontend', website=self.website)
        with self._shop() as page:
            page, option = self._visit_product_cart_and_checkout(page, '/ar', 'ar')
            expect(page.locator('html')).to_have_attribute('lang', 'ar-001')
            # Odoo serves the right-to-left stylesheets; Tamara's texts are laid out right to left.
            expect(page.locator('link[href*="web.assets_frontend.rtl"]')).to_have_count(1)
            self.assertEqual(option.locator('.o_aps_tamara_option').evaluate(
                'el => getComputedStyle(el).direction'
            ), 'rtl')
            expect(page.locator('.o_aps_tamara_checkout_widget')).to_have_attribute('data-lang', 'ar')
            expect(page.locator('.o_aps_tamara_checkout_widget tamara-widget')).to_contain_text(
                'تمارا'
            )
            expect(option.locator('.o_aps_tamara_description')).to_contain_text(
                "دفعات شهرية. متوافقة مع الشريعة."
            )
            expect(option.locator('label.o_payment_option_label')).to_have_text('تمارا')
            expect(option.locator('img.o_aps_tamara_badge')).to_have_attribute(
                'src', '/payment_aps_tamara/static/img/tamara_badge_ar.svg'
            )

    def test_blocked_widget_script_leaves_the_text(self):
        self.shopper.write({'phone': '011 234 5678'})  # The shop's address form requires a phone.
        with self._shop(widget_script='blocked') as page:
            self._open_product_page(page, self.base_url() + self.product.product_tmpl_id.website_url)
            widget = page.locator('.o_aps_tamara_product_widget')
            expect(widget).to_have_class(re.compile('o_aps_tamara_widget_unavailable'))
            expect(widget.locator('.o_aps_tamara_fallback')).to_contain_text(
                "Monthly Payments. Sharia Compliant."
            )
            self._screenshot(page, 'blocked_1_product')
            page.locator('#add_to_cart').click()
            expect(page.locator('.my_cart_quantity').first).to_have_text('1')
            page.goto(self.base_url() + '/shop/cart')
            expect(page.locator('.o_aps_tamara_cart_widget .o_aps_tamara_fallback')).to_be_visible()
            page.goto(self.base_url() + '/shop/checkout?try_skip_step=true')
            page.wait_for_url(re.compile(r'/shop/payment'))
            page.locator('input[data-payment-method-code="tamara"]').check(force=True)
            expect(page.locator('.o_aps_tamara_checkout_widget .o_aps_tamara_fallback')).to_be_visible()
