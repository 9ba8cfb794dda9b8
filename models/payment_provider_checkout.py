# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from collections import namedtuple

from odoo import api, fields, models
from odoo.tools import float_repr, ormcache

from odoo.addons.payment_aps_tamara import compat, const
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import params as aps_params

# What every shop page reads of a Tamara provider, kept in the registry's cache (`ormcache`).
CachedSettings = namedtuple(
    'CachedSettings', 'state public_key excluded_template_ids excluded_categ_ids'
)
# The provider's fields that the cached settings and the choice of the widget's provider read: a
# change of one of them clears the cache.
CACHED_FIELDS = frozenset({
    'code', 'state', 'is_published', 'company_id', 'website_id',
    'aps_tamara_widget_product', 'aps_tamara_widget_cart', 'aps_tamara_widget_checkout',
    'aps_tamara_public_key_sandbox', 'aps_tamara_public_key_production',
    'aps_tamara_excluded_product_ids', 'aps_tamara_excluded_categ_ids',
})


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

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        """ Override of `payment` to clear the cached Tamara settings when a Tamara provider is
        created. """
        providers = super().create(vals_list)
        if any(provider.code == const.PROVIDER_CODE for provider in providers):
            self.env.registry.clear_cache()
        return providers

    def write(self, values):
        """ Override of `payment` to clear the cached Tamara settings when one of the fields they
        read changes. The registry tells the other Odoo workers to clear theirs at their next
        request. """
        is_tamara = 'code' in values or any(p.code == const.PROVIDER_CODE for p in self)
        result = super().write(values)
        if is_tamara and not CACHED_FIELDS.isdisjoint(values):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        """ Override of `payment` to clear the cached Tamara settings when a Tamara provider is
        deleted. """
        is_tamara = any(provider.code == const.PROVIDER_CODE for provider in self)
        result = super().unlink()
        if is_tamara:
            self.env.registry.clear_cache()
        return result

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
        website_id = website.id if website and 'website_id' in self._fields else None
        return self.sudo().browse(self._aps_tamara_find_widget_provider(
            placement, company.id, website_id, self.env.user._is_internal()
        ))

    @api.model
    @ormcache('placement', 'company_id', 'website_id', 'internal_user')
    def _aps_tamara_find_widget_provider(self, placement, company_id, website_id, internal_user):
        """ Return the id of the Tamara provider whose widget is shown at the placement, or False;
        cached, as every product page asks. """
        domain = [
            ('code', '=', const.PROVIDER_CODE),
            ('state', 'in', ('enabled', 'test')),
            (f'aps_tamara_widget_{placement}', '=', True),
            *self._check_company_domain(company_id),
        ]
        if not internal_user:
            domain.append(('is_published', '=', True))
        if website_id:
            domain.append(('website_id', 'in', (False, website_id)))
        return self.sudo().search(domain, limit=1).id

    def _aps_tamara_get_cached_settings(self):
        """ Return what every shop page reads of the provider (its state and widget public key,
        the products and categories it excludes), from the registry's cache.

        :return: The settings; the ids as frozensets.
        :rtype: CachedSettings
        """
        self.ensure_one()
        return self._aps_tamara_read_settings(self.id)

    @api.model
    @ormcache('provider_id')
    def _aps_tamara_read_settings(self, provider_id):
        """ Read the provider's settings kept in the cache (`_aps_tamara_get_cached_settings`). """
        # Archived excluded products stay excluded: the cache must not depend on the context.
        provider_sudo = self.sudo().with_context(active_test=False).browse(provider_id)
        return CachedSettings(
            state=provider_sudo.state,
            public_key=provider_sudo._aps_tamara_get_public_key() or '',
            excluded_template_ids=frozenset(provider_sudo.aps_tamara_excluded_product_ids.ids),
            excluded_categ_ids=frozenset(provider_sudo.aps_tamara_excluded_categ_ids.ids),
        )

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
        settings = self._aps_tamara_get_cached_settings()
        lang = aps_params.get_language(lang or self.env.lang)
        country = self._aps_tamara_get_country_code(currency, partner)
        return {
            'placement': placement,
            'script_url': settings.public_key and const.WIDGET_SCRIPT_URLS[
                'enabled' if settings.state == 'enabled' else 'test'
            ],
            'public_key': settings.public_key,
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
