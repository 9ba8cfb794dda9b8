# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from markupsafe import Markup
from werkzeug import urls

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import status as aps_status
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController


class PaymentProvider(models.Model):
    """ Going live: the URLs to enter in the APS back office, the connection test and the go-live
    checklist of APS' Tamara guide
    (https://paymentservices.amazon.com/docs/payment-methods/BNPL/Tamara). """
    _inherit = 'payment.provider'

    aps_tamara_return_url = fields.Char(
        string="Return URL", compute='_compute_aps_tamara_urls',
        help="Where APS sends the shopper back. It is sent with every payment; you may also enter "
             "it as Redirection URL in the APS back office.",
    )
    aps_tamara_webhook_url = fields.Char(
        string="Notification URL", compute='_compute_aps_tamara_urls',
        help="Enter it in the APS back office (Integration Settings > Technical Settings, Hosted "
             "Checkout channel) as Direct Transaction Feedback URL and as Notification Feedback "
             "URL.",
    )
    aps_tamara_connected_test_at = fields.Datetime(
        string="Sandbox Connection Tested On", readonly=True, copy=False,
        help="When the connection test last succeeded with the sandbox credentials.",
    )
    aps_tamara_connected_enabled_at = fields.Datetime(
        string="Production Connection Tested On", readonly=True, copy=False,
        help="When the connection test last succeeded with the production credentials.",
    )
    aps_tamara_go_live_checklist = fields.Html(
        string="Go-Live Checklist", compute='_compute_aps_tamara_go_live_checklist',
        sanitize=False,
    )
    # === CRUD METHODS === #

    def write(self, values):
        """ Override of `payment` to forget a successful connection test once the credentials it
        tested change. """
        values = dict(values)
        for environment, suffix in (('test', '_test'), ('enabled', '')):
            if any(f'aps_tamara_{name}{suffix}' in values for name in aps_const.CREDENTIAL_NAMES):
                values.setdefault(f'aps_tamara_connected_{environment}_at', False)
        return super().write(values)

    @api.depends('code')
    def _compute_aps_tamara_urls(self):
        for provider in self:
            base_url = provider.get_base_url()
            provider.aps_tamara_return_url = urls.url_join(
                base_url, APSTamaraController._return_url
            )
            provider.aps_tamara_webhook_url = urls.url_join(
                base_url, APSTamaraController._webhook_url
            )

    # Connection test.

    def action_aps_tamara_test_connection(self):
        """ Check the credentials of the provider's state with one signed CHECK_STATUS about a
        reference that cannot exist, and tell the merchant the outcome in plain words.

        With the right credentials APS answers, signed, that it does not know the order. A wrong
        merchant identifier or access code, or a wrong request phrase or SHA type, is refused with
        a dedicated code; an answer not signed with the response phrase means a wrong response
        phrase or SHA type.

        :return: A `display_notification` client action.
        :rtype: dict
        """
        self.ensure_one()
        title, message, kind = self._aps_tamara_test_connection()
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': title,
                'message': message,
                'type': kind,
                'sticky': kind != 'success',
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }

    def _aps_tamara_test_connection(self):
        """ Run the connection test with the credentials and endpoint of the provider's state.

        :return: The title, the message and the kind ('success', 'warning' or 'danger').
        :rtype: tuple
        """
        self.ensure_one()
        environment = self.state
        if environment not in ('test', 'enabled'):
            return _("Connection not tested"), _(
                "Set the provider to Test Mode (sandbox account) or Enabled (production account) "
                "first: the test uses the credentials of that account."
            ), 'warning'
        provider = self
        account = _("sandbox") if environment == 'test' else _("production")
        credentials = self._aps_tamara_get_credentials()
        if missing := self._aps_tamara_get_missing_credentials():
            return _("Connection not tested"), _(
                "Fill in the %(account)s credentials first (missing: %(fields)s).",
                account=account, fields=", ".join(missing),
            ), 'warning'
        failed = _("The connection test failed")
        try:
            answer = provider._aps_tamara_make_request({
                'query_command': 'CHECK_STATUS',
                'merchant_reference': const.CONNECTION_TEST_REFERENCE,
            }, verify_signature=False)
        except ValidationError as error:
            return failed, _(
                "Amazon Payment Services could not be reached at %(url)s. %(reason)s",
                url=provider._aps_tamara_get_api_url(), reason=error.args[0].removeprefix("Tamara: "),
            ), 'danger'
        message_code = aps_status.get_message_code(answer.get('response_code'))
        if message_code == aps_const.WRONG_MERCHANT_MESSAGE_CODE:
            return failed, _(
                "APS does not know the merchant identifier %(identifier)s. Check the %(account)s "
                "Merchant Identifier (APS back office: Integration Settings > Security Settings).",
                identifier=credentials['merchant_identifier'], account=account,
            ), 'danger'
        if message_code == aps_const.WRONG_ACCESS_CODE_MESSAGE_CODE:
            return failed, _(
                "APS refused the access code. Check the %(account)s Access Code (APS back office: "
                "Integration Settings > Security Settings).", account=account,
            ), 'danger'
        if message_code == aps_const.WRONG_SIGNATURE_MESSAGE_CODE:
            return failed, _(
                "APS could not verify the signature of the request: the %(account)s SHA Request "
                "Phrase or SHA Type differs from the APS back office.", account=account,
            ), 'danger'
        if not provider._aps_tamara_is_signature_valid(answer):
            return failed, _(
                "APS answered, but its answer is not signed with your SHA Response Phrase: the "
                "%(account)s SHA Response Phrase or SHA Type differs from the APS back office.",
                account=account,
            ), 'danger'
        if aps_status.is_order_not_found(answer) \
                or answer.get('status') == aps_const.CHECK_STATUS_SUCCESS_STATUS:
            self.write({f'aps_tamara_connected_{environment}_at': fields.Datetime.now()})
            return _("The connection works"), _(
                "Amazon Payment Services accepted the %(account)s merchant identifier, access code, "
                "SHA phrases and SHA type.", account=account,
            ), 'success'
        return failed, _(
            "Amazon Payment Services answered: %(message)s (code %(code)s).",
            message=answer.get('response_message') or _("no reason given"),
            code=answer.get('response_code') or '-',
        ), 'danger'

    # Go-live checklist.

    @api.depends('state', 'aps_tamara_connected_test_at', 'aps_tamara_connected_enabled_at')
    def _compute_aps_tamara_go_live_checklist(self):
        for provider in self:
            if provider.code != const.PROVIDER_CODE or not provider.id:
                provider.aps_tamara_go_live_checklist = False
                continue
            titles = {True: _("Done"), False: _("To do")}
            items = Markup().join(
                Markup('<li class="list-unstyled"><i class="fa fa-fw %s me-1" title="%s"/>%s</li>')
                % (
                    'fa-check-square-o text-success' if done else 'fa-square-o text-muted',
                    titles[bool(done)],
                    label,
                ) for label, done in provider._aps_tamara_get_go_live_checklist()
            )
            provider.aps_tamara_go_live_checklist = Markup('<ul class="ps-0 mb-0">%s</ul>') % items

    def _aps_tamara_get_go_live_checklist(self):
        """ Return the go-live steps of APS' Tamara guide, each with whether it is satisfied.

        :return: The steps as (label, done) pairs, in order.
        :rtype: list[tuple]
        """
        self.ensure_one()
        tx_model = self.env['payment.transaction'].sudo()

        def has_tx(states):
            return bool(tx_model.search_count(
                [('provider_id', '=', self.id), ('operation', '!=', 'refund'),
                 ('state', 'in', states)], limit=1,
            ))

        def is_complete(environment):
            return not self._aps_tamara_get_missing_credentials(environment)

        public_key = self._aps_tamara_get_public_key()
        return [
            (_("Tamara activated on the APS sandbox account and the sandbox credentials filled "
               "in"), is_complete('test')),
            (_("Sandbox connection test passed"), bool(self.aps_tamara_connected_test_at)),
            (_("Notification URLs set in the APS back office (a notification was received)"),
             bool(self.aps_tamara_last_notification_at)),
            (_("A successful payment tried"), has_tx(('done', 'authorized'))),
            (_("A declined or canceled payment tried"), has_tx(('error', 'cancel'))),
            (_("Payments captured at once (unless you capture them yourself on purpose)"),
             self.aps_tamara_capture_immediately),
            (_("Tamara's widgets shown on product pages and at checkout (mandatory)"),
             bool(public_key) and self.aps_tamara_widget_product
             and self.aps_tamara_widget_checkout),
            (_("Production credentials filled in (APS enables Tamara in production after your "
               "sandbox tests)"), is_complete('enabled')),
            (_("Production connection test passed"), bool(self.aps_tamara_connected_enabled_at)),
            (_("Notifications arriving: no payment without notification"),
             bool(self.aps_tamara_last_notification_at) and not self.aps_tamara_unnotified_count),
        ]
