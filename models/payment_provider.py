# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from werkzeug import urls

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import signing


class PaymentProvider(models.Model):
    """ The `aps_tamara` provider: its APS credentials, endpoints and signatures.

    The other concerns of the provider are in `payment_provider_*.py`: who may pay (eligibility),
    what the shopper sees (checkout), paymentApi requests (api), notification health and
    after-payment settings (monitoring), the connection test and go-live checklist (onboarding).
    """
    _inherit = 'payment.provider'

    code = fields.Selection(
        selection_add=[(const.PROVIDER_CODE, "Tamara (Amazon Payment Services)")],
        ondelete={const.PROVIDER_CODE: 'set default'},
    )
    # APS credentials: the production set (used when the provider is enabled) and the sandbox set
    # (used in test mode), so that going live does not mean typing them again. Which fields are
    # required depends on the state: see `_check_required_if_provider`. Never copied: 19 copies
    # the providers into each new company, which has an APS account of its own.
    aps_tamara_merchant_identifier = fields.Char(
        string="Merchant Identifier",
        help="The merchant identifier of the production APS account (APS back office: "
             "Integration Settings > Security Settings).",
        copy=False,
    )
    aps_tamara_access_code = fields.Char(
        string="Access Code",
        help="The access code of the production APS account (Integration Settings > Security "
             "Settings).",
        groups='base.group_system',
        copy=False,
    )
    aps_tamara_sha_request = fields.Char(
        string="SHA Request Phrase",
        help="The phrase that signs what Odoo sends to APS (production account).",
        groups='base.group_system',
        copy=False,
    )
    aps_tamara_sha_response = fields.Char(
        string="SHA Response Phrase",
        help="The phrase that signs what APS sends to Odoo (production account).",
        groups='base.group_system',
        copy=False,
    )
    aps_tamara_sha_type = fields.Selection(
        string="SHA Type",
        help="The SHA type set in the production APS back office (Integration Settings > "
             "Security Settings). Both sides must use the same.",
        selection=list(aps_const.SHA_TYPE_LABELS.items()),
        default='sha256',
    )
    aps_tamara_merchant_identifier_test = fields.Char(
        string="Sandbox Merchant Identifier",
        help="The merchant identifier of the sandbox APS account, used in test mode.",
        copy=False,
    )
    aps_tamara_access_code_test = fields.Char(
        string="Sandbox Access Code",
        help="The access code of the sandbox APS account, used in test mode.",
        groups='base.group_system',
        copy=False,
    )
    aps_tamara_sha_request_test = fields.Char(
        string="Sandbox SHA Request Phrase",
        help="The phrase that signs what Odoo sends to APS (sandbox account).",
        groups='base.group_system',
        copy=False,
    )
    aps_tamara_sha_response_test = fields.Char(
        string="Sandbox SHA Response Phrase",
        help="The phrase that signs what APS sends to Odoo (sandbox account).",
        groups='base.group_system',
        copy=False,
    )
    aps_tamara_sha_type_test = fields.Selection(
        string="Sandbox SHA Type",
        help="The SHA type set in the sandbox APS back office. Both sides must use the same.",
        selection=list(aps_const.SHA_TYPE_LABELS.items()),
        default='sha256',
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
            'support_refund': 'partial',
        })

    # === CONSTRAINT METHODS === #

    @api.constrains('aps_tamara_sandbox_url')
    def _check_aps_tamara_sandbox_url(self):
        for provider in self.filtered('aps_tamara_sandbox_url'):
            if urls.url_parse(provider.aps_tamara_sandbox_url).scheme not in ('http', 'https'):
                raise ValidationError(_(
                    "The sandbox endpoint override must be an http or https address."
                ))

    def _check_required_if_provider(self):
        """ Override of `payment` to require the credentials of the provider's state only: the
        sandbox set in test mode, the production set when enabled. """
        super()._check_required_if_provider()
        for provider in self.filtered(
            lambda p: p.code == const.PROVIDER_CODE and p.state in ('test', 'enabled')
        ):
            if missing := provider._aps_tamara_get_missing_credentials():
                raise ValidationError(
                    _("The following fields must be filled: %s", ", ".join(missing))
                )

    # === BUSINESS METHODS === #

    def _get_supported_currencies(self):
        """ Override of `payment` to return the currencies Tamara accepts through APS. """
        supported_currencies = super()._get_supported_currencies()
        if self.code == const.PROVIDER_CODE:
            supported_currencies = supported_currencies.filtered(
                lambda c: c.name in aps_const.SUPPORTED_CURRENCIES
            )
        return supported_currencies

    def _get_default_payment_method_codes(self):
        """ Override of `payment` to return the default payment method codes. """
        default_codes = super()._get_default_payment_method_codes()
        if self.code != const.PROVIDER_CODE:
            return default_codes
        return const.DEFAULT_PAYMENT_METHOD_CODES

    @api.model
    def _aps_tamara_get_providers_in_use(self):
        """ Return the sudoed Tamara providers in test or enabled state, of every company. """
        return self.sudo().search([('code', '=', const.PROVIDER_CODE), ('state', '!=', 'disabled')])

    def _aps_tamara_get_environment(self, tx=None):
        """ Return the APS account a request goes with: 'test' (the sandbox credentials, APS'
        sandbox or the sandbox endpoint override) or 'enabled' (the production credentials and
        APS' production).

        A request about a payment goes with the account its PURCHASE was signed with, whatever the
        provider's state is now: APS knows the payment in that account only. Otherwise the
        provider's state decides; a disabled provider uses the production account, never with the
        sandbox endpoint override.

        Note: self.ensure_one()

        :param payment.transaction tx: The payment (or its refund) the request is about, if any.
        :return: 'test' or 'enabled'.
        :rtype: str
        """
        self.ensure_one()
        if tx:
            recorded = tx.aps_tamara_environment or tx.source_transaction_id.aps_tamara_environment
            if recorded:
                return recorded
        return 'test' if self.state == 'test' else 'enabled'

    def _aps_tamara_get_endpoint(self, endpoints, path, environment=None):
        """ Return the APS endpoint of an account.

        The sandbox endpoint override (a local APS sandbox) replaces APS' sandbox for the sandbox
        account only: the production credentials are never sent to it.

        :param dict endpoints: The endpoints, by account ('test' or 'enabled').
        :param str path: The path of the endpoint on the sandbox override.
        :param str environment: The account, 'test' or 'enabled'; the provider's by default.
        :return: The URL of the endpoint.
        :rtype: str
        """
        self.ensure_one()
        if (environment or self._aps_tamara_get_environment()) != 'test':
            return endpoints['enabled']
        sandbox_url = self.sudo().aps_tamara_sandbox_url
        if sandbox_url:
            return urls.url_join(sandbox_url, path)
        return endpoints['test']

    def _aps_tamara_get_payment_page_url(self, environment=None):
        return self._aps_tamara_get_endpoint(
            aps_const.PAYMENT_PAGE_URLS, aps_const.PAYMENT_PAGE_PATH, environment
        )

    def _aps_tamara_get_api_url(self, environment=None):
        return self._aps_tamara_get_endpoint(
            aps_const.PAYMENT_API_URLS, aps_const.PAYMENT_API_PATH, environment
        )

    def _aps_tamara_get_credentials(self, environment=None):
        """ Return the APS credentials of an account: the sandbox set in test mode, the
        production set otherwise. Every signature, request and message check goes through here.

        Note: self.ensure_one()

        :param str environment: 'test' or 'enabled' to read that set instead of the state's.
        :return: The `merchant_identifier`, `access_code`, `sha_request`, `sha_response` and
                 `sha_type`, by name.
        :rtype: dict
        """
        self.ensure_one()
        # Read with the whole provider (one query), which a signed message goes on to use.
        provider_sudo = self.sudo()
        suffix = const.CREDENTIAL_SUFFIXES[environment or provider_sudo.state]
        return {
            name: provider_sudo[f'aps_tamara_{name}{suffix}']
            for name in aps_const.CREDENTIAL_NAMES
        }

    def _aps_tamara_get_missing_credentials(self, environment=None):
        """ Return the labels of the credentials left empty, of the provider's state or of the
        given one.

        :param str environment: 'test' or 'enabled' to check that set instead of the state's.
        :return: The labels of the empty credential fields, in the user's language.
        :rtype: list[str]
        """
        self.ensure_one()
        environment = environment or self.state
        credentials = self._aps_tamara_get_credentials(environment)
        suffix = const.CREDENTIAL_SUFFIXES[environment]
        return [
            self._fields[f'aps_tamara_{name}{suffix}']._description_string(self.env)
            for name in aps_const.CREDENTIAL_NAMES if not credentials[name]
        ]

    def _aps_tamara_calculate_signature(self, params, incoming, environment=None):
        """ Compute the signature of the parameters with the provider's phrase and SHA type.

        Note: self.ensure_one()

        :param dict params: The parameters to sign.
        :param bool incoming: Whether the parameters come from APS (response phrase) or are sent to
                              APS (request phrase).
        :param str environment: The account, 'test' or 'enabled'; the provider state's by default.
        :return: The signature.
        :rtype: str
        """
        self.ensure_one()
        credentials = self._aps_tamara_get_credentials(environment)
        phrase = credentials['sha_response'] if incoming else credentials['sha_request']
        return signing.calculate_signature(params, phrase, credentials['sha_type'])

    def _aps_tamara_is_signature_valid(self, params, environment=None):
        """ Check in constant time the signature of parameters received from APS.

        Note: self.ensure_one()

        :param dict params: The received parameters, `signature` included.
        :param str environment: The account, 'test' or 'enabled'; the provider state's by default.
        :return: Whether the signature is valid.
        :rtype: bool
        """
        self.ensure_one()
        credentials = self._aps_tamara_get_credentials(environment)
        return signing.is_signature_valid(
            params, credentials['sha_response'], credentials['sha_type']
        )

    @api.model
    def _aps_tamara_find_provider(self, data):
        """ Return the Tamara provider a message names by its `merchant_identifier`, to attribute
        a message about no known transaction; nothing if none or if providers of several companies
        share the identifier (it would be counted in a company it does not belong to).

        :param dict data: The received message.
        :return: The sudoed provider, or an empty recordset.
        :rtype: payment.provider
        """
        identifier = data.get('merchant_identifier') if isinstance(data, dict) else None
        if not identifier or not isinstance(identifier, str):
            return self.sudo().browse()
        providers = self.sudo().search([
            ('code', '=', const.PROVIDER_CODE),
            '|', ('aps_tamara_merchant_identifier', '=', identifier),
            ('aps_tamara_merchant_identifier_test', '=', identifier),
        ])
        return providers[:1] if len(providers.company_id) == 1 else providers.browse()
