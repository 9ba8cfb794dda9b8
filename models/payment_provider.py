# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
import pprint
from datetime import timedelta

import phonenumbers
import requests
from requests.adapters import HTTPAdapter
from markupsafe import Markup
from werkzeug import urls

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_repr

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import const, utils
from odoo.addons.phone_validation.tools import phone_validation


_logger = logging.getLogger(__name__)


class APSTamaraTimeoutAdapter(HTTPAdapter):
    """ An HTTP adapter giving every request APS' connect and read timeouts. """

    def send(self, request, timeout=None, **kwargs):
        if timeout is None:
            timeout = (const.API_CONNECT_TIMEOUT, const.API_READ_TIMEOUT)
        return super().send(request, timeout=timeout, **kwargs)


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    code = fields.Selection(
        selection_add=[(const.PROVIDER_CODE, "Tamara (Amazon Payment Services)")],
        ondelete={const.PROVIDER_CODE: 'set default'},
    )
    # APS credentials: the production set (used when the provider is enabled) and the sandbox set
    # (used in test mode), so that going live does not mean typing them again. Which fields are
    # required depends on the state: see `_check_required_if_provider`.
    aps_tamara_merchant_identifier = fields.Char(
        string="Merchant Identifier",
        help="The merchant identifier of the production APS account (APS back office: "
             "Integration Settings > Security Settings).",
    )
    aps_tamara_access_code = fields.Char(
        string="Access Code",
        help="The access code of the production APS account (Integration Settings > Security "
             "Settings).",
        groups='base.group_system',
    )
    aps_tamara_sha_request = fields.Char(
        string="SHA Request Phrase",
        help="The phrase that signs what Odoo sends to APS (production account).",
        groups='base.group_system',
    )
    aps_tamara_sha_response = fields.Char(
        string="SHA Response Phrase",
        help="The phrase that signs what APS sends to Odoo (production account).",
        groups='base.group_system',
    )
    aps_tamara_sha_type = fields.Selection(
        string="SHA Type",
        help="The SHA type set in the production APS back office (Integration Settings > "
             "Security Settings). Both sides must use the same.",
        selection=list(const.SHA_TYPE_LABELS.items()),
        default='sha256',
    )
    aps_tamara_merchant_identifier_test = fields.Char(
        string="Sandbox Merchant Identifier",
        help="The merchant identifier of the sandbox APS account, used in test mode.",
    )
    aps_tamara_access_code_test = fields.Char(
        string="Sandbox Access Code",
        help="The access code of the sandbox APS account, used in test mode.",
        groups='base.group_system',
    )
    aps_tamara_sha_request_test = fields.Char(
        string="Sandbox SHA Request Phrase",
        help="The phrase that signs what Odoo sends to APS (sandbox account).",
        groups='base.group_system',
    )
    aps_tamara_sha_response_test = fields.Char(
        string="Sandbox SHA Response Phrase",
        help="The phrase that signs what APS sends to Odoo (sandbox account).",
        groups='base.group_system',
    )
    aps_tamara_sha_type_test = fields.Selection(
        string="Sandbox SHA Type",
        help="The SHA type set in the sandbox APS back office. Both sides must use the same.",
        selection=list(const.SHA_TYPE_LABELS.items()),
        default='sha256',
    )
    aps_tamara_sandbox_url = fields.Char(
        string="Sandbox Endpoint Override",
        help="The address of a local APS sandbox (e.g. http://127.0.0.1:8070), used instead of "
             "APS' sandbox in test mode only. Leave empty to use APS' own sandbox.",
        groups='base.group_system',
    )

    # Shopper experience: eligibility and Tamara's branding widgets.
    aps_tamara_min_amount_sar = fields.Float(
        string="Minimum Amount (SAR)", digits=(16, 2),
        help="Tamara is offered for orders in SAR from this total on, as agreed with Tamara.",
    )
    aps_tamara_max_amount_sar = fields.Float(
        string="Maximum Amount (SAR)", digits=(16, 2),
        help="Tamara is offered for orders in SAR up to this total. Zero means no maximum.",
    )
    aps_tamara_min_amount_aed = fields.Float(
        string="Minimum Amount (AED)", digits=(16, 2),
        help="Tamara is offered for orders in AED from this total on, as agreed with Tamara.",
    )
    aps_tamara_max_amount_aed = fields.Float(
        string="Maximum Amount (AED)", digits=(16, 2),
        help="Tamara is offered for orders in AED up to this total. Zero means no maximum.",
    )
    aps_tamara_excluded_product_ids = fields.Many2many(
        string="Excluded Products",
        help="Tamara is not offered for an order containing one of these products, and its widget "
             "is not shown on their pages.",
        comodel_name='product.template',
        relation='payment_provider_aps_tamara_excluded_product_rel',
    )
    aps_tamara_excluded_categ_ids = fields.Many2many(
        string="Excluded Product Categories",
        help="Tamara is not offered for an order containing a product of these categories or of "
             "their subcategories.",
        comodel_name='product.category',
        relation='payment_provider_aps_tamara_excluded_categ_rel',
    )
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

    # After the payment: capture, reconciliation.
    aps_tamara_capture_immediately = fields.Boolean(
        string="Capture Immediately",
        help="Capture at once the Tamara payments that APS only authorizes (accounts set to "
             "deferred capture). Turn it off to capture or void them yourself from Odoo.",
        default=True,
    )
    aps_tamara_check_after = fields.Integer(
        string="Check Status After (minutes)",
        help="Ask APS about a Tamara payment still without final answer after this delay.",
        default=const.DEFAULT_CHECK_AFTER_MINUTES,
    )
    aps_tamara_abandon_after = fields.Integer(
        string="Cancel Abandoned After (hours)",
        help="Cancel a Tamara payment whose shopper left Tamara's page without paying, after this "
             "delay. A payment APS reports as paid is never canceled.",
        default=const.DEFAULT_ABANDON_AFTER_HOURS,
    )
    aps_tamara_authorized_alert_after = fields.Integer(
        string="Show Authorized Payments After (days)",
        help="Authorized payments not captured after this delay are listed under 'Authorized "
             "Tamara payments to capture' and get an activity on their order.",
        default=const.DEFAULT_AUTHORIZED_ALERT_DAYS,
    )

    # The merchant's side: guided setup, connection test, notification health.
    aps_tamara_return_url = fields.Char(
        string="Return URL", compute='_compute_aps_tamara_urls',
        help="Where APS sends the shopper back. It is sent with every payment; you may also enter "
             "it as Redirection URL in the APS back office.",
    )
    aps_tamara_webhook_url = fields.Char(
        string="Notification URL", compute='_compute_aps_tamara_urls',
        help="Enter it in the APS back office (Integration Settings > Technical Settings, Hosted "
             "Checkout channel) as Direct Transaction Feedback URL and as Notification Feedback "
             "URL.",
    )
    aps_tamara_connected_test_at = fields.Datetime(
        string="Sandbox Connection Tested On", readonly=True, copy=False,
        help="When the connection test last succeeded with the sandbox credentials.",
    )
    aps_tamara_connected_enabled_at = fields.Datetime(
        string="Production Connection Tested On", readonly=True, copy=False,
        help="When the connection test last succeeded with the production credentials.",
    )
    aps_tamara_go_live_checklist = fields.Html(
        string="Go-Live Checklist", compute='_compute_aps_tamara_go_live_checklist',
        sanitize=False,
    )
    aps_tamara_last_notification_at = fields.Datetime(
        string="Last Valid Notification", compute='_compute_aps_tamara_health',
    )
    aps_tamara_accepted_count = fields.Integer(
        string="Accepted Notifications", compute='_compute_aps_tamara_health',
        help="Notifications accepted over the last 30 days.",
    )
    aps_tamara_forged_count = fields.Integer(
        string="Notifications With Invalid Signature", compute='_compute_aps_tamara_health',
        help="Notifications refused over the last 30 days because of a missing or invalid "
             "signature: forged, or signed with other SHA phrases.",
    )
    aps_tamara_unknown_count = fields.Integer(
        string="Notifications for Unknown References", compute='_compute_aps_tamara_health',
        help="Notifications over the last 30 days about a reference Odoo does not know.",
    )
    aps_tamara_stuck_count = fields.Integer(
        string="Payments Waiting Too Long", compute='_compute_aps_tamara_health',
        help="Tamara payments still pending after the status check delay, or authorized after "
             "the delay to show authorized payments.",
    )
    aps_tamara_unnotified_count = fields.Integer(
        string="Payments Without Notification", compute='_compute_aps_tamara_health',
        help="Recent Tamara payments that APS answered about without any notification reaching "
             "Odoo.",
    )
    aps_tamara_health_warning = fields.Char(
        string="Notification Warning", compute='_compute_aps_tamara_health'
    )

    # === COMPUTE METHODS === #

    def _compute_feature_support_fields(self):
        """ Override of `payment` to enable additional features. """
        super()._compute_feature_support_fields()
        # APS answers a PURCHASE with status 02 (authorized) on accounts set to deferred capture.
        self.filtered(lambda p: p.code == const.PROVIDER_CODE).update({
            'support_manual_capture': 'partial',
            'support_refund': 'partial',
        })

    # === CONSTRAINT METHODS === #

    @api.constrains('aps_tamara_sandbox_url')
    def _check_aps_tamara_sandbox_url(self):
        for provider in self.filtered('aps_tamara_sandbox_url'):
            if urls.url_parse(provider.aps_tamara_sandbox_url).scheme not in ('http', 'https'):
                raise ValidationError(_(
                    "The sandbox endpoint override must be an http or https address."
                ))

    @api.constrains(
        'aps_tamara_min_amount_sar', 'aps_tamara_max_amount_sar',
        'aps_tamara_min_amount_aed', 'aps_tamara_max_amount_aed',
    )
    def _check_aps_tamara_amount_limits(self):
        for provider in self.filtered(lambda p: p.code == const.PROVIDER_CODE):
            for currency in const.SUPPORTED_CURRENCIES:
                minimum, maximum = provider._aps_tamara_get_amount_limits(currency)
                if minimum < 0 or maximum < 0 or (maximum and minimum > maximum):
                    raise ValidationError(_(
                        "The Tamara limits in %(currency)s must be positive, and the minimum may "
                        "not exceed the maximum.", currency=currency,
                    ))

    # === BUSINESS METHODS === #

    def _get_supported_currencies(self):
        """ Override of `payment` to return the currencies Tamara accepts through APS. """
        supported_currencies = super()._get_supported_currencies()
        if self.code == const.PROVIDER_CODE:
            supported_currencies = supported_currencies.filtered(
                lambda c: c.name in const.SUPPORTED_CURRENCIES
            )
        return supported_currencies

    def _get_default_payment_method_codes(self):
        """ Override of `payment` to return the default payment method codes. """
        default_codes = super()._get_default_payment_method_codes()
        if self.code != const.PROVIDER_CODE:
            return default_codes
        return const.DEFAULT_PAYMENT_METHOD_CODES

    def _aps_tamara_get_endpoint(self, endpoints, path):
        """ Return the APS endpoint to use in the provider's state.

        In test state, the sandbox endpoint override (a local APS sandbox) replaces APS' sandbox;
        it is never used in production.

        :param dict endpoints: The endpoints, by provider state.
        :param str path: The path of the endpoint on the sandbox override.
        :return: The URL of the endpoint.
        :rtype: str
        """
        self.ensure_one()
        if self.state == 'enabled':
            return endpoints['enabled']
        sandbox_url = self.sudo().aps_tamara_sandbox_url
        if sandbox_url:
            return urls.url_join(sandbox_url, path)
        return endpoints['test']

    def _aps_tamara_get_payment_page_url(self):
        return self._aps_tamara_get_endpoint(const.PAYMENT_PAGE_URLS, const.PAYMENT_PAGE_PATH)

    def _aps_tamara_get_api_url(self):
        return self._aps_tamara_get_endpoint(const.PAYMENT_API_URLS, const.PAYMENT_API_PATH)

    def _aps_tamara_get_credentials(self, environment=None):
        """ Return the APS credentials of the provider's state: the sandbox set in test mode, the
        production set otherwise. Every signature, request and message check goes through here.

        Note: self.ensure_one()

        :param str environment: 'test' or 'enabled' to read that set instead of the state's.
        :return: The `merchant_identifier`, `access_code`, `sha_request`, `sha_response` and
                 `sha_type`, by name.
        :rtype: dict
        """
        self.ensure_one()
        suffix = const.CREDENTIAL_SUFFIXES[environment or self.state]
        provider_sudo = self.sudo()
        return {
            name: provider_sudo[f'aps_tamara_{name}{suffix}'] for name in const.CREDENTIAL_NAMES
        }

    def _check_required_if_provider(self):
        """ Override of `payment` to require the credentials of the provider's state only: the
        sandbox set in test mode, the production set when enabled. """
        super()._check_required_if_provider()
        for provider in self.filtered(
            lambda p: p.code == const.PROVIDER_CODE and p.state in ('test', 'enabled')
        ):
            credentials = provider._aps_tamara_get_credentials()
            if missing := [name for name in const.CREDENTIAL_NAMES if not credentials[name]]:
                suffix = const.CREDENTIAL_SUFFIXES[provider.state]
                field_names = [
                    self.env['ir.model.fields']._get(self._name, f'aps_tamara_{name}{suffix}')
                    .field_description for name in missing
                ]
                raise ValidationError(
                    _("The following fields must be filled: %s", ", ".join(field_names))
                )

    def _aps_tamara_calculate_signature(self, params, incoming):
        """ Compute the signature of the parameters with the provider's phrase and SHA type.

        Note: self.ensure_one()

        :param dict params: The parameters to sign.
        :param bool incoming: Whether the parameters come from APS (response phrase) or are sent to
                              APS (request phrase).
        :return: The signature.
        :rtype: str
        """
        self.ensure_one()
        credentials = self._aps_tamara_get_credentials()
        phrase = credentials['sha_response'] if incoming else credentials['sha_request']
        return utils.calculate_signature(params, phrase, credentials['sha_type'])

    def _aps_tamara_is_signature_valid(self, params):
        """ Check in constant time the signature of parameters received from APS.

        Note: self.ensure_one()

        :param dict params: The received parameters, `signature` included.
        :return: Whether the signature is valid.
        :rtype: bool
        """
        self.ensure_one()
        credentials = self._aps_tamara_get_credentials()
        return utils.is_signature_valid(
            params, credentials['sha_response'], credentials['sha_type']
        )

    # === BUSINESS METHODS - ELIGIBILITY === #

    @api.model
    def _get_compatible_providers(
        self, company_id, partner_id, amount, *args, currency_id=None, sale_order_id=None,
        report=None, **kwargs
    ):
        """ Override of `payment` to offer Tamara only for orders it accepts: in SAR or AED, billed
        to the matching country, within the merchant's limits and without excluded products.

        :param int company_id: The company to which providers must belong, as a `res.company` id.
        :param int partner_id: The partner making the payment, as a `res.partner` id.
        :param float amount: The amount to pay.
        :param int currency_id: The currency of the amount, as a `res.currency` id.
        :param int sale_order_id: The sale order to be paid, if any, as a `sale.order` id.
        :param dict report: The availability report.
        :return: The compatible providers.
        :rtype: recordset of `payment.provider`
        """
        providers = super()._get_compatible_providers(
            company_id, partner_id, amount, *args, currency_id=currency_id,
            sale_order_id=sale_order_id, report=report, **kwargs,
        )
        tamara_providers = providers.filtered(lambda p: p.code == const.PROVIDER_CODE)
        if not tamara_providers:
            return providers

        order = self.env['sale.order'].browse(sale_order_id).exists()
        currency = self.env['res.currency'].browse(currency_id).exists() or order.currency_id
        # The billing address decides, as Tamara checks the customer of the billing country.
        partner = order.partner_invoice_id or self.env['res.partner'].browse(partner_id).exists()
        for provider in tamara_providers:
            reasons = provider._aps_tamara_get_ineligibility_reasons(
                amount, currency, partner, order
            )
            if reasons:
                providers -= provider
                payment_utils.add_to_report(
                    report, provider, available=False, reason="; ".join(reasons)
                )
        return providers

    def _aps_tamara_get_amount_limits(self, currency_name):
        """ Return the merchant's minimum and maximum (0 = none) for the currency. """
        self.ensure_one()
        suffix = currency_name.lower()
        return (
            self[f'aps_tamara_min_amount_{suffix}'] or 0.0,
            self[f'aps_tamara_max_amount_{suffix}'] or 0.0,
        )

    def _aps_tamara_get_ineligibility_reasons(self, amount, currency, partner, order):
        """ Return why Tamara cannot pay this amount for this customer and order.

        :param float amount: The amount to pay, or None if unknown.
        :param res.currency currency: The currency of the amount.
        :param res.partner partner: The billing partner.
        :param sale.order order: The order being paid, if any.
        :return: The reasons, readable by the merchant; empty if Tamara is eligible.
        :rtype: list[str]
        """
        self.ensure_one()
        if not currency:
            return []
        if currency.name not in const.SUPPORTED_CURRENCIES:
            return [_(
                "Tamara accepts %(currencies)s only, not %(currency)s",
                currencies=", ".join(const.SUPPORTED_CURRENCIES), currency=currency.name,
            )]

        reasons = []
        expected_country = const.CURRENCY_COUNTRIES[currency.name]
        if partner.country_id.code != expected_country:
            reasons.append(_(
                "Tamara needs a billing address in %(country)s to pay in %(currency)s "
                "(billing country: %(billing_country)s)",
                country=self.env['res.country'].search([('code', '=', expected_country)]).name,
                currency=currency.name, billing_country=partner.country_id.name or _("none"),
            ))
        minimum, maximum = self._aps_tamara_get_amount_limits(currency.name)

        def show(value):  # Not an f-string inside `_()`: the term extraction evaluates those.
            return '%s %s' % (float_repr(value, currency.decimal_places), currency.name)

        if amount is not None and currency.compare_amounts(amount, minimum) < 0:
            reasons.append(_(
                "the total %(amount)s is below Tamara's minimum of %(minimum)s",
                amount=show(amount), minimum=show(minimum),
            ))
        if amount is not None and maximum and currency.compare_amounts(amount, maximum) > 0:
            reasons.append(_(
                "the total %(amount)s is above Tamara's maximum of %(maximum)s",
                amount=show(amount), maximum=show(maximum),
            ))
        if excluded_products := self._aps_tamara_get_excluded_products(order.order_line.product_id):
            reasons.append(_(
                "the cart contains products excluded from Tamara: %(products)s",
                products=", ".join(excluded_products.mapped('display_name')),
            ))
        return reasons

    def _aps_tamara_get_excluded_products(self, products):
        """ Return those of the products the merchant excluded from Tamara, by product or by
        category (subcategories included).

        :param product.product|product.template products: The products to check.
        :return: The excluded products.
        :rtype: product.product|product.template
        """
        self.ensure_one()
        provider_sudo = self.sudo()
        if not products or not (
            provider_sudo.aps_tamara_excluded_product_ids or provider_sudo.aps_tamara_excluded_categ_ids
        ):
            return products.browse()
        templates = provider_sudo.aps_tamara_excluded_product_ids
        categories = self.env['product.category'].sudo().search(
            [('id', 'child_of', provider_sudo.aps_tamara_excluded_categ_ids.ids)]
        ) if provider_sudo.aps_tamara_excluded_categ_ids else self.env['product.category']
        return products.filtered(lambda p: (
            (p.product_tmpl_id if p._name == 'product.product' else p) in templates
            or p.categ_id in categories
        ))

    # === BUSINESS METHODS - PHONE === #

    @api.model
    def _aps_tamara_format_phone(self, number, country=None):
        """ Return the number in international (E.164) format if it is a Saudi or Emirati mobile
        number, as Tamara confirms the customer by SMS; False otherwise.

        The number is parsed by `phone_validation` (the `phonenumbers` library); a national number
        is read as a number of the given country if that is Saudi Arabia or the UAE, else of each of
        them in turn.

        :param str number: The number as typed by the customer.
        :param res.country country: The customer's country, if known.
        :return: The number, e.g. +966500000001, or False.
        :rtype: str|bool
        """
        number = (number or '').strip()
        if not number:
            return False
        regions = list(const.PHONE_COUNTRIES)
        if country and country.code in regions:
            regions.remove(country.code)
            regions.insert(0, country.code)
        for region in regions:
            try:
                parsed = phone_validation.phone_parse(number, region)
            except UserError:
                continue
            if phonenumbers.region_code_for_number(parsed) in const.PHONE_COUNTRIES \
                    and phonenumbers.number_type(parsed) in (
                        phonenumbers.PhoneNumberType.MOBILE,
                        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
                    ):
                return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return False

    # === BUSINESS METHODS - WIDGETS === #

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
        if not currency or currency.name not in const.SUPPORTED_CURRENCIES:
            return None
        if products and self._aps_tamara_get_excluded_products(products):
            return None
        provider_sudo = self.sudo()
        public_key = provider_sudo.aps_tamara_public_key_production if self.state == 'enabled' \
            else provider_sudo.aps_tamara_public_key_sandbox
        lang = utils.get_language(lang or self.env.lang)
        country = self._aps_tamara_get_country_code(currency, partner)
        return {
            'placement': placement,
            'script_url': public_key and const.WIDGET_SCRIPT_URLS[
                'enabled' if self.state == 'enabled' else 'test'
            ],
            'public_key': public_key or '',
            'lang': lang,
            'direction': 'rtl' if lang == 'ar' else 'ltr',
            'country': country,
            'amount': float_repr(amount or 0.0, currency.decimal_places),
            'decimal_places': currency.decimal_places,
            'inline_type': const.WIDGET_INLINE_TYPES[placement],
            'badge_url': f'/payment_aps_tamara/static/img/tamara_badge_{lang}.svg',
            'sharia_compliant': country == 'SA',
        }

    @api.model
    def _aps_tamara_get_country_code(self, currency, partner=None):
        """ Return the country whose Tamara rules apply: the billing country if Tamara serves it,
        else the country of the currency.
        """
        if partner and partner.country_id.code in const.SUPPORTED_COUNTRIES:
            return partner.country_id.code
        return const.CURRENCY_COUNTRIES.get(currency.name, const.SUPPORTED_COUNTRIES[0])

    def _aps_tamara_get_checkout_values(self, amount, currency, partner_id=None, order=None):
        """ Return what the Tamara payment option shows at the payment step: its description, its
        badge and widget, and whether the customer's mobile number must be asked for.

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
        lang = utils.get_language(self.env.lang)
        country = self._aps_tamara_get_country_code(currency, partner) if currency \
            else (partner.country_id.code or const.SUPPORTED_COUNTRIES[0])
        phone = partner.mobile or partner.phone or ''
        has_mobile = any(
            self._aps_tamara_format_phone(number, partner.country_id)
            for number in (partner.mobile, partner.phone)
        )
        widget = self.aps_tamara_widget_checkout and self._aps_tamara_get_widget_values(
            'checkout', amount, currency, partner=partner,
        )
        return {
            'sharia_compliant': country == 'SA',
            'badge_url': f'/payment_aps_tamara/static/img/tamara_badge_{lang}.svg',
            'direction': 'rtl' if lang == 'ar' else 'ltr',
            'widget': widget,
            'ask_phone': not has_mobile,
            'phone': phone,
            'phone_country': country,
        }

    # === BUSINESS METHODS - PAYMENT API === #

    @api.model
    def _aps_tamara_new_session(self):
        """ Return a `requests` session for one operation or one batch of paymentApi requests,
        with APS' connect and read timeouts. """
        session = requests.Session()
        adapter = APSTamaraTimeoutAdapter()
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        return session

    def _aps_tamara_make_request(self, payload, session=None, verify_signature=True):
        """ Send a signed request to APS' paymentApi and return its verified answer.

        The merchant's credentials and the language are added and the request is signed with the
        SHA request phrase; the answer's signature is checked with the SHA response phrase before
        anything is read from it. An answer refusing the operation (e.g. status 07) is returned:
        the caller decides; only what leaves the outcome unknown raises. The exchange is recorded
        (secrets masked) on the transaction it is about, for support cases.

        Note: self.ensure_one()

        :param dict payload: The parameters of the command (`command` or `query_command`,
                             `merchant_reference`, `amount`...).
        :param requests.Session session: The session to use; a new one for this request otherwise.
        :param bool verify_signature: Whether to refuse an answer not signed by APS. Only the
                                      connection test, which changes nothing, reads an unverified
                                      answer (APS does not sign some refusals).
        :return: The answer, values as strings.
        :rtype: dict
        :raise ValidationError: If APS cannot be reached, does not answer in time, answers with an
                                HTTP error or an answer that is not signed by APS.
        """
        self.ensure_one()
        credentials = self._aps_tamara_get_credentials()
        params = {
            'access_code': credentials['access_code'],
            'merchant_identifier': credentials['merchant_identifier'],
            'language': const.API_LANGUAGE,
            **payload,
        }
        params['signature'] = self._aps_tamara_calculate_signature(params, incoming=False)
        command = params.get('command') or params.get('query_command')
        reference = params.get('maintenance_reference') or params.get('merchant_reference')
        url = self._aps_tamara_get_api_url()
        _logger.info(
            "Sending APS %s request for %s to %s:\n%s",
            command, reference, url, pprint.pformat(utils.redact(params)),
        )
        tx_sudo = self.env['payment.transaction'].sudo().search(
            [('reference', '=', reference), ('provider_id', '=', self.id)], limit=1
        ) if reference else None

        def record(state, answer=None, note=None):
            self.env['payment.aps_tamara.log']._aps_tamara_record(
                'api', state, provider=self, tx=tx_sudo, sent=params, received=answer, note=note,
            )

        own_session = session is None
        session = session or self._aps_tamara_new_session()
        try:
            response = session.post(url, json=params)
        except requests.exceptions.Timeout:
            _logger.warning("APS did not answer in time to %s for %s.", command, reference)
            record('failed', note="timeout")
            if 'query_command' in params:  # A query changes nothing at APS.
                raise ValidationError("Tamara: " + _(
                    "Amazon Payment Services did not answer in time. Please try again in a few "
                    "minutes."
                ))
            raise ValidationError("Tamara: " + _(
                "Amazon Payment Services did not answer in time. The operation may still have been "
                "made: do not repeat it, its result will be checked automatically."
            ))
        except requests.exceptions.RequestException as error:
            _logger.warning(
                "Could not reach APS for %s of %s: %s", command, reference, error.__class__.__name__
            )
            record('failed', note=error.__class__.__name__)
            raise ValidationError("Tamara: " + _(
                "Could not reach Amazon Payment Services. Please check the connection and try "
                "again in a few minutes."
            ))
        finally:
            if own_session:
                session.close()
        if response.status_code >= 400:
            _logger.warning(
                "APS answered HTTP %s to %s for %s.", response.status_code, command, reference
            )
            record('failed', note=f"HTTP {response.status_code}")
            raise ValidationError("Tamara: " + _(
                "Amazon Payment Services is unavailable (HTTP error %(status)s). Please try again "
                "in a few minutes.", status=response.status_code,
            ))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            _logger.warning("APS answered %s for %s with no JSON object.", command, reference)
            record('malformed', note="no JSON object")
            raise ValidationError("Tamara: " + _(
                "Amazon Payment Services sent an unreadable answer. Please try again later."
            ))
        answer = utils.normalize_notification(answer)
        if not self._aps_tamara_is_signature_valid(answer):
            _logger.warning(
                "APS answered %s for %s with a missing or invalid signature (response code %s).",
                command, reference, answer.get('response_code'),
            )
            record('forged', answer=answer)
            if not verify_signature:
                return answer
            raise ValidationError("Tamara: " + _(
                "The answer of Amazon Payment Services could not be verified (invalid signature): "
                "check the SHA response phrase and SHA type of the provider. The operation may "
                "have been made: do not repeat it, its result will be checked automatically."
            ))
        _logger.info(
            "APS answer to %s for %s:\n%s", command, reference, pprint.pformat(utils.redact(answer))
        )
        record('accepted', answer=answer)
        return answer

    def _aps_tamara_get_refusal_message(self, answer):
        """ Return a message the merchant can act on for an answer refusing an operation.

        :param dict answer: The verified answer of APS.
        :return: The message, APS' own message and code included.
        :rtype: str
        """
        message_code = utils.get_message_code(answer.get('response_code'))
        hints = {
            '008': _("Check the SHA request phrase and SHA type of the provider."),
            '009': _("Check the merchant identifier of the provider."),
            '010': _("Check the access code of the provider."),
            '013': _("The currency differs from the payment's."),
            '034': _("APS does not allow this operation on this payment (declined, canceled, "
                     "voided or not captured)."),
            '036': _("APS does not know this payment."),
            '042': _("The amount exceeds what is left to capture."),
            '048': _("The amount exceeds what is left to refund."),
            '662': _("The payment is not confirmed yet; try again once it is."),
        }
        message = _(
            "Amazon Payment Services refused the operation: %(message)s (code %(code)s).",
            message=answer.get('response_message') or _("no reason given"),
            code=answer.get('response_code') or '-',
        )
        if hint := hints.get(message_code):
            message = f"{message} {hint}"
        return message

    # === THE MERCHANT'S SIDE: setup, connection test, notification health === #

    @api.model
    def _aps_tamara_find_provider(self, data):
        """ Return the Tamara provider a message names by its `merchant_identifier`, to attribute
        a message about no known transaction; nothing if none or if providers of several companies
        share the identifier (it would be counted in a company it does not belong to).

        :param dict data: The received message.
        :return: The sudoed provider, or an empty recordset.
        :rtype: payment.provider
        """
        identifier = data.get('merchant_identifier') if isinstance(data, dict) else None
        if not identifier or not isinstance(identifier, str):
            return self.sudo().browse()
        providers = self.sudo().search([
            ('code', '=', const.PROVIDER_CODE),
            '|', ('aps_tamara_merchant_identifier', '=', identifier),
            ('aps_tamara_merchant_identifier_test', '=', identifier),
        ])
        return providers[:1] if len(providers.company_id) == 1 else providers.browse()

    def write(self, values):
        """ Override of `payment` to forget a successful connection test once the credentials it
        tested change. """
        values = dict(values)
        for environment, suffix in (('test', '_test'), ('enabled', '')):
            if any(f'aps_tamara_{name}{suffix}' in values for name in const.CREDENTIAL_NAMES):
                values.setdefault(f'aps_tamara_connected_{environment}_at', False)
        return super().write(values)

    @api.depends('code')
    def _compute_aps_tamara_urls(self):
        # Imported here: the controllers import the models' module.
        from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController  # noqa: PLC0415

        for provider in self:
            base_url = provider.get_base_url()
            provider.aps_tamara_return_url = urls.url_join(
                base_url, APSTamaraController._return_url
            )
            provider.aps_tamara_webhook_url = urls.url_join(
                base_url, APSTamaraController._webhook_url
            )

    def _compute_aps_tamara_health(self):
        """ Compute the notification health from the record of received messages. """
        log_model = self.env['payment.aps_tamara.log'].sudo()
        since = fields.Datetime.now() - timedelta(days=const.HEALTH_WINDOW_DAYS)
        for provider in self:
            if provider.code != const.PROVIDER_CODE or not provider.id:
                provider.update({
                    'aps_tamara_last_notification_at': False,
                    'aps_tamara_accepted_count': 0, 'aps_tamara_forged_count': 0,
                    'aps_tamara_unknown_count': 0, 'aps_tamara_stuck_count': 0,
                    'aps_tamara_unnotified_count': 0, 'aps_tamara_health_warning': False,
                })
                continue
            counts = dict(log_model._read_group(
                [('provider_id', '=', provider.id), ('channel', '=', 'webhook'),
                 ('create_date', '>=', since)],
                groupby=['state'], aggregates=['__count'],
            ))
            last = log_model.search([
                ('provider_id', '=', provider.id), ('channel', '=', 'webhook'),
                ('state', '=', 'accepted'),
            ], order='id desc', limit=1)
            tx_model = self.env['payment.transaction'].sudo()
            stuck_count = tx_model.search_count(provider._aps_tamara_get_stuck_domain())
            unnotified_count = tx_model.search_count(provider._aps_tamara_get_unnotified_domain())
            warning = False
            if unnotified_count:
                warning = _(
                    "%(count)s Tamara payments got their answer from Amazon Payment Services "
                    "without any notification reaching Odoo. Check the Notification URLs in the "
                    "APS back office (Integration Settings > Technical Settings): they must be "
                    "%(url)s, reachable from the internet.",
                    count=unnotified_count, url=provider.aps_tamara_webhook_url,
                )
            provider.update({
                'aps_tamara_last_notification_at': last.create_date,
                'aps_tamara_accepted_count': counts.get('accepted', 0),
                'aps_tamara_forged_count': counts.get('forged', 0),
                'aps_tamara_unknown_count': counts.get('unknown', 0),
                'aps_tamara_stuck_count': stuck_count,
                'aps_tamara_unnotified_count': unnotified_count,
                'aps_tamara_health_warning': warning,
            })

    def _aps_tamara_get_stuck_domain(self):
        """ Return the domain of the provider's Tamara payments still pending after the check
        delay, or authorized after the alert delay. """
        self.ensure_one()
        pending_before = fields.Datetime.now() - timedelta(
            minutes=max(self.aps_tamara_check_after, 0)
        )
        return expression.OR([
            [
                ('provider_id', '=', self.id), ('operation', '!=', 'refund'),
                ('state', '=', 'pending'), ('last_state_change', '<=', pending_before),
            ],
            self._aps_tamara_get_old_authorizations_domain(),
        ])

    def _aps_tamara_get_old_authorizations_domain(self):
        """ Return the domain of the provider's Tamara payments authorized for longer than the
        alert delay: they are to be captured or voided. """
        self.ensure_one()
        authorized_before = fields.Datetime.now() - timedelta(
            days=max(self.aps_tamara_authorized_alert_after, 0)
        )
        return [
            ('provider_id', '=', self.id), ('operation', '!=', 'refund'),
            ('state', '=', 'authorized'), ('last_state_change', '<=', authorized_before),
        ]

    def _aps_tamara_get_unnotified_domain(self):
        """ Return the domain of the provider's recent payments that APS answered about (by the
        shopper's return or a status check) without any notification arriving since. """
        self.ensure_one()
        now = fields.Datetime.now()
        return [
            ('provider_id', '=', self.id), ('operation', '!=', 'refund'),
            ('aps_tamara_response_code', '!=', False),
            ('last_state_change', '>=', now - timedelta(days=const.HEALTH_WINDOW_DAYS)),
            ('last_state_change', '<=', now - timedelta(minutes=const.NOTIFICATION_GRACE_MINUTES)),
            ('aps_tamara_log_ids', 'not any', [
                ('channel', '=', 'webhook'), ('state', '=', 'accepted'),
            ]),
        ]

    def action_aps_tamara_view_payments(self):
        """ Open the provider's Tamara payments to act on: `self.env.context['aps_tamara_list']`
        is 'stuck' (pending or authorized for too long) or 'unnotified' (no notification). """
        self.ensure_one()
        unnotified = self.env.context.get('aps_tamara_list') == 'unnotified'
        domain = self._aps_tamara_get_unnotified_domain() if unnotified \
            else self._aps_tamara_get_stuck_domain()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Tamara payments without notification") if unnotified
            else _("Tamara payments waiting for too long"),
            'res_model': 'payment.transaction',
            'view_mode': 'list,form',
            'domain': domain,
            'context': {'create': False},
        }

    def action_aps_tamara_view_messages(self):
        """ Open the messages exchanged with APS by the provider. """
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Messages exchanged with Amazon Payment Services"),
            'res_model': 'payment.aps_tamara.log',
            'view_mode': 'list,form',
            'domain': [('provider_id', '=', self.id)],
            'context': {'create': False, 'search_default_notifications': 1},
        }

    # Connection test.

    def action_aps_tamara_test_connection(self):
        """ Check the credentials of the provider's state with one signed CHECK_STATUS about a
        reference that cannot exist, and tell the merchant the outcome in plain words.

        With the right credentials APS answers, signed, that it does not know the order. A wrong
        merchant identifier or access code, or a wrong request phrase or SHA type, is refused with
        a dedicated code; an answer not signed with the response phrase means a wrong response
        phrase or SHA type.

        :return: A `display_notification` client action.
        :rtype: dict
        """
        self.ensure_one()
        title, message, kind = self._aps_tamara_test_connection()
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': title,
                'message': message,
                'type': kind,
                'sticky': kind != 'success',
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }

    def _aps_tamara_test_connection(self):
        """ Run the connection test with the credentials and endpoint of the provider's state.

        :return: The title, the message and the kind ('success', 'warning' or 'danger').
        :rtype: tuple
        """
        self.ensure_one()
        environment = self.state
        if environment not in ('test', 'enabled'):
            return _("Connection not tested"), _(
                "Set the provider to Test Mode (sandbox account) or Enabled (production account) "
                "first: the test uses the credentials of that account."
            ), 'warning'
        provider = self
        account = _("sandbox") if environment == 'test' else _("production")
        credentials = self._aps_tamara_get_credentials()
        if missing := [name for name in const.CREDENTIAL_NAMES if not credentials[name]]:
            return _("Connection not tested"), _(
                "Fill in the %(account)s credentials first (missing: %(fields)s).",
                account=account, fields=", ".join(
                    self._fields[f'aps_tamara_{name}{const.CREDENTIAL_SUFFIXES[environment]}']
                    ._description_string(self.env) for name in missing
                ),
            ), 'warning'
        failed = _("The connection test failed")
        try:
            answer = provider._aps_tamara_make_request({
                'query_command': 'CHECK_STATUS',
                'merchant_reference': const.CONNECTION_TEST_REFERENCE,
            }, verify_signature=False)
        except ValidationError as error:
            return failed, _(
                "Amazon Payment Services could not be reached at %(url)s. %(reason)s",
                url=provider._aps_tamara_get_api_url(), reason=error.args[0].removeprefix("Tamara: "),
            ), 'danger'
        message_code = utils.get_message_code(answer.get('response_code'))
        if message_code == const.WRONG_MERCHANT_MESSAGE_CODE:
            return failed, _(
                "APS does not know the merchant identifier %(identifier)s. Check the %(account)s "
                "Merchant Identifier (APS back office: Integration Settings > Security Settings).",
                identifier=credentials['merchant_identifier'], account=account,
            ), 'danger'
        if message_code == const.WRONG_ACCESS_CODE_MESSAGE_CODE:
            return failed, _(
                "APS refused the access code. Check the %(account)s Access Code (APS back office: "
                "Integration Settings > Security Settings).", account=account,
            ), 'danger'
        if message_code == const.WRONG_SIGNATURE_MESSAGE_CODE:
            return failed, _(
                "APS could not verify the signature of the request: the %(account)s SHA Request "
                "Phrase or SHA Type differs from the APS back office.", account=account,
            ), 'danger'
        if not provider._aps_tamara_is_signature_valid(answer):
            return failed, _(
                "APS answered, but its answer is not signed with your SHA Response Phrase: the "
                "%(account)s SHA Response Phrase or SHA Type differs from the APS back office.",
                account=account,
            ), 'danger'
        if utils.is_order_not_found(answer) \
                or answer.get('status') == const.CHECK_STATUS_SUCCESS_STATUS:
            self.write({f'aps_tamara_connected_{environment}_at': fields.Datetime.now()})
            return _("The connection works"), _(
                "Amazon Payment Services accepted the %(account)s merchant identifier, access code, "
                "SHA phrases and SHA type.", account=account,
            ), 'success'
        return failed, _(
            "Amazon Payment Services answered: %(message)s (code %(code)s).",
            message=answer.get('response_message') or _("no reason given"),
            code=answer.get('response_code') or '-',
        ), 'danger'

    # Go-live checklist.

    @api.depends('state', 'aps_tamara_connected_test_at', 'aps_tamara_connected_enabled_at')
    def _compute_aps_tamara_go_live_checklist(self):
        for provider in self:
            if provider.code != const.PROVIDER_CODE or not provider.id:
                provider.aps_tamara_go_live_checklist = False
                continue
            titles = {True: _("Done"), False: _("To do")}
            items = Markup().join(
                Markup('<li class="list-unstyled"><i class="fa fa-fw %s me-1" title="%s"/>%s</li>')
                % (
                    'fa-check-square-o text-success' if done else 'fa-square-o text-muted',
                    titles[bool(done)],
                    label,
                ) for label, done in provider._aps_tamara_get_go_live_checklist()
            )
            provider.aps_tamara_go_live_checklist = Markup('<ul class="ps-0 mb-0">%s</ul>') % items

    def _aps_tamara_get_go_live_checklist(self):
        """ Return the go-live steps of APS' Tamara guide, each with whether it is satisfied.

        :return: The steps as (label, done) pairs, in order.
        :rtype: list[tuple]
        """
        self.ensure_one()
        tx_model = self.env['payment.transaction'].sudo()

        def has_tx(states):
            return bool(tx_model.search_count(
                [('provider_id', '=', self.id), ('operation', '!=', 'refund'),
                 ('state', 'in', states)], limit=1,
            ))

        def is_complete(environment):
            return all(self._aps_tamara_get_credentials(environment).values())

        public_key = self.aps_tamara_public_key_production if self.state == 'enabled' \
            else self.aps_tamara_public_key_sandbox
        return [
            (_("Tamara activated on the APS sandbox account and the sandbox credentials filled "
               "in"), is_complete('test')),
            (_("Sandbox connection test passed"), bool(self.aps_tamara_connected_test_at)),
            (_("Notification URLs set in the APS back office (a notification was received)"),
             bool(self.aps_tamara_last_notification_at)),
            (_("A successful payment tried"), has_tx(('done', 'authorized'))),
            (_("A declined or canceled payment tried"), has_tx(('error', 'cancel'))),
            (_("Payments captured at once (unless you capture them yourself on purpose)"),
             self.aps_tamara_capture_immediately),
            (_("Tamara's widgets shown on product pages and at checkout (mandatory)"),
             bool(public_key) and self.aps_tamara_widget_product
             and self.aps_tamara_widget_checkout),
            (_("Production credentials filled in (APS enables Tamara in production after your "
               "sandbox tests)"), is_complete('enabled')),
            (_("Production connection test passed"), bool(self.aps_tamara_connected_enabled_at)),
            (_("Notifications arriving: no payment without notification"),
             bool(self.aps_tamara_last_notification_at) and not self.aps_tamara_unnotified_count),
        ]
