# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo import api, fields, models
from odoo.tools import float_repr

from odoo.addons.payment_aps_tamara import compat, const
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import params as aps_params


class PaymentProvider(models.Model):
    """ What the shopper sees of Tamara: its widgets (product page, cart, checkout), the badge and
    the texts of the payment option (https://docs.tamara.co/docs/direct-widgets). """
    _inherit = 'payment.provider'

    aps_tamara_public_key_sandbox = fields.Char(
        string="Widget Public Key (Sandbox)",
        help="The public key of Tamara's sandbox, from Tamara's partners portal. It shows Tamara's "
             "widgets while the provider is in test mode. It is not a secret.",
    )
    aps_tamara_public_key_production = fields.Char(
        string="Widget Public Key (Production)",
        help="The public key of Tamara's production, from Tamara's partners portal. It shows "
             "Tamara's widgets while the provider is enabled. It is not a secret.",
    )
    aps_tamara_widget_product = fields.Boolean(
        string="Widget on Product Pages", default=True,
        help="Show Tamara's widget under the price on product pages.",
    )
    aps_tamara_widget_cart = fields.Boolean(
        string="Widget in the Cart", default=True,
        help="Show Tamara's widget under the cart total.",
    )
    aps_tamara_widget_checkout = fields.Boolean(
        string="Widget at Checkout", default=True,
        help="Show Tamara's widget under the Tamara payment option.",
    )

    # === BUSINESS METHODS === #

    @api.model
    def _aps_tamara_get_widget_provider(self, placement, company=None, website=None):
        """ Return the Tamara provider whose widget is shown at the placement, if any.

        :param str placement: 'product', 'cart' or 'checkout'.
        :param res.company company: The company of the shop; the current one by default.
        :param website website: The website, to honor providers restricted to one website.
        :return: The sudoed provider, or an empty recordset.
        :rtype: payment.provider
        """
        company = company or self.env.company
        domain = [
            ('code', '=', const.PROVIDER_CODE),
            ('state', 'in', ('enabled', 'test')),
            (f'aps_tamara_widget_{placement}', '=', True),
            *self.env['payment.provider']._check_company_domain(company),
        ]
        if not self.env.user._is_internal():
            domain.append(('is_published', '=', True))
        if website and 'website_id' in self._fields:
            domain.append(('website_id', 'in', (False, website.id)))
        return self.sudo().search(domain, limit=1)

    def _aps_tamara_get_public_key(self):
        """ Return the widget public key of the provider's state: the production key when
        enabled, the sandbox key otherwise; empty if the merchant did not give it. """
        self.ensure_one()
        provider_sudo = self.sudo()
        if self.state == 'enabled':
            return provider_sudo.aps_tamara_public_key_production
        return provider_sudo.aps_tamara_public_key_sandbox

    def _aps_tamara_get_widget_values(
        self, placement, amount, currency, products=None, partner=None, lang=None
    ):
        """ Return what the widget template needs, or None if no widget is to be shown.

        The widget needs Tamara's script configured with the public key of the provider's state;
        without a key only the server-rendered text is shown.

        :param str placement: 'product', 'cart' or 'checkout'.
        :param float amount: The amount to promote.
        :param res.currency currency: The currency of the amount.
        :param product.product|product.template products: The products being bought.
        :param res.partner partner: The billing partner, if known.
        :param str lang: The page's language code; the context's by default.
        :return: The widget values.
        :rtype: dict|None
        """
        self.ensure_one()
        if not currency or currency.name not in aps_const.SUPPORTED_CURRENCIES:
            return None
        if products and self._aps_tamara_get_excluded_products(products):
            return None
        public_key = self._aps_tamara_get_public_key()
        lang = aps_params.get_language(lang or self.env.lang)
        country = self._aps_tamara_get_country_code(currency, partner)
        return {
            'placement': placement,
            'script_url': public_key and const.WIDGET_SCRIPT_URLS[
                'enabled' if self.state == 'enabled' else 'test'
            ],
            'public_key': public_key or '',
            'lang': lang,
            'country': country,
            'amount': float_repr(amount or 0.0, currency.decimal_places),
            'decimal_places': currency.decimal_places,
            'inline_type': const.WIDGET_INLINE_TYPES[placement],
            **self._aps_tamara_get_branding_values(lang, country),
        }

    @api.model
    def _aps_tamara_get_branding_values(self, lang, country):
        """ Return the badge, the writing direction and whether to say "Sharia compliant" (Tamara
        says so to Saudi customers), for a language of APS' pages and a country code. """
        return {
            'badge_url': f'/payment_aps_tamara/static/img/tamara_badge_{lang}.svg',
            'direction': 'rtl' if lang == 'ar' else 'ltr',
            'sharia_compliant': country == 'SA',
        }

    @api.model
    def _aps_tamara_get_country_code(self, currency, partner=None):
        """ Return the country whose Tamara rules apply: the billing country if Tamara serves it,
        else the country of the currency.
        """
        if partner and partner.country_id.code in aps_const.SUPPORTED_COUNTRIES:
            return partner.country_id.code
        return aps_const.CURRENCY_COUNTRIES.get(currency.name, aps_const.SUPPORTED_COUNTRIES[0])

    def _aps_tamara_get_checkout_values(self, amount, currency, partner_id=None, order=None):
        """ Return what the Tamara payment option shows at the payment step: its description, its
        badge and widget, and whether the customer's mobile number must be asked for (none of the
        contact's numbers is then usable: the field is left empty).

        :param float amount: The amount to pay.
        :param res.currency currency: The currency of the amount.
        :param int partner_id: The paying partner, as a `res.partner` id.
        :param sale.order order: The order being paid, if any.
        :return: The values of the payment option.
        :rtype: dict
        """
        self.ensure_one()
        partner = order.partner_invoice_id if order else \
            self.env['res.partner'].sudo().browse(partner_id).exists()
        lang = aps_params.get_language(self.env.lang)
        country = self._aps_tamara_get_country_code(currency, partner) if currency \
            else (partner.country_id.code or aps_const.SUPPORTED_COUNTRIES[0])
        has_mobile = any(
            self._aps_tamara_format_phone(number, partner.country_id)
            for number in (compat.get_partner_mobile(partner), partner.phone)
        )
        widget = self.aps_tamara_widget_checkout and self._aps_tamara_get_widget_values(
            'checkout', amount, currency, partner=partner,
        )
        return {
            **self._aps_tamara_get_branding_values(lang, country),
            'widget': widget,
            'ask_phone': not has_mobile,
            'phone_country': country,
        }
