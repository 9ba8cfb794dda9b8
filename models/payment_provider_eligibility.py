# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import phonenumbers

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import compat, const
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.phone_validation.tools import phone_validation


class PaymentProvider(models.Model):
    """ Who may pay with Tamara: currency, billing country, amount limits, excluded products, and
    a Saudi or Emirati mobile number
    (https://paymentservices.amazon.com/docs/payment-methods/BNPL/Tamara).
    """
    _inherit = 'payment.provider'

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

    # === CONSTRAINT METHODS === #

    @api.constrains(
        'aps_tamara_min_amount_sar', 'aps_tamara_max_amount_sar',
        'aps_tamara_min_amount_aed', 'aps_tamara_max_amount_aed',
    )
    def _check_aps_tamara_amount_limits(self):
        for provider in self.filtered(lambda p: p.code == const.PROVIDER_CODE):
            for currency in aps_const.SUPPORTED_CURRENCIES:
                minimum, maximum = provider._aps_tamara_get_amount_limits(currency)
                if minimum < 0 or maximum < 0 or (maximum and minimum > maximum):
                    raise ValidationError(_(
                        "The Tamara limits in %(currency)s must be positive, and the minimum may "
                        "not exceed the maximum.", currency=currency,
                    ))

    # === BUSINESS METHODS === #

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
                amount, currency, partner, order.order_line.product_id
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

    def _aps_tamara_get_ineligibility_reasons(self, amount, currency, partner, products):
        """ Return why Tamara cannot pay this amount for this customer and these products.

        The one home of the rules: applied when the payment methods are drawn
        (`_get_compatible_providers`) and when a Tamara payment request is built
        (`payment.transaction._aps_tamara_check_eligibility`).

        :param float amount: The amount to pay, or None if unknown.
        :param res.currency currency: The currency of the amount.
        :param res.partner partner: The billing partner.
        :param product.product products: The products bought (of the order or the invoice paid).
        :return: The reasons, readable by the merchant; empty if Tamara is eligible.
        :rtype: list[str]
        """
        self.ensure_one()
        if not currency:
            return []
        if currency.name not in aps_const.SUPPORTED_CURRENCIES:
            return [_(
                "Tamara accepts %(currencies)s only, not %(currency)s",
                currencies=", ".join(aps_const.SUPPORTED_CURRENCIES), currency=currency.name,
            )]

        reasons = []
        expected_country_id = self._aps_tamara_get_country_id(
            aps_const.CURRENCY_COUNTRIES[currency.name]
        )
        if partner.country_id.id != expected_country_id:
            reasons.append(_(
                "Tamara needs a billing address in %(country)s to pay in %(currency)s "
                "(billing country: %(billing_country)s)",
                country=self.env['res.country'].browse(expected_country_id).name,
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
        if excluded_products := self._aps_tamara_get_excluded_products(products):
            reasons.append(_(
                "the cart contains products excluded from Tamara: %(products)s",
                products=", ".join(excluded_products.mapped('display_name')),
            ))
        return reasons

    @api.model
    def _aps_tamara_get_country_id(self, code):
        """ Return the id of the country of an ISO code, by Odoo's own record of it (`base.sa`,
        `base.ae`), whose id the registry caches: the eligibility check, run on every checkout,
        then compares ids without reading the country.

        :param str code: The ISO 3166-1 alpha-2 code, e.g. 'SA'.
        :return: The `res.country` id; 0 if there is no such country.
        :rtype: int
        """
        return self.env['ir.model.data']._xmlid_to_res_id(
            f'base.{code.lower()}', raise_if_not_found=False
        ) or self.env['res.country'].search([('code', '=', code)], limit=1).id

    def _aps_tamara_get_excluded_products(self, products):
        """ Return those of the products the merchant excluded from Tamara, by product or by
        category (subcategories included).

        :param product.product|product.template products: The products to check.
        :return: The excluded products.
        :rtype: product.product|product.template
        """
        self.ensure_one()
        settings = self._aps_tamara_get_cached_settings()
        templates, categories = settings.excluded_template_ids, settings.excluded_categ_ids
        if not products or not (templates or categories):
            return products.browse()  # Nothing read of the products: the case of most pages.

        def is_excluded(product):
            template = product.product_tmpl_id if product._name == 'product.product' else product
            # The category's path (its ancestors' ids and its own) as it is now, rather than a
            # cached expansion of the excluded categories, which a moved category would outdate.
            return template.id in templates or (categories and not categories.isdisjoint(
                int(categ_id) for categ_id in product.categ_id.parent_path.split('/') if categ_id
            ))

        return products.sudo().filtered(is_excluded).with_env(products.env)

    @api.model
    def _aps_tamara_get_partner_mobile(self, partner):
        """ Return the contact's number Tamara can use (its mobile, else its phone, if a Saudi or
        Emirati mobile number), in international format; False if it has none, in which case the
        payment step asks for it.

        :param res.partner partner: The contact.
        :return: The number, e.g. +966500000001, or False.
        :rtype: str|bool
        """
        return next(filter(None, (
            self._aps_tamara_format_phone(number, partner.country_id)
            for number in (compat.get_partner_mobile(partner), partner.phone)
        )), False)

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
        regions = list(aps_const.SUPPORTED_COUNTRIES)
        if country:  # The customer's own country first; compared by id, reading no country.
            regions.sort(key=lambda code: country.id != self._aps_tamara_get_country_id(code))
        for region in regions:
            try:
                parsed = phone_validation.phone_parse(number, region)
            except UserError:
                continue
            if phonenumbers.region_code_for_number(parsed) in aps_const.SUPPORTED_COUNTRIES \
                    and phonenumbers.number_type(parsed) in (
                        phonenumbers.PhoneNumberType.MOBILE,
                        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
                    ):
                return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return False
