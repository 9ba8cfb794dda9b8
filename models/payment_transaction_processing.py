# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import amounts
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import status as aps_status

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """ APS' messages about a payment (the shopper's return, notifications, status checks): the
    transaction found and locked, the message applied once
    (https://paymentservices.amazon.com/docs/managing-payments/tracking-a-payment/webhooks). """
    _inherit = 'payment.transaction'

    aps_tamara_confirmed_amount = fields.Integer(
        string="Amount Confirmed by APS (minor units)",
        help="The amount APS confirmed for the payment, in minor currency units: the amount paid, "
             "with the convenience fee if APS included it.",
        readonly=True, copy=False,
    )

    @api.model
    def _aps_tamara_find_and_lock_tx(self, notification_data):
        """ Find the transaction a message is about from APS' `merchant_reference`, and lock it so
        that concurrent messages about it (return, notifications) are applied one at a time. The
        framework's lookup of each series calls this (`payment_transaction_odoo18/19.py`).

        The message must have been signature-checked (`_aps_tamara_find_payment` finds the
        transaction to check it with, without any lock).

        :param dict notification_data: The notification data sent by the provider.
        :return: The transaction if found.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the data match no transaction.
        """
        tx = self._aps_tamara_find_payment(notification_data)
        tx._aps_tamara_lock_row()
        if notification_data.get('command') == 'REFUND':
            return tx._aps_tamara_get_refund_tx_from_notification_data(notification_data)
        return tx

    @api.model
    def _aps_tamara_find_payment(self, notification_data):
        """ Return the Tamara payment a message names by its `merchant_reference`, without lock
        (a message about one of its refunds names the payment).

        :param dict notification_data: The message, values as strings.
        :return: The payment.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the data match no transaction.
        """
        reference = notification_data.get('merchant_reference')
        if not reference or not isinstance(reference, str):
            raise ValidationError(_("Received data with missing reference."))
        # Read with the same query the payment's columns, which Odoo's prefetching reads at the
        # first field read anyway: the provider, whose credentials check the signature next, what
        # telling and recording a repeated message read, and what applying a new one reads.
        tx = self.search_fetch(
            [('reference', '=', reference), ('provider_code', '=', const.PROVIDER_CODE)],
            [name for name, field in self._fields.items() if field.prefetch is True],
        )
        if not tx:
            raise ValidationError(_(
                "No transaction found matching reference %s.", reference
            ))
        return tx

    def _aps_tamara_get_target(self, provider_code, notification_data):
        """ Lock this payment for a signature-checked message about it, with a fresh view of the
        database (`_aps_tamara_wait_and_lock_row`), and return the transaction the message is
        about: the payment itself, or the refund a REFUND message names. The payment is not
        searched again: the caller found it by the message's reference to check the signature.

        :param str provider_code: The code of the provider that processes the message: this
                                  module's, or 'aps' for a message about a payment of Odoo's own
                                  APS provider (found by that provider's own hook).
        :param dict notification_data: The message, values as strings.
        :return: The transaction the message is about.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the message is about a refund sent by Odoo that is not saved yet.
        """
        self.ensure_one()
        # What the caller read (the payment, its provider's credentials), in the same view.
        self._aps_tamara_wait_and_lock_row(try_current_view=True)
        if provider_code != const.PROVIDER_CODE:
            return self.browse()._aps_tamara_get_tx(provider_code, notification_data)
        if notification_data.get('command') == 'REFUND':
            return self._aps_tamara_get_refund_tx_from_notification_data(notification_data)
        return self

    def _aps_tamara_get_refund_tx_from_notification_data(self, notification_data):
        """ Return the refund transaction a REFUND message is about, or the payment itself for a
        refund Odoo does not know (started in APS' back office); that refund is recorded by
        `_aps_tamara_apply_notification`, once the message is verified.

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
            raise ValidationError(_(
                "No refund found matching reference %s.", maintenance_reference
            ))
        return self

    def _aps_tamara_is_already_applied(self, notification_data):
        """ Tell whether a signature-checked payment result is already applied to this locked
        payment, so that applying it again would change nothing: APS repeats a notification until
        it is answered, and the shopper's return carries the same result.

        It is when the payment already is in the state the result maps to, with the same response
        code and message, APS reference and payment option, and, for a paid or pending result, the
        amount and currency confirmed (`_aps_tamara_is_amount_confirmed`, the amount already
        recorded). An authorization is always applied again: it also schedules the capture.

        :param dict notification_data: The message, values as strings.
        :return: Whether the result is already applied.
        :rtype: bool
        """
        self.ensure_one()
        command = notification_data.get('command')
        status = notification_data.get('status')
        if (command and command not in aps_const.PAYMENT_COMMANDS) or not status:
            return False
        response_code = notification_data.get('response_code') or ''
        target_state = aps_status.map_status(status, response_code)
        if target_state == 'authorized' or target_state != self.state:
            return False
        received = (
            response_code,
            notification_data.get('response_message') or '',
            notification_data.get('fort_id') or self.provider_reference or '',
            notification_data.get('payment_option') or self.aps_tamara_payment_option or '',
        )
        recorded = (
            self.aps_tamara_response_code or '',
            self.aps_tamara_response_message or '',
            self.provider_reference or '',
            self.aps_tamara_payment_option or '',
        )
        if received != recorded:
            return False
        if target_state in ('done', 'pending'):
            # The amount recorded once confirmed (`_aps_tamara_is_amount_confirmed`), in the
            # transaction's currency.
            return notification_data.get('amount') == str(self.aps_tamara_confirmed_amount) \
                and notification_data.get('currency') == self.currency_id.name
        return True

    def _aps_tamara_apply_notification(self, notification_data):
        """ Apply a signature-checked APS message to this Tamara transaction: a stale message is
        ignored, the same message twice changes nothing.

        :param dict notification_data: The message, values as strings.
        :return: None
        :raise ValidationError: If inconsistent data are received.
        """
        self.ensure_one()
        command = notification_data.get('command')
        if command in aps_const.OPERATION_COMMANDS:
            self._aps_tamara_process_operation_data(command, notification_data)
            return
        if command and command not in aps_const.PAYMENT_COMMANDS:
            _logger.info(
                "Ignored APS %s message for transaction %s: not a payment result.",
                command, self.reference,
            )
            return
        status = notification_data.get('status')
        response_code = notification_data.get('response_code') or ''
        if not status:
            raise ValidationError(_("Received data with missing payment status."))

        target_state = aps_status.map_status(status, response_code)
        late_payment = aps_status.is_late_payment(
            self.state, target_state, self.aps_tamara_response_code
        )
        if not late_payment and not aps_status.is_transition_allowed(self.state, target_state):
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
            if not late_payment:
                self._set_error(_(
                    "The amount or currency confirmed by Amazon Payment Services does not match "
                    "the payment. Please contact the shop."
                ))
        elif late_payment:
            self._aps_tamara_apply_late_payment(target_state)
        elif target_state == 'done':
            self._set_done()
        elif target_state == 'authorized':
            self._set_authorized()
            if self.provider_id.aps_tamara_capture_immediately:
                self._aps_tamara_schedule_capture()
        elif target_state == 'pending':
            self._set_pending()
        elif target_state == 'cancel':
            self._set_canceled(
                state_message=self._aps_tamara_get_shopper_message(response_code, message)
            )
        else:
            _logger.info(
                "APS refused transaction %s with response code %s: %s",
                self.reference, response_code, message,
            )
            self._set_error(self._aps_tamara_get_shopper_message(response_code, message))

    def _aps_tamara_get_shopper_message(self, response_code, response_message):
        """ Return the message shown to the shopper for a refused or canceled payment, in the
        shopper's language: APS' own text (English, kept in `aps_tamara_response_message` for the
        merchant) only as a detail of the codes without a message of their own.

        Notifications come without the shopper's context: the language is the transaction's.

        :param str response_code: APS' five-digit response code.
        :param str response_message: APS' text about the code.
        :return: The translated message.
        :rtype: str
        """
        env = self.with_context(lang=self.partner_lang or self.env.lang).env
        messages = {
            'canceled': env._("You canceled the payment on Tamara's page."),
            'declined': env._("Tamara declined the payment."),
            'amount_out_of_range': env._("Tamara does not accept this amount for a payment plan."),
            'timed_out': env._("The payment session timed out."),
            'too_many_attempts': env._("Too many attempts: please try again later."),
            'unavailable': env._("Tamara is not available for this shop at the moment."),
            'technical': env._(
                "Amazon Payment Services could not process the payment at the moment: please try "
                "again later."
            ),
        }
        if kind := aps_status.get_shopper_message_kind(response_code):
            return messages[kind]
        detail = f"{response_message or '-'}, {response_code or '-'}"
        return env._("The payment was refused (%(detail)s).", detail=detail)

    def _aps_tamara_apply_late_payment(self, target_state):
        """ Apply APS' word that a payment Odoo canceled or set in error is paid (or authorized):
        the customer was charged. The order, if canceled, is set back to a quotation so that the
        post-processing confirms it, and the merchant is told on the order (or invoice).

        :param str target_state: 'done' or 'authorized'.
        :return: None
        """
        self.ensure_one()
        previous_state = self.state
        _logger.warning(
            "APS says transaction %s is %s, but it was %s in Odoo: applied, the merchant is told.",
            self.reference, target_state, previous_state,
        )
        if target_state == 'done':
            self._set_done(extra_allowed_states=('cancel', 'error'))
        else:
            self._set_authorized(extra_allowed_states=('cancel', 'error'))
            if self.provider_id.aps_tamara_capture_immediately:
                self._aps_tamara_schedule_capture()
        # Applied on APS' signed word, whoever delivers it (the webhook runs as the public user).
        tx_sudo = self.with_user(SUPERUSER_ID)
        tx_sudo.sale_order_ids.filtered(lambda order: order.state == 'cancel').action_draft()
        tx_sudo.env.flush_all()  # As the superuser: the order's computed fields read its lines.
        note = _(
            "Amazon Payment Services confirmed the Tamara payment %(reference)s after it was "
            "%(state)s in Odoo: the customer was charged. The payment is now recorded and the "
            "order confirmed; check the order, or refund the payment.",
            reference=self.reference,
            state=dict(self._fields['state']._description_selection(self.env))[previous_state],
        )
        for document in tx_sudo.sale_order_ids or tx_sudo.invoice_ids:
            document.message_post(body=note, author_id=self.env.ref('base.partner_root').id)
            document.activity_schedule(
                'mail.mail_activity_data_warning',
                summary=_("Paid at APS after being canceled in Odoo"),
                note=note,
                user_id=document.user_id.id or self.env.ref('base.user_admin').id,
            )

    def _aps_tamara_is_amount_confirmed(self, notification_data):
        """ Check that the amount and currency of APS' message are those of the transaction, and
        record the amount APS confirmed.

        APS confirms a payment's amount in minor units, with or without the convenience fee that
        was signed in the request (`aps.amounts.get_confirmed_fee`); an operation's (refund,
        capture) without fee, since Odoo never adds the fee to an operation.

        :param dict notification_data: The notification data sent by APS.
        :return: Whether the amount and currency match.
        :rtype: bool
        """
        amount = payment_utils.to_minor_currency_units(abs(self.amount), self.currency_id)
        if notification_data.get('currency') != self.currency_id.name:
            return False
        is_payment = notification_data.get('command') not in aps_const.OPERATION_COMMANDS
        fee = self.aps_tamara_convenience_fee if is_payment else 0
        confirmed_fee = amounts.get_confirmed_fee(notification_data, amount, fee)
        if confirmed_fee is None:
            return False
        if is_payment and self.aps_tamara_confirmed_amount != amount + confirmed_fee:
            self.aps_tamara_confirmed_amount = amount + confirmed_fee
        return True
