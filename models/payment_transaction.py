# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from werkzeug import urls

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import compat, const
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import params as aps_params
from odoo.addons.payment_aps_tamara.aps import redact
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """ A Tamara payment: its APS fields and the signed PURCHASE request of APS' hosted page.

    The other concerns are in `payment_transaction_*.py`: APS' messages (processing), refund,
    capture and void (operations), the status checks of the reconciliation (reconciliation).
    """
    _inherit = 'payment.transaction'

    aps_tamara_convenience_fee = fields.Integer(
        string="Convenience Fee (minor units)",
        help="The convenience fee sent to APS with the payment, in minor currency units. APS adds "
             "it to the amount it confirms.",
        readonly=True,
    )
    aps_tamara_response_code = fields.Char(string="APS Response Code", readonly=True)
    aps_tamara_response_message = fields.Char(string="APS Response Message", readonly=True)
    aps_tamara_maintenance_reference = fields.Char(
        string="APS Maintenance Reference",
        help="The unique reference of a refund at APS: sending it again never refunds twice.",
        readonly=True, copy=False, index='btree_not_null',
    )
    aps_tamara_redirected_at = fields.Datetime(
        string="Redirected to Tamara At",
        help="When the shopper was sent to Tamara's page.",
        readonly=True, copy=False,
    )
    aps_tamara_checked_at = fields.Datetime(
        string="Last Checked with APS At", readonly=True, copy=False,
    )
    aps_tamara_status = fields.Char(
        string="APS Status", compute='_compute_aps_tamara_status',
        help="The two-digit status of APS' last answer (e.g. 14 purchase success).",
    )
    aps_tamara_environment = fields.Selection(
        string="APS Account",
        help="The APS account whose credentials signed the payment: every later request about it "
             "(status check, capture, refund) goes with the same account.",
        selection=[('test', "Sandbox"), ('enabled', "Production")],
        readonly=True, copy=False,
    )
    aps_tamara_phone = fields.Char(
        string="Mobile Number for Tamara",
        help="The mobile number the customer typed in at the payment step, sent to Tamara for this "
             "payment.",
        readonly=True, copy=False,
    )
    aps_tamara_payment_option = fields.Char(string="APS Payment Option", readonly=True, copy=False)
    aps_tamara_log_ids = fields.One2many(
        string="Exchange with APS", comodel_name='payment.aps_tamara.log',
        inverse_name='transaction_id', readonly=True,
    )

    # The same database constraint in each series' form (18 reads `_sql_constraints` only).
    if compat.ODOO19:
        _aps_tamara_maintenance_reference_unique = models.Constraint(
            'UNIQUE(source_transaction_id, aps_tamara_maintenance_reference)',
            "A refund with this APS maintenance reference already exists for this payment.",
        )
    else:
        _sql_constraints = [(
            'aps_tamara_maintenance_reference_unique',
            'UNIQUE(source_transaction_id, aps_tamara_maintenance_reference)',
            "A refund with this APS maintenance reference already exists for this payment.",
        )]

    # === COMPUTE METHODS === #

    @api.depends('aps_tamara_response_code')
    def _compute_aps_tamara_status(self):
        for tx in self:
            tx.aps_tamara_status = (tx.aps_tamara_response_code or '')[:2] or False

    # === BUSINESS METHODS - PAYMENT FLOW === #

    @api.model
    def _compute_reference(self, provider_code, prefix=None, separator='-', **kwargs):
        """ Override of `payment` to ensure that the reference is a valid APS merchant reference.

        APS accepts at most 40 letters, digits and `- _ .`. The reference made from the documents'
        names (e.g. S00042-1) is kept when it fits, so that the merchant finds the order in APS'
        back office; otherwise (e.g. an invoice named INV/2026/0001) a dated prefix is used.

        :param str provider_code: The code of the provider handling the transaction.
        :param str prefix: The custom prefix used to compute the full reference.
        :param str separator: The custom separator used to separate the prefix from the suffix.
        :return: The unique reference for the transaction.
        :rtype: str
        """
        reference = super()._compute_reference(
            provider_code, prefix=prefix, separator=separator, **kwargs
        )
        if provider_code != const.PROVIDER_CODE \
                or aps_params.is_valid_merchant_reference(reference):
            return reference
        return super()._compute_reference(
            provider_code,
            prefix=payment_utils.singularize_reference_prefix(separator=separator),
            separator=separator,
            **kwargs,
        )

    def _get_specific_create_values(self, provider_code, values):
        """ Override of `payment` to record, for a payment, the APS account that signs it and when
        the shopper is sent to APS (Odoo creates it and renders its form in one request), and the
        shop pages' language rather than the contact's: Tamara's page and a decline's reason are
        then in the language the shopper is reading.

        :param str provider_code: The code of the provider managing the transaction.
        :param dict values: The original create values.
        :return: The dict of provider-specific create values.
        :rtype: dict
        """
        res = super()._get_specific_create_values(provider_code, values)
        if provider_code != const.PROVIDER_CODE:
            return res
        if not values.get('source_transaction_id'):  # Not a refund or capture of a payment.
            provider = self.env['payment.provider'].browse(values['provider_id'])
            # Every later request about the payment goes with the account that signed it.
            res['aps_tamara_environment'] = provider._aps_tamara_get_environment()
            # The reconciliation asks APS about payments left without answer from now on.
            res['aps_tamara_redirected_at'] = fields.Datetime.now()
        if request and getattr(request, 'is_frontend', False) and request.lang:
            res['partner_lang'] = request.lang.code
        return res

    def _get_specific_rendering_values(self, processing_values):
        """ Override of `payment` to return the signed Tamara PURCHASE request of APS' hosted page.

        Note: self.ensure_one() from `_get_processing_values`

        :param dict processing_values: The generic processing values of the transaction.
        :return: The dict of provider-specific rendering values.
        :rtype: dict
        :raise ValidationError: If the request cannot be made valid (e.g. no phone number); nothing
                                is sent to APS then.
        """
        res = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != const.PROVIDER_CODE:
            return res

        environment = self.provider_id._aps_tamara_get_environment(self)
        params = self._aps_tamara_prepare_purchase_request()
        params['signature'] = self.provider_id._aps_tamara_calculate_signature(
            params, incoming=False, environment=environment,
        )
        # The account and the time are recorded at creation (`_get_specific_create_values`): no
        # write on the checkout's path but for a fee, which APS may add to the amount it confirms.
        if fee := int(params.get('convenience_fee') or 0):
            self.aps_tamara_convenience_fee = fee
        return {
            'api_url': self.provider_id._aps_tamara_get_payment_page_url(environment),
            'fields': redact.RedactedDict(params),
        }

    def _aps_tamara_prepare_purchase_request(self):
        """ Build and check the parameters of the Tamara PURCHASE request, signature excluded.

        :return: The request parameters.
        :rtype: dict
        :raise ValidationError: If a parameter cannot be made valid.
        """
        self.ensure_one()
        paid = self._aps_tamara_read_paid_items()
        self._aps_tamara_check_eligibility(paid)
        if not self.partner_email:
            raise ValidationError(_(
                "An email address is required to pay with Tamara. Please add it to your address."
            ))

        credentials = self.provider_id._aps_tamara_get_credentials(
            self.provider_id._aps_tamara_get_environment(self)
        )
        params = {
            'command': 'PURCHASE',
            'access_code': credentials['access_code'],
            'merchant_identifier': credentials['merchant_identifier'],
            'merchant_reference': self.reference,
            'amount': str(payment_utils.to_minor_currency_units(self.amount, self.currency_id)),
            'currency': self.currency_id.name,
            'language': aps_params.get_language(self.partner_lang),
            'customer_email': self.partner_email.strip(),
            'payment_option': aps_const.PAYMENT_OPTION,
            'phone_number': self._aps_tamara_get_phone_number(),
            'order_description': self._aps_tamara_get_order_description(paid),
            'return_url': urls.url_join(
                self.provider_id.get_base_url(), APSTamaraController._return_url
            ),
        }
        if customer_name := aps_params.clean_text(self.partner_name, 'customer_name'):
            params['customer_name'] = customer_name
        if request and (customer_ip := aps_params.normalize_ip(request.httprequest.remote_addr)):
            params['customer_ip'] = customer_ip
        params.update(self._aps_tamara_get_optional_request_values())

        if int(params['amount']) <= 0:
            raise ValidationError(_("The amount to pay must be positive."))
        self._aps_tamara_check_request(params)
        return params

    def _aps_tamara_read_paid_items(self):
        """ Return what the payment pays for: the orders' references, billing contact and lines,
        else the invoices'.

        The orders and their lines are read in one narrow query, whatever their number (the
        redirect form is built on the checkout's path); the invoices, rarer, through the ORM.
        Product names are taken in English, as APS accepts only Latin letters in the description.

        :return: The documents' `references` (list of str), the billing contact (`partner`,
                 res.partner, possibly empty), the `products` (product.product) and the `items`
                 bought as (quantity, name) pairs.
        :rtype: dict
        """
        self.ensure_one()
        orders_field = self._fields['sale_order_ids']
        invoices_field = self._fields['invoice_ids']
        # Read by SQL: what the ORM holds of the fields read is written first.
        self.flush_recordset(['sale_order_ids', 'invoice_ids'])
        for model, field_names in (
            ('sale.order', ['name', 'partner_invoice_id', 'date_order']),
            ('sale.order.line', ['order_id', 'sequence', 'display_type', 'product_id',
                                 'product_uom_qty', 'name']),
            ('product.product', ['product_tmpl_id']),
            ('product.template', ['name']),
        ):
            self.env[model].flush_model(field_names)
        self.env.cr.execute(SQL(
            """
            SELECT sale_order.id, sale_order.name, sale_order.partner_invoice_id, line.id,
                   line.product_id, line.product_uom_qty, line.display_type,
                   COALESCE(NULLIF(template.name->>'en_US', ''), line.name),
                   EXISTS(SELECT FROM %(invoice_rel)s WHERE %(invoice_rel)s.%(invoice_tx)s = %(tx)s)
              FROM %(order_rel)s
              JOIN sale_order ON sale_order.id = %(order_rel)s.%(order_id)s
         LEFT JOIN sale_order_line line ON line.order_id = sale_order.id
         LEFT JOIN product_product product ON product.id = line.product_id
         LEFT JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE %(order_rel)s.%(order_tx)s = %(tx)s
          ORDER BY sale_order.date_order DESC, sale_order.id DESC, line.sequence, line.id
            """,
            order_rel=SQL.identifier(orders_field.relation),
            order_tx=SQL.identifier(orders_field.column1),
            order_id=SQL.identifier(orders_field.column2),
            invoice_rel=SQL.identifier(invoices_field.relation),
            invoice_tx=SQL.identifier(invoices_field.column1),
            tx=self.id,
        ))
        rows = self.env.cr.fetchall()
        references, partner_ids, product_ids, items = {}, [], [], []
        for order_id, name, partner_id, line_id, product_id, quantity, display_type, label, _i in rows:
            references[order_id] = name
            partner_ids.append(partner_id)
            product_ids.append(product_id)
            if line_id and not display_type:
                items.append((quantity, label))
        paid = {
            'references': list(references.values()),
            'partner': self.env['res.partner'].browse(next(filter(None, partner_ids), ())),
            'products': self.env['product.product'].browse(dict.fromkeys(filter(None, product_ids))),
            'items': items,
        }
        if rows and not rows[0][-1]:
            return paid
        # Invoices: paid alone, or (rarely) with the orders, whose billing contact comes first.
        invoices = self.with_context(lang='en_US').invoice_ids
        lines = invoices.invoice_line_ids.filtered(lambda line: line.display_type == 'product')
        paid['partner'] = paid['partner'] or invoices.partner_id[:1]
        paid['products'] |= lines.product_id
        if not rows:
            paid['references'] = invoices.mapped('name')
            paid['items'] = [(line.quantity, line.product_id.name or line.name) for line in lines]
        return paid

    def _aps_tamara_check_eligibility(self, paid=None):
        """ Refuse a payment Tamara is not offered for, whichever route asked for it, with the
        reasons of the availability report: the rules `_get_compatible_providers` applies when the
        payment methods are drawn (`payment.provider._aps_tamara_get_ineligibility_reasons`).

        The orders or invoices paid give the billing address (the order's invoice address, the
        invoice's partner) and the products; the amount is the one asked of Tamara.

        :param dict paid: What the payment pays for (`_aps_tamara_read_paid_items`), if read.
        :return: None
        :raise ValidationError: If Tamara is not offered for this payment.
        """
        self.ensure_one()
        paid = paid or self._aps_tamara_read_paid_items()
        reasons = self.provider_id._aps_tamara_get_ineligibility_reasons(
            self.amount, self.currency_id, paid['partner'] or self.partner_id, paid['products']
        )
        if reasons:
            _logger.info(
                "Tamara refused for transaction %s before sending: %s",
                self.reference, "; ".join(reasons),
            )
            raise ValidationError(_(
                "Tamara is not available for this payment: %(reasons)s.",
                reasons="; ".join(reasons),
            ))

    def _aps_tamara_get_optional_request_values(self):
        """ Return the optional parameters of the PURCHASE request.

        Vertical modules override this one method to send what their business needs:
        `settlement_reference`, `merchant_extra` to `merchant_extra5`, `convenience_fee` (minor
        units) and, for airline, travel and insurance merchants, `order_metadata` (a dict, sent as
        compact JSON). Every value is checked against APS' rules before signing.

        :return: The optional parameters, by name.
        :rtype: dict
        """
        self.ensure_one()
        return {}

    def _aps_tamara_check_request(self, params):
        """ Check the request parameters against APS' length and character rules.

        :param dict params: The request parameters; `order_metadata` is serialized in place.
        :return: None
        :raise ValidationError: If a parameter is missing or invalid.
        """
        aps_params.prepare_optional_parameters(params)
        errors = aps_params.check_request(params)
        if errors:
            _logger.warning(
                "Tamara request for transaction %s refused before sending: %s",
                self.reference, redact.redact(errors),
            )
            raise ValidationError(_(
                "This payment cannot be sent to Tamara because of invalid data (%(details)s). "
                "Please contact the shop.",
                details="; ".join(f"{name}: {reason}" for name, reason in errors.items()),
            ))

    def _aps_tamara_get_phone_number(self):
        """ Return the customer's mobile phone number in international (E.164) format.

        Tamara verifies the customer by SMS, so the number must be a Saudi or Emirati mobile
        number (`payment.provider._aps_tamara_format_phone`, which relies on `phone_validation`
        and the `phonenumbers` library); the number typed in at the payment step for this payment
        is sent, else the first valid one of the customer's mobile and phone numbers.

        :return: The phone number, e.g. +966500000001.
        :rtype: str
        :raise ValidationError: If the customer has no valid mobile phone number.
        """
        self.ensure_one()
        partner = self.partner_id
        numbers = [n for n in (
            self.aps_tamara_phone, compat.get_partner_mobile(partner), self.partner_phone, partner.phone
        ) if n]
        if not numbers:
            raise ValidationError(_(
                "Tamara needs your mobile phone number to confirm your identity. Please add it to "
                "your address and try again."
            ))
        country = self.partner_country_id or partner.country_id or self.company_id.country_id
        formatted = next(filter(None, (
            self.provider_id._aps_tamara_format_phone(n, country) for n in numbers
        )), False)
        if not formatted:
            number = numbers[0]
            raise ValidationError(_(
                "The phone number %(number)s is not valid. Please correct it in your address and "
                "try again.", number=number,
            ))
        return formatted

    def _aps_tamara_get_order_description(self, paid=None):
        """ Return what is paid for: the order reference followed by the items bought.

        :param dict paid: What the payment pays for (`_aps_tamara_read_paid_items`), if read.
        :return: The order description, at most 150 allowed characters.
        :rtype: str
        """
        self.ensure_one()
        paid = paid or self._aps_tamara_read_paid_items()
        reference = ' '.join(paid['references']) or self.reference
        items = (f"{quantity:g} x {name}" for quantity, name in paid['items'])
        return aps_params.build_order_description(reference, items) or self.reference
