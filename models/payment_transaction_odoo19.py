# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo import _, api, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_aps_tamara import const


class PaymentTransaction(models.Model):
    """ Odoo 19.0's payment framework hooks (imported on 19 only, by `models/__init__.py`): thin
    wrappers around the module's own `_aps_tamara_*` logic. Odoo 18.0's are in
    `payment_transaction_odoo18.py`.

    On 19, a message goes through `_process`: `_search_by_reference`, `_validate_amount` (skipped:
    the module checks the amount itself), then `_apply_updates`; refund, capture and void are each
    sent on a child transaction made by `_refund`, `_capture` and `_void`.
    """
    _inherit = 'payment.transaction'

    # === BUSINESS METHODS - PROCESSING === #

    @api.model
    def _extract_reference(self, provider_code, payment_data):
        """ Override of `payment` to read APS' `merchant_reference`. """
        if provider_code != const.PROVIDER_CODE:
            return super()._extract_reference(provider_code, payment_data)
        return payment_data.get('merchant_reference')

    @api.model
    def _search_by_reference(self, provider_code, payment_data):
        """ Override of `payment` to find the transaction from APS' `merchant_reference`, locked
        (`_aps_tamara_find_and_lock_tx`); nothing if the message matches no transaction.

        :param str provider_code: The code of the provider handling the transaction.
        :param dict payment_data: The message, values as strings.
        :return: The transaction, if found.
        :rtype: recordset of `payment.transaction`
        """
        if provider_code != const.PROVIDER_CODE:
            return super()._search_by_reference(provider_code, payment_data)
        try:
            return self._aps_tamara_find_and_lock_tx(payment_data)
        except ValidationError:
            return self.browse()  # The caller tells (the controller logs and records it).

    def _extract_amount_data(self, payment_data):
        """ Override of `payment` to skip the framework's amount check: the module checks the
        amount and currency itself (`_aps_tamara_is_amount_confirmed`), since APS may confirm the
        amount with the convenience fee added, and a void carries no amount.

        :return: None
        """
        if self.provider_code != const.PROVIDER_CODE:
            return super()._extract_amount_data(payment_data)
        return None

    def _apply_updates(self, payment_data):
        """ Override of `payment` to update the transaction based on APS data.

        Note: self.ensure_one() from `_process`

        :param dict payment_data: The signature-checked message, values as strings.
        :return: None
        :raise ValidationError: If inconsistent data are received.
        """
        if self.provider_code != const.PROVIDER_CODE:
            return super()._apply_updates(payment_data)
        self._aps_tamara_apply_notification(payment_data)

    def _aps_tamara_get_tx(self, provider_code, notification_data):
        """ Return the transaction a signature-checked message is about (for Tamara, locked: the
        payment, or the refund a REFUND message is about).

        :param str provider_code: 'aps_tamara', or 'aps' for a message handed over to `payment_aps`.
        :param dict notification_data: The message, values as strings.
        :return: The transaction.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the message matches no transaction.
        """
        tx = self.browse()._search_by_reference(provider_code, notification_data)
        if not tx:
            raise ValidationError(_(
                "No transaction found matching reference %s.",
                notification_data.get('merchant_reference'),
            ))
        return tx

    def _aps_tamara_handle_notification(self, provider_code, notification_data):
        """ Apply a signature-checked message to this transaction through the payment framework
        (`_process`, which calls `_apply_updates`; the post-processing follows).

        :param str provider_code: The code of the provider that processes the message.
        :param dict notification_data: The message, values as strings.
        :return: None
        """
        self._process(provider_code, notification_data)

    # === BUSINESS METHODS - OPERATIONS === #

    def _refund(self, amount_to_refund=None):
        """ Override of `payment` to check that the payment can be refunded this amount before
        its refund transaction is made (`_aps_tamara_check_refund`).

        :param float amount_to_refund: The amount to refund; the whole payment by default.
        :return: The refund transaction.
        :rtype: recordset of `payment.transaction`
        :raise UserError: If the amount exceeds what is left to refund, or another refund is in
                          progress; nothing is made, APS is not called.
        """
        if self.provider_code == const.PROVIDER_CODE:
            amount_to_refund = self._aps_tamara_check_refund(amount_to_refund)
        return super()._refund(amount_to_refund=amount_to_refund)

    def _send_refund_request(self):
        """ Override of `payment` to send this refund transaction to APS' paymentApi.

        Note: self.ensure_one() from `_refund`

        :return: None
        """
        if self.provider_code != const.PROVIDER_CODE:
            return super()._send_refund_request()
        self._aps_tamara_start_refund()
        return None

    def _send_capture_request(self):
        """ Override of `payment` to capture this transaction's amount of the APS authorization.

        Note: self.ensure_one() from `_capture`

        :return: None
        :raise UserError: If APS refuses the capture.
        """
        if self.provider_code != const.PROVIDER_CODE:
            return super()._send_capture_request()
        self.source_transaction_id._aps_tamara_send_operation('CAPTURE', self)
        return None

    def _send_void_request(self):
        """ Override of `payment` to void the APS authorization.

        APS voids only a whole authorization not captured yet.

        Note: self.ensure_one() from `_void`

        :return: None
        :raise UserError: If APS refuses the void.
        """
        if self.provider_code != const.PROVIDER_CODE:
            return super()._send_void_request()
        self.source_transaction_id._aps_tamara_send_operation('VOID_AUTHORIZATION', self)
        return None

    def _aps_tamara_capture(self):
        """ Capture this whole authorization (for providers that capture at once), through a
        capture transaction as 19 does.

        :return: None
        :raise UserError: If APS refuses the capture.
        """
        self._capture()
