# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo import models

from odoo.addons.payment_aps_tamara import const


class PaymentTransaction(models.Model):
    """ Odoo 18.0's payment framework hooks (imported on 18 only, by `models/__init__.py`): thin
    wrappers around the module's own `_aps_tamara_*` logic. Odoo 19.0's are in
    `payment_transaction_odoo19.py`. """
    _inherit = 'payment.transaction'

    # === BUSINESS METHODS - PROCESSING === #

    def _get_tx_from_notification_data(self, provider_code, notification_data):
        """ Override of `payment` to find the transaction from APS' `merchant_reference`, locked
        (`_aps_tamara_find_and_lock_tx`).

        :param str provider_code: The code of the provider that handled the transaction.
        :param dict notification_data: The notification data sent by the provider.
        :return: The transaction if found.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the data match no transaction.
        """
        tx = super()._get_tx_from_notification_data(provider_code, notification_data)
        if provider_code != const.PROVIDER_CODE or len(tx) == 1:
            return tx
        return self._aps_tamara_find_and_lock_tx(notification_data)

    def _process_notification_data(self, notification_data):
        """ Override of `payment` to process the transaction based on APS data.

        Note: self.ensure_one()

        :param dict notification_data: The notification data sent by APS, values as strings.
        :return: None
        :raise ValidationError: If inconsistent data are received.
        """
        super()._process_notification_data(notification_data)
        if self.provider_code != const.PROVIDER_CODE:
            return
        self._aps_tamara_apply_notification(notification_data)

    def _aps_tamara_get_tx(self, provider_code, notification_data):
        """ Return the transaction a signature-checked message is about (for Tamara, locked: the
        payment, or the refund a REFUND message is about).

        :param str provider_code: 'aps_tamara', or 'aps' for a message handed over to `payment_aps`.
        :param dict notification_data: The message, values as strings.
        :return: The transaction.
        :rtype: recordset of `payment.transaction`
        :raise ValidationError: If the message matches no transaction.
        """
        return self.browse()._get_tx_from_notification_data(provider_code, notification_data)

    def _aps_tamara_handle_notification(self, provider_code, notification_data):
        """ Apply a signature-checked message to this transaction through the payment framework
        (which calls `_process_notification_data`, then the post-processing hooks).

        :param str provider_code: The code of the provider that processes the message.
        :param dict notification_data: The message, values as strings.
        :return: None
        """
        self._handle_notification_data(provider_code, notification_data)

    # === BUSINESS METHODS - OPERATIONS === #

    def _send_refund_request(self, amount_to_refund=None):
        """ Override of `payment` to refund the payment through APS' paymentApi
        (`_aps_tamara_check_refund`, then `_aps_tamara_start_refund` on the refund).

        Note: self.ensure_one()

        :param float amount_to_refund: The amount to refund; the whole payment by default.
        :return: The refund transaction.
        :rtype: recordset of `payment.transaction`
        :raise UserError: If the amount exceeds what is left to refund, or another refund is in
                          progress; APS is not called then.
        """
        if self.provider_code != const.PROVIDER_CODE:
            return super()._send_refund_request(amount_to_refund=amount_to_refund)
        amount = self._aps_tamara_check_refund(amount_to_refund)
        refund_tx = super()._send_refund_request(amount_to_refund=amount)
        refund_tx._aps_tamara_start_refund()
        return refund_tx

    def _send_capture_request(self, amount_to_capture=None):
        """ Override of `payment` to capture an APS authorization, in full or in part.

        :param float amount_to_capture: The amount to capture; the whole payment by default.
        :return: The partial capture transaction, if any.
        :rtype: recordset of `payment.transaction`
        :raise UserError: If APS refuses the capture.
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
        :raise UserError: If APS refuses the void.
        """
        child_void_tx = super()._send_void_request(amount_to_void=amount_to_void)
        if self.provider_code != const.PROVIDER_CODE:
            return child_void_tx
        self._aps_tamara_send_operation('VOID_AUTHORIZATION', child_void_tx or self)
        return child_void_tx

    def _aps_tamara_capture(self):
        """ Capture this whole authorization (for providers that capture at once).

        :return: None
        :raise UserError: If APS refuses the capture.
        :raise ValidationError: If its outcome is unknown.
        """
        self._send_capture_request()
