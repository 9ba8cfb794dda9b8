# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from odoo import _
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment_aps_tamara import compat, const
from odoo.addons.website_sale.controllers import payment as website_sale_payment

_logger = logging.getLogger(__name__)


class APSTamaraPaymentPortal(website_sale_payment.PaymentPortal):

    @staticmethod
    def _validate_transaction_kwargs(kwargs, additional_allowed_keys=()):
        """ Override of `payment` to allow the mobile number typed in under the Tamara option. """
        website_sale_payment.PaymentPortal._validate_transaction_kwargs(
            kwargs, additional_allowed_keys=(*additional_allowed_keys, const.PHONE_ROUTE_PARAM)
        )

    def _create_transaction(self, *args, **kwargs):
        """ Override of `payment` to send Tamara the mobile number typed in under the Tamara
        option, and keep it on the customer's contact when the payment step asked for it.

        The number is checked before the transaction (and its redirect form) is made, and kept on
        the transaction, which sends it. It is written on the contact only if the contact has no
        number Tamara can use (the payment step then asks for one) and is the paying customer's
        own: the logged-in user's, or that of the order in the visitor's session. A number already
        on the contact is never replaced.

        :raise ValidationError: If the number is not a Saudi or Emirati mobile number.
        """
        phone = kwargs.pop(const.PHONE_ROUTE_PARAM, None)
        provider_sudo = request.env['payment.provider'].sudo().browse(kwargs.get('provider_id'))
        if phone is None or provider_sudo.exists().code != const.PROVIDER_CODE:
            return super()._create_transaction(*args, **kwargs)
        partner_sudo = request.env['res.partner'].sudo().browse(kwargs.get('partner_id')).exists()
        formatted = self._aps_tamara_check_phone(provider_sudo, partner_sudo, phone)
        tx_sudo = super()._create_transaction(*args, **kwargs)
        tx_sudo.aps_tamara_phone = formatted
        self._aps_tamara_save_phone(tx_sudo, formatted)
        return tx_sudo

    @staticmethod
    def _aps_tamara_check_phone(provider_sudo, partner_sudo, phone):
        """ Return the mobile number in international format.

        :param payment.provider provider_sudo: The Tamara provider.
        :param res.partner partner_sudo: The paying partner, whose country reads a national number.
        :param str phone: The number as typed by the customer.
        :return: The number, e.g. +966500000001.
        :rtype: str
        :raise ValidationError: If the number is not a Saudi or Emirati mobile number.
        """
        # The same words as the inline message of the browser's check, for an empty number too.
        message = _("Please enter a Saudi or Emirati mobile number, e.g. 05X XXX XXXX.")
        if not isinstance(phone, str) or not partner_sudo:
            raise ValidationError(message)
        formatted = provider_sudo._aps_tamara_format_phone(phone, partner_sudo.country_id)
        if not formatted:
            raise ValidationError(message)
        return formatted

    @staticmethod
    def _aps_tamara_save_phone(tx_sudo, formatted):
        """ Save the mobile number on the paying partner if the payment step asked for it there.

        :param payment.transaction tx_sudo: The Tamara transaction just made.
        :param str formatted: The number in international format.
        :return: None
        """
        partner_sudo = tx_sudo.partner_id
        mobile_field = compat.PARTNER_MOBILE_FIELD  # `mobile` on 18, `phone` on 19.
        if partner_sudo[mobile_field] \
                or tx_sudo.provider_id._aps_tamara_get_partner_mobile(partner_sudo) \
                or not APSTamaraPaymentPortal._aps_tamara_is_own_contact(tx_sudo, partner_sudo):
            return  # Kept on the transaction only.
        partner_sudo[mobile_field] = formatted
        _logger.info("Saved the mobile number given at checkout on partner %s.", partner_sudo.id)

    @staticmethod
    def _aps_tamara_is_own_contact(tx_sudo, partner_sudo):
        """ Return whether the contact is the visitor's own: the logged-in user's, or, for a
        visitor not logged in, the customer or invoice address of the order in their session
        (the cart they are paying), never a contact reached through a document's access token.

        :param payment.transaction tx_sudo: The transaction being made.
        :param res.partner partner_sudo: The contact.
        :return: Whether the visitor may change the contact.
        :rtype: bool
        """
        user = request.env.user
        if not user._is_public():
            return partner_sudo == user.partner_id
        session_order = tx_sudo.sale_order_ids.filtered(
            lambda order: order.id == request.session.get('sale_order_id')
        )
        return partner_sudo in session_order.partner_id | session_order.partner_invoice_id
