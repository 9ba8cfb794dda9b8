# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from odoo import _
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment_aps_tamara import const
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
        """ Override of `payment` to keep on the customer's contact the mobile number typed in
        under the Tamara option, before the transaction (and its redirect form) is made.

        :raise ValidationError: If the number is not a Saudi or Emirati mobile number.
        """
        phone = kwargs.pop(const.PHONE_ROUTE_PARAM, None)
        provider_sudo = request.env['payment.provider'].sudo().browse(kwargs.get('provider_id'))
        if phone is not None and provider_sudo.exists().code == const.PROVIDER_CODE:
            partner_sudo = request.env['res.partner'].sudo().browse(kwargs.get('partner_id'))
            self._aps_tamara_save_phone(provider_sudo, partner_sudo.exists(), phone)
        return super()._create_transaction(*args, **kwargs)

    @staticmethod
    def _aps_tamara_save_phone(provider_sudo, partner_sudo, phone):
        """ Normalize the mobile number and save it on the partner.

        :param payment.provider provider_sudo: The Tamara provider.
        :param res.partner partner_sudo: The paying partner.
        :param str phone: The number as typed by the customer.
        :return: None
        :raise ValidationError: If the number is not a Saudi or Emirati mobile number.
        """
        # The same words as the inline message of the browser's check, for an empty number too.
        message = _("Please enter a Saudi or Emirati mobile number, e.g. 05X XXX XXXX.")
        if not isinstance(phone, str) or not partner_sudo:
            raise ValidationError(message)
        formatted = provider_sudo._aps_tamara_format_phone(phone, partner_sudo.country_id)
        if not formatted:
            raise ValidationError(message)
        if partner_sudo.mobile != formatted:
            partner_sudo.mobile = formatted
            _logger.info("Saved the mobile number given at checkout on partner %s.", partner_sudo.id)
