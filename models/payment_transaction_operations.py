# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import status as aps_status

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """ Refund, capture and void through APS' paymentApi, and their results
    (https://paymentservices.amazon.com/docs/api/managing-payments/refund). """
    _inherit = 'payment.transaction'

    aps_tamara_capture_sent_at = fields.Datetime(
        string="Capture Sent to APS At",
        help="When Odoo sent APS the CAPTURE of this authorization. It is never sent again "
             "automatically: if its outcome is unknown, the status checks tell.",
        readonly=True, copy=False,
    )

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

    def _aps_tamara_get_refund_wizard_action(self, **context):
        """ Return the action opening the refund wizard of the payment's `account.payment`.

        :param dict context: Keys added to the wizard's context (default amount, credit note...).
        :return: The window action.
        :rtype: dict
        """
        self.ensure_one()
        payment = self.payment_id
        return dict(payment.action_refund_wizard(), context={
            'active_model': 'account.payment',
            'active_id': payment.id,
            'active_ids': payment.ids,
            **context,
        })

    def _aps_tamara_check_refund(self, amount_to_refund=None):
        """ Lock the payment and check that it can be refunded this amount, before its refund
        transaction is made (`payment_transaction_odoo18/19.py`).

        A payment has one refund in progress at a time, so that APS' refunded amount tells what
        became of it; a refund in progress counts against what is left to refund.

        Note: self.ensure_one()

        :param float amount_to_refund: The amount to refund; the whole payment by default.
        :return: The amount to refund.
        :rtype: float
        :raise UserError: If the amount exceeds what is left to refund, or another refund is in
                          progress; APS is not called then.
        """
        self.ensure_one()
        self._aps_tamara_lock_row(mark_changed=True)
        if self._aps_tamara_get_refunds_in_progress():
            raise UserError(_(
                "A refund of payment %(reference)s is still waiting for the answer of Amazon "
                "Payment Services; it is checked automatically. Refund again once it is settled.",
                reference=self.reference,
            ))
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
        return amount

    def _aps_tamara_start_refund(self):
        """ Send this new refund transaction to APS' paymentApi.

        The refund, with its `maintenance_reference`, is saved before APS is called (and without
        keeping the payment locked meanwhile): a refund whose outcome is unknown (no answer,
        unverifiable answer, crash) stays in progress and counts against what is left to refund;
        the reconciliation finds out from APS what became of it before anything is sent again.

        Note: self.ensure_one()

        :return: None
        """
        self.ensure_one()
        payment = self.source_transaction_id
        self.aps_tamara_maintenance_reference = self.reference
        # Refunded from a credit note: the refund's payment is reconciled with it.
        credit_note = self.env['account.move'].browse(
            self.env.context.get('aps_tamara_credit_note_id')
        ).exists().filtered(lambda move: move.move_type == 'out_refund')
        if credit_note and credit_note.reversed_entry_id in payment.invoice_ids:
            self.invoice_ids = credit_note
        self._aps_tamara_commit()  # Saved as sent, and the payment's row free, before APS answers.
        self._aps_tamara_send_refund()

    def _aps_tamara_get_refunds_in_progress(self):
        """ Return the refunds of the payment sent to APS whose outcome is not known yet. """
        self.ensure_one()
        return self.child_transaction_ids.filtered(lambda tx: (
            tx.operation == 'refund' and tx.state in ('draft', 'pending')
            and tx.aps_tamara_maintenance_reference
        ))

    def _aps_tamara_send_refund(self, session=None):
        """ Send the REFUND of this refund transaction and apply APS' answer. Never called while
        the payment's row is locked: messages about it are not kept waiting on APS.

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
            # The outcome is unknown: APS may have refunded. The refund stays in progress, and
            # counts against what is left to refund, until APS tells what became of it.
            self.source_transaction_id._aps_tamara_commit_and_lock_row()
            self.invalidate_recordset()
            if self.state == 'draft':
                self._set_pending(state_message=error.args[0])
            elif self.state == 'pending':
                self.state_message = error.args[0]
            return
        self.source_transaction_id._aps_tamara_commit_and_lock_row()
        self._aps_tamara_handle_notification(const.PROVIDER_CODE, answer)

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

        A CAPTURE is recorded as sent (and committed) before APS is called, so that it is never
        sent again automatically; APS is called without the payment's row locked. Only the
        operation's amount is captured: APS documents no convenience fee on a CAPTURE (Tamara is
        a PURCHASE-only method, https://paymentservices.amazon.com/docs/api/payment-methods/tamara).

        :param str command: CAPTURE or VOID_AUTHORIZATION.
        :param payment.transaction operation_tx: The payment, or its partial capture or void.
        :return: None
        :raise UserError: If APS refuses the operation.
        :raise ValidationError: If its outcome is unknown (no answer, unverifiable answer).
        """
        self._aps_tamara_lock_row(mark_changed=True)
        amount = operation_tx.amount if command == 'CAPTURE' else None
        payload = self._aps_tamara_prepare_operation_payload(command, amount=amount)
        if command == 'CAPTURE' and not self.aps_tamara_capture_sent_at:
            self.aps_tamara_capture_sent_at = fields.Datetime.now()
        self._aps_tamara_commit()
        answer = self.provider_id._aps_tamara_make_request(payload)
        self._aps_tamara_commit_and_lock_row()
        operation_tx.invalidate_recordset()
        if operation_tx._aps_tamara_apply_operation_result(command, answer) == 'error':
            raise UserError(self.provider_id._aps_tamara_get_refusal_message(answer))

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
        if aps_status.map_operation_status(
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
        # A copy of this message waiting on the lock sees the refund.
        self._aps_tamara_lock_row(mark_changed=True)
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
            raise ValidationError(_("Received data with missing operation status."))
        target_state = aps_status.map_operation_status(command, status, response_code)
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
        if not aps_status.is_transition_allowed(self.state, target_state) \
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
            if self.state != 'pending':
                self._set_pending()
        else:
            self._set_error(self.provider_id._aps_tamara_get_refusal_message(
                notification_data
            ))
        return target_state

    def _aps_tamara_is_operation_amount_confirmed(self, notification_data):
        """ Check that the amount and currency of an operation's answer are those sent. """
        if 'amount' not in notification_data:  # A void carries no amount.
            return True
        return self._aps_tamara_is_amount_confirmed(notification_data)
