# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
from datetime import timedelta

import psycopg2
from werkzeug import urls

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import SQL, float_repr

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
    aps_tamara_maintenance_reference = fields.Char(
        string="APS Maintenance Reference",
        help="The unique reference of a refund at APS: sending it again never refunds twice.",
        readonly=True, copy=False, index='btree_not_null',
    )
    aps_tamara_redirected_at = fields.Datetime(
        string="Redirected to Tamara At",
        help="When the shopper was last sent to Tamara's page.",
        readonly=True, copy=False,
    )
    aps_tamara_checked_at = fields.Datetime(
        string="Last Checked with APS At", readonly=True, copy=False,
    )
    aps_tamara_status = fields.Char(
        string="APS Status", compute='_compute_aps_tamara_status',
        help="The two-digit status of APS' last answer (e.g. 14 purchase success).",
    )
    aps_tamara_payment_option = fields.Char(string="APS Payment Option", readonly=True, copy=False)
    aps_tamara_log_ids = fields.One2many(
        string="Exchange with APS", comodel_name='payment.aps_tamara.log',
        inverse_name='transaction_id', readonly=True,
    )

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
        # The reconciliation asks APS about payments left without answer from this moment on.
        self.aps_tamara_redirected_at = fields.Datetime.now()
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

        credentials = self.provider_id._aps_tamara_get_credentials()
        params = {
            'command': 'PURCHASE',
            'access_code': credentials['access_code'],
            'merchant_identifier': credentials['merchant_identifier'],
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
        if notification_data.get('command') == 'REFUND':
            return tx._aps_tamara_get_refund_tx_from_notification_data(notification_data)
        return tx

    def _aps_tamara_get_refund_tx_from_notification_data(self, notification_data):
        """ Return the refund transaction a REFUND message is about, or the payment itself for a
        refund Odoo does not know (started in APS' back office); that refund is recorded by
        `_process_notification_data`, once the message is verified.

        :param dict notification_data: The REFUND message about this payment.
        :return: The refund transaction, or this payment.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the message is about a refund sent by Odoo that is not saved yet
                                (its answer is still being processed): APS retries later.
        """
        self.ensure_one()
        maintenance_reference = notification_data.get('maintenance_reference')
        if not maintenance_reference:
            return self
        refund_tx = self.search([
            ('source_transaction_id', '=', self.id),
            ('aps_tamara_maintenance_reference', '=', maintenance_reference),
        ], limit=1)
        if refund_tx:
            return refund_tx
        if maintenance_reference.startswith(f'R-{self.reference}'):
            _logger.info(
                "Received the APS result of refund %s before its request was saved: APS will "
                "send it again.", maintenance_reference,
            )
            raise ValidationError("Tamara: " + _(
                "No refund found matching reference %s.", maintenance_reference
            ))
        return self

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
        if command in const.OPERATION_COMMANDS:
            self._aps_tamara_process_operation_data(command, notification_data)
            return
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
            'aps_tamara_payment_option': notification_data.get('payment_option')
            or self.aps_tamara_payment_option,
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
            if self.provider_id.aps_tamara_capture_immediately:
                self._aps_tamara_capture_immediately()
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

    # === BUSINESS METHODS - REFUND, CAPTURE, VOID === #

    def _aps_tamara_lock_payment(self):
        """ Lock the payment for an operation and mark its row as changed.

        A message about the same payment waits for this transaction to end and, since the row
        changed, is then retried by Odoo with a fresh view of the database: it finds the refund or
        capture saved here rather than missing it.
        """
        self.ensure_one()
        self.env.cr.execute(SQL(
            "UPDATE payment_transaction SET write_date = (NOW() AT TIME ZONE 'UTC') WHERE id = %s",
            self.id,
        ))
        self.invalidate_recordset(['write_date'])

    def _aps_tamara_get_refundable_amount(self):
        """ Return what is left to refund of the payment: its amount less the refunds done or in
        progress and the parts voided.

        :return: The amount, in the payment's currency.
        :rtype: float
        """
        self.ensure_one()
        children = self.child_transaction_ids
        refunded = sum(-tx.amount for tx in children.filtered(
            lambda tx: tx.operation == 'refund' and tx.state not in ('cancel', 'error')
        ))
        voided = sum(tx.amount for tx in children.filtered(
            lambda tx: tx.operation != 'refund' and tx.state == 'cancel'
        ))
        return self.currency_id.round(self.amount - voided - refunded)

    def _aps_tamara_filter_refundable_payments(self):
        """ Return those of the transactions that are Tamara payments with money left to refund.
        """
        return self.filtered(lambda tx: (
            tx.provider_code == const.PROVIDER_CODE and tx.state == 'done'
            and tx.operation != 'refund' and not tx.source_transaction_id
            and tx.currency_id.compare_amounts(tx._aps_tamara_get_refundable_amount(), 0) > 0
        ))

    def _send_refund_request(self, amount_to_refund=None):
        """ Override of `payment` to refund the payment through APS' paymentApi.

        The refund transaction's reference is sent as `maintenance_reference`: sending it again
        (after a timeout, for instance) never refunds twice. A refund whose outcome is unknown
        stays draft; APS' notification or the reconciliation settles it.

        Note: self.ensure_one()

        :param float amount_to_refund: The amount to refund; the whole payment by default.
        :return: The refund transaction.
        :rtype: recordset of `payment.transaction`
        :raise UserError: If the amount exceeds what is left to refund; APS is not called then.
        """
        if self.provider_code != const.PROVIDER_CODE:
            return super()._send_refund_request(amount_to_refund=amount_to_refund)

        self._aps_tamara_lock_payment()
        amount = amount_to_refund or self.amount
        refundable = self._aps_tamara_get_refundable_amount()
        if self.currency_id.compare_amounts(amount, 0) <= 0 \
                or self.currency_id.compare_amounts(amount, refundable) > 0:
            raise UserError(_(
                "You can refund at most %(refundable)s %(currency)s of payment %(reference)s "
                "(refunds done or in progress included), not %(amount)s.",
                refundable=float_repr(refundable, self.currency_id.decimal_places),
                currency=self.currency_id.name, reference=self.reference,
                amount=float_repr(amount, self.currency_id.decimal_places),
            ))
        refund_tx = super()._send_refund_request(amount_to_refund=amount)
        refund_tx.aps_tamara_maintenance_reference = refund_tx.reference
        # Refunded from a credit note: the refund's payment is reconciled with it.
        credit_note = self.env['account.move'].browse(
            self.env.context.get('aps_tamara_credit_note_id')
        ).exists().filtered(lambda move: move.move_type == 'out_refund')
        if credit_note and credit_note.reversed_entry_id in self.invoice_ids:
            refund_tx.invoice_ids = credit_note
        refund_tx._aps_tamara_send_refund()
        return refund_tx

    def _aps_tamara_send_refund(self, session=None):
        """ Send (or send again) the REFUND of this refund transaction and apply APS' answer.

        Note: self.ensure_one()

        :param requests.Session session: The session of a batch, if any.
        :return: None
        """
        self.ensure_one()
        payload = self.source_transaction_id._aps_tamara_prepare_operation_payload(
            'REFUND', amount=-self.amount,
        )
        payload['maintenance_reference'] = self.aps_tamara_maintenance_reference
        try:
            answer = self.provider_id._aps_tamara_make_request(payload, session=session)
        except ValidationError as error:
            # The outcome is unknown: APS may have refunded. The refund stays in progress.
            self.state_message = error.args[0]
            return
        self._handle_notification_data(const.PROVIDER_CODE, answer)

    def _send_capture_request(self, amount_to_capture=None):
        """ Override of `payment` to capture an APS authorization, in full or in part.

        :param float amount_to_capture: The amount to capture; the whole payment by default.
        :return: The partial capture transaction, if any.
        :rtype: recordset of `payment.transaction`
        :raise UserError: If APS refuses the capture; nothing changes then.
        """
        child_capture_tx = super()._send_capture_request(amount_to_capture=amount_to_capture)
        if self.provider_code != const.PROVIDER_CODE:
            return child_capture_tx

        self._aps_tamara_send_operation('CAPTURE', child_capture_tx or self)
        return child_capture_tx

    def _send_void_request(self, amount_to_void=None):
        """ Override of `payment` to void an APS authorization.

        APS voids only a whole authorization not captured yet.

        :param float amount_to_void: The amount to void.
        :return: The partial void transaction, if any.
        :rtype: recordset of `payment.transaction`
        :raise UserError: If APS refuses the void; nothing changes then.
        """
        child_void_tx = super()._send_void_request(amount_to_void=amount_to_void)
        if self.provider_code != const.PROVIDER_CODE:
            return child_void_tx

        self._aps_tamara_send_operation('VOID_AUTHORIZATION', child_void_tx or self)
        return child_void_tx

    def _aps_tamara_prepare_operation_payload(self, command, amount=None):
        """ Return the parameters of a maintenance command about this payment.

        :param str command: REFUND, CAPTURE or VOID_AUTHORIZATION.
        :param float amount: The amount of the operation, if it has one.
        :return: The parameters, credentials and signature excluded.
        :rtype: dict
        """
        self.ensure_one()
        payload = {'command': command, 'merchant_reference': self.reference}
        if amount is not None:
            payload['amount'] = str(payment_utils.to_minor_currency_units(amount, self.currency_id))
            payload['currency'] = self.currency_id.name
        if self.provider_reference:
            payload['fort_id'] = self.provider_reference
        return payload

    def _aps_tamara_send_operation(self, command, operation_tx):
        """ Send a CAPTURE or VOID_AUTHORIZATION of this payment and apply APS' answer.

        :param str command: CAPTURE or VOID_AUTHORIZATION.
        :param payment.transaction operation_tx: The payment, or its partial capture or void.
        :return: None
        :raise UserError: If APS refuses the operation.
        :raise ValidationError: If its outcome is unknown (no answer, unverifiable answer).
        """
        self._aps_tamara_lock_payment()
        amount = operation_tx.amount if command == 'CAPTURE' else None
        payload = self._aps_tamara_prepare_operation_payload(command, amount=amount)
        if operation_tx.aps_tamara_convenience_fee and 'amount' in payload:
            # APS authorized the convenience fee with the amount: capture it with the payment.
            payload['amount'] = str(int(payload['amount']) + operation_tx.aps_tamara_convenience_fee)
        answer = self.provider_id._aps_tamara_make_request(payload)
        if operation_tx._aps_tamara_apply_operation_result(command, answer) == 'error':
            raise UserError(self.provider_id._aps_tamara_get_refusal_message(answer))

    def _aps_tamara_capture_immediately(self):
        """ Capture an authorized payment at once, as the provider is set to. If APS cannot
        capture it now, it stays authorized; the reconciliation tries again.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._send_capture_request()
        except (UserError, ValidationError) as error:
            _logger.warning(
                "Could not capture the authorized Tamara payment %s at once: %s",
                self.reference, error.args[0],
            )

    def _aps_tamara_process_operation_data(self, command, notification_data):
        """ Apply the verified result of a REFUND, CAPTURE or VOID_AUTHORIZATION to the transaction
        it is about: the refund, the partial capture or void in progress, or the payment itself.

        :param str command: The maintenance command.
        :param dict notification_data: The verified message, values as strings.
        :return: None
        """
        if command == 'REFUND':
            operation_tx = self if self.operation == 'refund' \
                else self._aps_tamara_record_refund(notification_data)
        else:
            # A partial capture or void in progress for the same amount, else the whole payment.
            partial_txs = self.child_transaction_ids.filtered(
                lambda tx: tx.operation == self.operation
            )
            operation_tx = partial_txs.filtered(lambda tx: (
                tx.state == 'draft'
                and str(payment_utils.to_minor_currency_units(tx.amount, tx.currency_id))
                == notification_data.get('amount')
            ))[:1]
            if not operation_tx and partial_txs:
                _logger.info(
                    "APS %s result for %s: a partial operation, applied from its answer.",
                    command, self.reference,
                )
                return
            operation_tx = operation_tx or self
        if operation_tx:
            operation_tx._aps_tamara_apply_operation_result(command, notification_data)

    def _aps_tamara_record_refund(self, notification_data):
        """ Record, once, a successful refund that Odoo did not send (started in APS' back office).

        :param dict notification_data: The verified REFUND message about this payment.
        :return: The refund transaction, or nothing if there is no refund to record.
        :rtype: recordset of `payment.transaction`
        """
        self.ensure_one()
        maintenance_reference = notification_data.get('maintenance_reference')
        amount = notification_data.get('amount') or ''
        refund_tx = self.browse()
        if utils.map_operation_status(
            'REFUND', notification_data.get('status'), notification_data.get('response_code')
        ) != 'done':
            return refund_tx
        if not maintenance_reference or not amount.isdigit() \
                or notification_data.get('currency') != self.currency_id.name:
            _logger.warning(
                "Ignored an APS refund of %s without maintenance reference, amount or currency.",
                self.reference,
            )
            return refund_tx
        refund_tx = self._create_child_transaction(
            payment_utils.to_major_currency_units(int(amount), self.currency_id),
            is_refund=True,
            aps_tamara_maintenance_reference=maintenance_reference,
        )
        self._aps_tamara_lock_payment()  # A copy of this message waiting on the lock sees the refund.
        _logger.info(
            "Recorded refund %s of %s, made in APS' back office.", refund_tx.reference,
            self.reference,
        )
        return refund_tx

    def _aps_tamara_apply_operation_result(self, command, notification_data):
        """ Apply APS' answer to an operation on the transaction that carries it.

        A refused operation sets a refund (or a partial capture or void) in error with APS'
        message; the payment itself is left as it is.

        Note: self.ensure_one()

        :param str command: The maintenance command.
        :param dict notification_data: The verified answer or message.
        :return: The state the answer stands for: 'done', 'cancel', 'pending' or 'error'.
        :rtype: str
        :raise ValidationError: If the answer carries no status.
        """
        self.ensure_one()
        status = notification_data.get('status')
        response_code = notification_data.get('response_code') or ''
        if not status:
            raise ValidationError("Tamara: " + _("Received data with missing operation status."))
        target_state = utils.map_operation_status(command, status, response_code)
        if target_state == 'done' and not self._aps_tamara_is_operation_amount_confirmed(
            notification_data
        ):
            _logger.warning(
                "APS confirmed %s %s %s for transaction %s of %s %s.", command,
                notification_data.get('amount'), notification_data.get('currency'),
                self.reference, self.amount, self.currency_id.name,
            )
            target_state = 'error'
            notification_data = dict(notification_data, response_message=_(
                "The amount or currency confirmed by Amazon Payment Services does not match."
            ))
        is_payment = not self.source_transaction_id
        if not utils.is_transition_allowed(self.state, target_state) \
                or (target_state == 'error' and is_payment):
            _logger.info(
                "APS %s result %s not applied to transaction %s (%s).",
                command, response_code, self.reference, self.state,
            )
            return target_state
        values = {
            'aps_tamara_response_code': response_code,
            'aps_tamara_response_message': notification_data.get('response_message') or '',
        }
        if not self.provider_reference and notification_data.get('fort_id'):
            values['provider_reference'] = notification_data['fort_id']
        if changed_values := {k: v for k, v in values.items() if self[k] != v}:
            self.write(changed_values)
        if target_state == 'done':
            if self._set_done():
                # Nobody's browser polls for a refund or a capture: post-process it now.
                self.env.ref('payment.cron_post_process_payment_tx')._trigger()
        elif target_state == 'cancel':
            self._set_canceled(state_message=_("Voided through Amazon Payment Services."))
        elif target_state == 'pending':
            self._set_pending()
        else:
            self._set_error("Tamara: " + self.provider_id._aps_tamara_get_refusal_message(
                notification_data
            ))
        return target_state

    def _aps_tamara_is_operation_amount_confirmed(self, notification_data):
        """ Check that the amount and currency of an operation's answer are those sent. """
        if 'amount' not in notification_data:  # A void carries no amount.
            return True
        amount = notification_data.get('amount') or ''
        expected = payment_utils.to_minor_currency_units(abs(self.amount), self.currency_id) \
            + self.aps_tamara_convenience_fee  # Only a payment carries one.
        return amount.isdigit() and int(amount) == expected \
            and notification_data.get('currency') == self.currency_id.name

    # === BUSINESS METHODS - RECONCILIATION === #

    @api.model
    def _cron_aps_tamara_reconcile(self, limit=const.RECONCILE_BATCH_SIZE):
        """ Ask APS about the Tamara transactions left without answer, and apply what it says.

        Payments redirected to Tamara, pending, or authorized while the provider captures at once,
        that got no final answer within the provider's delay, are checked with CHECK_STATUS and
        the result is applied as a notification would be. Refunds whose outcome is unknown are
        sent again with the same maintenance reference, which never refunds twice. A shopper's
        checkout abandoned for longer than the provider's delay is canceled; a payment APS knows
        as authorized or paid never is.

        At most `limit` transactions are checked per run, the least recently checked first. Each
        is locked (transactions locked by a notification being processed are skipped) and
        committed on its own, so that runs may overlap and a second run changes nothing.

        :param int limit: The maximum number of transactions to check.
        :return: None
        """
        tx_ids = self._aps_tamara_get_transactions_to_reconcile(limit)
        session = self.env['payment.provider']._aps_tamara_new_session()
        try:
            for tx in self.browse(tx_ids):
                try:
                    self.env.cr.execute(SQL(
                        "SELECT 1 FROM payment_transaction WHERE id = %s "
                        "FOR NO KEY UPDATE SKIP LOCKED", tx.id,
                    ))
                    if not self.env.cr.fetchone():
                        continue  # A notification about it is being processed.
                    tx.invalidate_recordset()
                    tx._aps_tamara_reconcile(session)
                    self._aps_tamara_commit()
                except psycopg2.OperationalError:
                    # Changed by a concurrent message since the batch started: next run.
                    self._aps_tamara_rollback()
                except Exception:
                    _logger.exception("Could not reconcile the Tamara transaction %s.", tx.reference)
                    self._aps_tamara_rollback()
        finally:
            session.close()
        self._aps_tamara_flag_old_authorizations()

    def action_aps_tamara_check_status(self):
        """ Ask APS now about the transactions and apply what it says, as the reconciliation
        does (the delay to cancel an abandoned checkout still applies). """
        payment_utils.check_rights_on_recordset(self)
        session = self.env['payment.provider']._aps_tamara_new_session()
        try:
            for tx_sudo in self.sudo().filtered(
                lambda tx: tx.provider_code == const.PROVIDER_CODE
                and tx.state in ('draft', 'pending', 'authorized')
            ):
                tx_sudo._aps_tamara_lock_payment()
                tx_sudo._aps_tamara_reconcile(session)
        finally:
            session.close()

    def _aps_tamara_commit(self):
        if not modules.module.current_test:
            self.env.cr.commit()

    def _aps_tamara_rollback(self):
        if not modules.module.current_test:
            self.env.cr.rollback()

    @api.model
    def _aps_tamara_get_transactions_to_reconcile(self, limit):
        """ Return the ids of the transactions to check, the least recently checked first. """
        now = fields.Datetime.now()
        domains = []
        providers = self.env['payment.provider'].sudo().search([
            ('code', '=', const.PROVIDER_CODE), ('state', '!=', 'disabled'),
        ])
        for provider in providers:
            before = now - timedelta(minutes=max(provider.aps_tamara_check_after, 0))
            states = ['pending', 'authorized'] if provider.aps_tamara_capture_immediately \
                else ['pending']
            domains.append(['&', ('provider_id', '=', provider.id), '|', '|',
                # Redirected to Tamara, no answer since.
                '&', '&', ('state', '=', 'draft'), ('operation', '!=', 'refund'),
                '&', ('aps_tamara_redirected_at', '!=', False),
                ('aps_tamara_redirected_at', '<=', before),
                # Refunds whose outcome is unknown.
                '&', '&', ('state', '=', 'draft'), ('operation', '=', 'refund'),
                '&', ('aps_tamara_maintenance_reference', '!=', False),
                ('create_date', '<=', before),
                # Payments APS left pending (or authorized, to capture).
                '&', '&', ('state', 'in', states), ('operation', '!=', 'refund'),
                ('last_state_change', '<=', before),
            ])
        if not domains:
            return []
        domain = domains[0] if len(domains) == 1 else ['|'] * (len(domains) - 1) + sum(domains, [])
        return self.sudo().search(
            domain, order='aps_tamara_checked_at ASC NULLS FIRST, id', limit=limit
        ).ids

    def _aps_tamara_reconcile(self, session=None):
        """ Check one transaction with APS and apply the result.

        Note: self.ensure_one()

        :param requests.Session session: The session of the batch.
        :return: None
        """
        self.ensure_one()
        self.aps_tamara_checked_at = fields.Datetime.now()
        if self.operation == 'refund':
            if self.state == 'draft' and self.aps_tamara_maintenance_reference:
                self.source_transaction_id._aps_tamara_lock_payment()
                self._aps_tamara_send_refund(session=session)
            return
        if self.state not in ('draft', 'pending', 'authorized'):
            return  # Settled by a message since the batch was selected.
        try:
            answer = self.provider_id._aps_tamara_make_request(
                {'query_command': 'CHECK_STATUS', 'merchant_reference': self.reference},
                session=session,
            )
        except ValidationError as error:
            _logger.info("Could not check transaction %s with APS: %s", self.reference, error)
            return
        result = utils.check_status_to_notification(answer, self.currency_id.name)
        if result is None and not utils.is_order_not_found(answer):
            _logger.warning(
                "APS refused to check transaction %s: %s", self.reference,
                self.provider_id._aps_tamara_get_refusal_message(answer),
            )
            return
        if result and utils.map_status(result['status'], result['response_code']) != 'pending':
            self._handle_notification_data(const.PROVIDER_CODE, result)
            if self.state == 'authorized' and self.provider_id.aps_tamara_capture_immediately:
                self._aps_tamara_capture_immediately()
            if self.state in ('done', 'authorized', 'cancel', 'error'):
                self._aps_tamara_post_process_now()
            return
        # APS knows no payment (the order was never finished or never reached APS).
        abandon_before = fields.Datetime.now() - timedelta(
            hours=max(self.provider_id.aps_tamara_abandon_after, 0)
        )
        if self.state == 'draft' and self.aps_tamara_redirected_at \
                and self.aps_tamara_redirected_at <= abandon_before:
            _logger.info("Canceling the Tamara payment %s abandoned by the shopper.", self.reference)
            self._set_canceled(state_message=_(
                "The shopper left Tamara's page without paying: the payment was canceled."
            ))
            self._aps_tamara_post_process_now()

    def _aps_tamara_post_process_now(self):
        """ Post-process the transaction now (confirm the order...), since no shopper's browser
        will; if that fails, the post-processing cron tries again. """
        try:
            with self.env.cr.savepoint():
                self._post_process()
        except Exception:
            _logger.exception("Could not post-process the Tamara transaction %s.", self.reference)
            self.env.ref('payment.cron_post_process_payment_tx')._trigger()

    @api.model
    def _aps_tamara_flag_old_authorizations(self):
        """ Put authorized Tamara payments older than the provider's delay in front of the
        merchant: an activity on their order (once), to capture or void them. """
        providers = self.env['payment.provider'].sudo().search([
            ('code', '=', const.PROVIDER_CODE), ('state', '!=', 'disabled'),
        ])
        activity_type = self.env.ref('mail.mail_activity_data_todo', raise_if_not_found=False)
        if not activity_type:
            return
        summary = _("Capture or void the Tamara payment")
        for provider in providers:
            txs = self.sudo().search(
                provider._aps_tamara_get_old_authorizations_domain(),
                limit=const.RECONCILE_BATCH_SIZE,
            )
            for order in txs.sale_order_ids:
                if order.activity_ids.filtered(
                    lambda a: a.activity_type_id == activity_type and a.summary == summary
                ):
                    continue
                order.activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=summary,
                    note=_(
                        "The Tamara payment of this order is authorized but not captured. Capture "
                        "it (Capture Transaction) or void it (Void Transaction)."
                    ),
                    user_id=order.user_id.id or self.env.uid,
                )
        self._aps_tamara_commit()
