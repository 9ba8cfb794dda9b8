# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from werkzeug import urls

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import const, utils
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController


_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = 'payment.transaction'

    aps_tamara_convenience_fee = fields.Integer(
        string="Convenience Fee (minor units)",
        help="The convenience fee sent to APS with the payment, in minor currency units. APS adds "
             "it to the amount it confirms.",
        readonly=True,
    )
    aps_tamara_response_code = fields.Char(string="APS Response Code", readonly=True)
    aps_tamara_response_message = fields.Char(string="APS Response Message", readonly=True)

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
        if provider_code != const.PROVIDER_CODE or utils.is_valid_merchant_reference(reference):
            return reference
        return super()._compute_reference(
            provider_code,
            prefix=payment_utils.singularize_reference_prefix(separator=separator),
            separator=separator,
            **kwargs,
        )

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

        params = self._aps_tamara_prepare_purchase_request()
        params['signature'] = self.provider_id._aps_tamara_calculate_signature(
            params, incoming=False
        )
        return {
            'api_url': self.provider_id._aps_tamara_get_payment_page_url(),
            'fields': utils.RedactedDict(params),
        }

    def _aps_tamara_prepare_purchase_request(self):
        """ Build and check the parameters of the Tamara PURCHASE request, signature excluded.

        :return: The request parameters.
        :rtype: dict
        :raise ValidationError: If a parameter cannot be made valid.
        """
        self.ensure_one()
        if self.currency_id.name not in const.SUPPORTED_CURRENCIES:
            raise ValidationError("Tamara: " + _(
                "Tamara accepts payments in %(currencies)s only, not in %(currency)s.",
                currencies=", ".join(const.SUPPORTED_CURRENCIES), currency=self.currency_id.name,
            ))
        if not self.partner_email:
            raise ValidationError("Tamara: " + _(
                "An email address is required to pay with Tamara. Please add it to your address."
            ))

        provider_sudo = self.provider_id.sudo()
        params = {
            'command': 'PURCHASE',
            'access_code': provider_sudo.aps_tamara_access_code,
            'merchant_identifier': provider_sudo.aps_tamara_merchant_identifier,
            'merchant_reference': self.reference,
            'amount': str(payment_utils.to_minor_currency_units(self.amount, self.currency_id)),
            'currency': self.currency_id.name,
            'language': utils.get_language(self.partner_lang),
            'customer_email': self.partner_email.strip(),
            'payment_option': const.PAYMENT_OPTION,
            'phone_number': self._aps_tamara_get_phone_number(),
            'order_description': self._aps_tamara_get_order_description(),
            'return_url': urls.url_join(
                self.provider_id.get_base_url(), APSTamaraController._return_url
            ),
        }
        if customer_name := utils.clean_text(self.partner_name, 'customer_name'):
            params['customer_name'] = customer_name
        if request and (customer_ip := utils.normalize_ip(request.httprequest.remote_addr)):
            params['customer_ip'] = customer_ip
        params.update(self._aps_tamara_get_optional_request_values())

        if int(params['amount']) <= 0:
            raise ValidationError("Tamara: " + _("The amount to pay must be positive."))
        self._aps_tamara_check_request(params)
        self.aps_tamara_convenience_fee = int(params.get('convenience_fee') or 0)
        return params

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
        if isinstance(params.get('order_metadata'), (dict, list)):
            params['order_metadata'] = utils.serialize_order_metadata(params['order_metadata'])
        for name in const.OPTIONAL_REQUEST_PARAMETERS:
            if name in params and params[name] in (None, '', 0):
                del params[name]
            elif name in params:
                params[name] = str(params[name])
        errors = utils.check_request(params)
        if errors:
            _logger.warning(
                "Tamara request for transaction %s refused before sending: %s",
                self.reference, utils.redact(errors),
            )
            raise ValidationError("Tamara: " + _(
                "This payment cannot be sent to Tamara because of invalid data (%(details)s). "
                "Please contact the shop.",
                details="; ".join(f"{name}: {reason}" for name, reason in errors.items()),
            ))

    def _aps_tamara_get_phone_number(self):
        """ Return the customer's mobile phone number in international (E.164) format.

        Tamara verifies the customer by SMS, so the number must be a Saudi or Emirati mobile
        number (`payment.provider._aps_tamara_format_phone`, which relies on `phone_validation`
        and the `phonenumbers` library); the first valid one of the customer's mobile and phone
        numbers is sent.

        :return: The phone number, e.g. +966500000001.
        :rtype: str
        :raise ValidationError: If the customer has no valid mobile phone number.
        """
        self.ensure_one()
        partner = self.partner_id
        numbers = [n for n in (partner.mobile, self.partner_phone, partner.phone) if n]
        if not numbers:
            raise ValidationError("Tamara: " + _(
                "Tamara needs your mobile phone number to confirm your identity. Please add it to "
                "your address and try again."
            ))
        country = self.partner_country_id or partner.country_id or self.company_id.country_id
        formatted = next(filter(None, (
            self.provider_id._aps_tamara_format_phone(n, country) for n in numbers
        )), False)
        if not formatted:
            number = numbers[0]
            raise ValidationError("Tamara: " + _(
                "The phone number %(number)s is not valid. Please correct it in your address and "
                "try again.", number=number,
            ))
        return formatted

    def _aps_tamara_get_order_description(self):
        """ Return what is paid for: the order reference followed by the items bought.

        Product names are taken in English, as APS accepts only Latin letters in this field.

        :return: The order description, at most 150 allowed characters.
        :rtype: str
        """
        self.ensure_one()
        tx_en = self.with_context(lang='en_US')
        orders = tx_en.sale_order_ids
        if orders:
            reference = ' '.join(orders.mapped('name'))
            lines = orders.order_line.filtered(lambda line: not line.display_type)
            items = [
                f"{line.product_uom_qty:g} x {line.product_id.name or line.name}"
                for line in lines
            ]
        else:
            invoices = tx_en.invoice_ids
            reference = ' '.join(invoices.mapped('name')) or self.reference
            lines = invoices.invoice_line_ids.filtered(lambda line: line.display_type == 'product')
            items = [f"{line.quantity:g} x {line.product_id.name or line.name}" for line in lines]
        return utils.build_order_description(reference, items) or self.reference

    # === BUSINESS METHODS - NOTIFICATIONS === #

    def _get_tx_from_notification_data(self, provider_code, notification_data):
        """ Override of `payment` to find the transaction from APS' `merchant_reference`, and lock
        it so that concurrent messages about it (return, notifications) are applied one at a time.

        :param str provider_code: The code of the provider that handled the transaction.
        :param dict notification_data: The notification data sent by the provider.
        :return: The transaction if found.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the data match no transaction.
        """
        tx = super()._get_tx_from_notification_data(provider_code, notification_data)
        if provider_code != const.PROVIDER_CODE or len(tx) == 1:
            return tx

        reference = notification_data.get('merchant_reference')
        if not reference or not isinstance(reference, str):
            raise ValidationError("Tamara: " + _("Received data with missing reference."))
        tx = self.search(
            [('reference', '=', reference), ('provider_code', '=', const.PROVIDER_CODE)]
        )
        if not tx:
            raise ValidationError("Tamara: " + _(
                "No transaction found matching reference %s.", reference
            ))
        self.env.cr.execute(SQL(
            'SELECT 1 FROM payment_transaction WHERE id = %s FOR NO KEY UPDATE', tx.id
        ))
        return tx

    def _process_notification_data(self, notification_data):
        """ Override of `payment` to process the transaction based on APS data.

        The data must have been signature-checked. A message that would move the transaction out
        of a final state, or back to an earlier one, is stale and ignored; the same message twice
        changes nothing.

        Note: self.ensure_one()

        :param dict notification_data: The notification data sent by APS, values as strings.
        :return: None
        :raise ValidationError: If inconsistent data are received.
        """
        super()._process_notification_data(notification_data)
        if self.provider_code != const.PROVIDER_CODE:
            return

        command = notification_data.get('command')
        if command and command not in const.PAYMENT_COMMANDS:
            _logger.info(
                "Ignored APS %s message for transaction %s: not a payment result.",
                command, self.reference,
            )
            return
        status = notification_data.get('status')
        response_code = notification_data.get('response_code') or ''
        if not status:
            raise ValidationError("Tamara: " + _("Received data with missing payment status."))

        target_state = utils.map_status(status, response_code)
        if not utils.is_transition_allowed(self.state, target_state):
            _logger.info(
                "Ignored stale APS message for transaction %s: it is %s, the message says %s "
                "(response code %s).", self.reference, self.state, target_state, response_code,
            )
            return

        message = notification_data.get('response_message') or ''
        aps_values = {
            'aps_tamara_response_code': response_code,
            'aps_tamara_response_message': message,
            'provider_reference': notification_data.get('fort_id') or self.provider_reference,
        }
        if changed_values := {k: v for k, v in aps_values.items() if self[k] != v}:
            self.write(changed_values)
        if target_state in ('done', 'authorized', 'pending') \
                and not self._aps_tamara_is_amount_confirmed(notification_data):
            _logger.warning(
                "APS confirmed %s %s for transaction %s of %s %s: set in error.",
                notification_data.get('amount'), notification_data.get('currency'),
                self.reference, self.amount, self.currency_id.name,
            )
            self._set_error("Tamara: " + _(
                "The amount or currency confirmed by Amazon Payment Services does not match the "
                "payment. Please contact the shop."
            ))
        elif target_state == 'done':
            self._set_done()
        elif target_state == 'authorized':
            self._set_authorized()
        elif target_state == 'pending':
            self._set_pending()
        elif target_state == 'cancel':
            self._set_canceled(state_message=message or _("The payment was canceled."))
        else:
            _logger.info(
                "APS refused transaction %s with response code %s: %s",
                self.reference, response_code, message,
            )
            self._set_error("Tamara: " + (message or _("The payment was refused.")))

    def _aps_tamara_is_amount_confirmed(self, notification_data):
        """ Check that the amount and currency of APS' message are those of the transaction.

        APS confirms the amount in minor units, convenience fee included.

        :param dict notification_data: The notification data sent by APS.
        :return: Whether the amount and currency match.
        :rtype: bool
        """
        amount = notification_data.get('amount') or ''
        if not amount.isdigit():
            return False
        expected = payment_utils.to_minor_currency_units(self.amount, self.currency_id) \
            + self.aps_tamara_convenience_fee
        return int(amount) == expected and notification_data.get('currency') == self.currency_id.name
