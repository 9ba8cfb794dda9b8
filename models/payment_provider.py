# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from werkzeug import urls

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_aps_tamara import const, utils


_logger = logging.getLogger(__name__)


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    code = fields.Selection(
        selection_add=[(const.PROVIDER_CODE, "Tamara (Amazon Payment Services)")],
        ondelete={const.PROVIDER_CODE: 'set default'},
    )
    aps_tamara_merchant_identifier = fields.Char(
        string="Merchant Identifier",
        help="The merchant identifier of the APS account, from Integration Settings.",
        required_if_provider=const.PROVIDER_CODE,
    )
    aps_tamara_access_code = fields.Char(
        string="Access Code",
        help="The access code of the APS account, from Integration Settings.",
        required_if_provider=const.PROVIDER_CODE,
        groups='base.group_system',
    )
    aps_tamara_sha_request = fields.Char(
        string="SHA Request Phrase",
        help="The phrase that signs what Odoo sends to APS.",
        required_if_provider=const.PROVIDER_CODE,
        groups='base.group_system',
    )
    aps_tamara_sha_response = fields.Char(
        string="SHA Response Phrase",
        help="The phrase that signs what APS sends to Odoo.",
        required_if_provider=const.PROVIDER_CODE,
        groups='base.group_system',
    )
    aps_tamara_sha_type = fields.Selection(
        string="SHA Type",
        help="The SHA type set in the APS back office (Integration Settings > Security Settings).",
        selection=list(const.SHA_TYPE_LABELS.items()),
        default='sha256',
        required_if_provider=const.PROVIDER_CODE,
    )
    aps_tamara_sandbox_url = fields.Char(
        string="Sandbox Endpoint Override",
        help="The address of a local APS sandbox (e.g. http://127.0.0.1:8070), used instead of "
             "APS' sandbox in test mode only. Leave empty to use APS' own sandbox.",
        groups='base.group_system',
    )

    # === COMPUTE METHODS === #

    def _compute_feature_support_fields(self):
        """ Override of `payment` to enable additional features. """
        super()._compute_feature_support_fields()
        # APS answers a PURCHASE with status 02 (authorized) on accounts set to deferred capture.
        self.filtered(lambda p: p.code == const.PROVIDER_CODE).update({
            'support_manual_capture': 'partial',
        })

    # === CONSTRAINT METHODS === #

    @api.constrains('aps_tamara_sandbox_url')
    def _check_aps_tamara_sandbox_url(self):
        for provider in self.filtered('aps_tamara_sandbox_url'):
            if urls.url_parse(provider.aps_tamara_sandbox_url).scheme not in ('http', 'https'):
                raise ValidationError(_(
                    "The sandbox endpoint override must be an http or https address."
                ))

    # === BUSINESS METHODS === #

    def _get_supported_currencies(self):
        """ Override of `payment` to return the currencies Tamara accepts through APS. """
        supported_currencies = super()._get_supported_currencies()
        if self.code == const.PROVIDER_CODE:
            supported_currencies = supported_currencies.filtered(
                lambda c: c.name in const.SUPPORTED_CURRENCIES
            )
        return supported_currencies

    def _get_default_payment_method_codes(self):
        """ Override of `payment` to return the default payment method codes. """
        default_codes = super()._get_default_payment_method_codes()
        if self.code != const.PROVIDER_CODE:
            return default_codes
        return const.DEFAULT_PAYMENT_METHOD_CODES

    def _aps_tamara_get_endpoint(self, endpoints, path):
        """ Return the APS endpoint to use in the provider's state.

        In test state, the sandbox endpoint override (a local APS sandbox) replaces APS' sandbox;
        it is never used in production.

        :param dict endpoints: The endpoints, by provider state.
        :param str path: The path of the endpoint on the sandbox override.
        :return: The URL of the endpoint.
        :rtype: str
        """
        self.ensure_one()
        if self.state == 'enabled':
            return endpoints['enabled']
        sandbox_url = self.sudo().aps_tamara_sandbox_url
        if sandbox_url:
            return urls.url_join(sandbox_url, path)
        return endpoints['test']

    def _aps_tamara_get_payment_page_url(self):
        return self._aps_tamara_get_endpoint(const.PAYMENT_PAGE_URLS, const.PAYMENT_PAGE_PATH)

    def _aps_tamara_get_api_url(self):
        return self._aps_tamara_get_endpoint(const.PAYMENT_API_URLS, const.PAYMENT_API_PATH)

    def _aps_tamara_calculate_signature(self, params, incoming):
        """ Compute the signature of the parameters with the provider's phrase and SHA type.

        Note: self.ensure_one()

        :param dict params: The parameters to sign.
        :param bool incoming: Whether the parameters come from APS (response phrase) or are sent to
                              APS (request phrase).
        :return: The signature.
        :rtype: str
        """
        self.ensure_one()
        provider_sudo = self.sudo()
        phrase = provider_sudo.aps_tamara_sha_response if incoming \
            else provider_sudo.aps_tamara_sha_request
        return utils.calculate_signature(params, phrase, provider_sudo.aps_tamara_sha_type)

    def _aps_tamara_is_signature_valid(self, params):
        """ Check in constant time the signature of parameters received from APS.

        Note: self.ensure_one()

        :param dict params: The received parameters, `signature` included.
        :return: Whether the signature is valid.
        :rtype: bool
        """
        self.ensure_one()
        provider_sudo = self.sudo()
        return utils.is_signature_valid(
            params, provider_sudo.aps_tamara_sha_response, provider_sudo.aps_tamara_sha_type
        )
