# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
import pprint

from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import redact, signing


_logger = logging.getLogger(__name__)


class APSTamaraController(http.Controller):
    _return_url = '/payment/aps_tamara/return'
    _webhook_url = '/payment/aps_tamara/webhook'

    @http.route(
        _return_url, type='http', auth='public', methods=['GET', 'POST'], csrf=False,
        save_session=False,
    )
    def aps_tamara_return_from_checkout(self, **data):
        """ Process the result that APS posts (or, defensively, gets) back with the shopper.

        The route is flagged with `save_session=False` so that Odoo does not give the shopper a new
        session when the browser comes back with a cross-site POST that carries no session cookie;
        the redirection to '/payment/status' then finds the shopper's session and transaction.

        :param dict data: The signed result, as form fields or query string.
        :return: A redirection to the payment status page.
        """
        _logger.info(
            "Handling redirection from APS (Tamara) with data:\n%s",
            pprint.pformat(redact.redact(data)),
        )
        self._aps_tamara_handle_message(data)
        return request.redirect('/payment/status')

    @http.route(_webhook_url, type='http', auth='public', methods=['POST'], csrf=False)
    def aps_tamara_webhook(self, **data):
        """ Process a server-to-server notification (Direct or Notification Transaction Feedback).

        APS posts either a form-encoded or a JSON body, depending on the merchant's account. The
        answer is a 200 for what was accepted (even a stale or repeated message that changes
        nothing), and a 4xx for a forged or malformed one, which APS then retries.

        :param dict data: The form-encoded notification, if not JSON.
        :return: An empty response.
        """
        if request.httprequest.mimetype == 'application/json':
            try:
                data = request.get_json_data()
            except ValueError:
                _logger.warning("Received an APS (Tamara) notification that is not valid JSON.")
                request.env['payment.aps_tamara.log']._aps_tamara_record(
                    'webhook', 'malformed', note="not valid JSON"
                )
                return request.make_response('', status=BadRequest.code)
        _logger.info(
            "Notification received from APS (Tamara) with data:\n%s",
            pprint.pformat(redact.redact(data) if isinstance(data, dict) else data),
        )
        try:
            self._aps_tamara_handle_message(data, channel='webhook')
        except HTTPException as error:
            # Answered rather than raised: an exception would roll back the record of the refused
            # message, which the provider's notification health counts. Nothing else changed.
            return request.make_response('', status=error.code)
        return request.make_response('')

    def _aps_tamara_handle_message(self, data, channel='return'):
        """ Check a message from APS, apply it to its transaction and record it.

        A message about a transaction of Odoo's own APS (cards) provider, which shares the APS
        account and so the notification URL, is handed over to that provider.

        :param dict data: The decoded message.
        :param str channel: 'return' or 'webhook', for the record of the message.
        :return: None
        :raise BadRequest: If the message is malformed.
        :raise NotFound: If the message is about no known transaction.
        :raise Forbidden: If the signature is missing or invalid.
        """
        log_model = request.env['payment.aps_tamara.log']
        provider_model = request.env['payment.provider']
        if not isinstance(data, dict) or not data.get('merchant_reference'):
            _logger.warning("Received an APS (Tamara) message without merchant reference.")
            log_model._aps_tamara_record(
                channel, 'malformed', received=data,
                provider=provider_model._aps_tamara_find_provider(data),
                note="no merchant reference",
            )
            raise BadRequest()
        data = signing.normalize_message(data)
        try:
            tx_sudo = request.env['payment.transaction'].sudo()._get_tx_from_notification_data(
                const.PROVIDER_CODE, data
            )
        except ValidationError:
            if aps_tx_sudo := self._aps_tamara_get_core_aps_tx(data):
                self._aps_tamara_hand_over(data, aps_tx_sudo, channel)
                return
            _logger.warning(
                "Received an APS (Tamara) message for unknown reference %s.",
                data['merchant_reference'],
            )
            log_model._aps_tamara_record(
                channel, 'unknown', received=data,
                provider=provider_model._aps_tamara_find_provider(data),
            )
            raise NotFound()
        self._aps_tamara_apply(
            data, tx_sudo, const.PROVIDER_CODE, self._verify_notification_signature,
            channel,
        )

    def _aps_tamara_apply(self, data, tx_sudo, provider_code, verify_signature, channel,
                          outcome='accepted'):
        """ Check the signature of a message, apply it to its transaction and record it.

        :param dict data: The normalized message.
        :param payment.transaction tx_sudo: The sudoed transaction the message is about.
        :param str provider_code: The code of the provider that processes the message.
        :param function verify_signature: The provider's check, raising `Forbidden`.
        :param str channel: 'return' or 'webhook'.
        :param str outcome: How to record an applied message.
        :return: None
        :raise Forbidden: If the signature is missing or invalid.
        :raise BadRequest: If the message cannot be applied; nothing changed then.
        """
        log_model = request.env['payment.aps_tamara.log']
        try:
            verify_signature(data, tx_sudo)
        except Forbidden:
            log_model._aps_tamara_record(channel, 'forged', tx=tx_sudo, received=data)
            raise
        try:
            # A savepoint: a message refused half-way changes nothing.
            with request.env.cr.savepoint():
                tx_sudo._handle_notification_data(provider_code, data)
        except ValidationError as error:
            _logger.warning(
                "Unable to handle the APS message about %s: %s", tx_sudo.reference, error
            )
            log_model._aps_tamara_record(
                channel, 'malformed', tx=tx_sudo, received=data, note=str(error.args[0])[:200]
            )
            raise BadRequest()
        log_model._aps_tamara_record(channel, outcome, tx=tx_sudo, received=data)

    def _aps_tamara_get_core_aps_tx(self, data):
        """ Return the transaction of Odoo's own APS provider (`payment_aps`, if installed) that
        the message is about, if any. """
        env = request.env
        if 'aps' not in dict(env['payment.provider']._fields['code'].selection):
            return None
        return env['payment.transaction'].sudo().search([
            ('reference', '=', data['merchant_reference']), ('provider_code', '=', 'aps'),
        ], limit=1) or None

    def _aps_tamara_hand_over(self, data, aps_tx_sudo, channel):
        """ Hand a message about a transaction of Odoo's own APS provider over to it: checked with
        that provider's own signature method and processed by it.

        :param dict data: The normalized message.
        :param payment.transaction aps_tx_sudo: The sudoed transaction of the `aps` provider.
        :param str channel: 'return' or 'webhook'.
        :return: None
        :raise Forbidden: If the signature is missing or invalid.
        """
        # Imported here: `payment_aps` is not a dependency, and is installed when we get here.
        from odoo.addons.payment_aps.controllers.main import APSController  # noqa: PLC0415

        _logger.info(
            "Handing the APS message about %s over to the Amazon Payment Services provider.",
            aps_tx_sudo.reference,
        )
        self._aps_tamara_apply(
            data, aps_tx_sudo, 'aps', APSController._verify_notification_signature, channel,
            outcome='forwarded',
        )

    @staticmethod
    def _verify_notification_signature(notification_data, tx_sudo):
        """ Check in constant time that the received signature matches the expected one.

        :param dict notification_data: The notification data.
        :param recordset tx_sudo: The sudoed transaction referenced by the notification data, as a
                                  `payment.transaction` record.
        :return: None
        :raise Forbidden: If the signature is missing or does not match.
        """
        if not tx_sudo.provider_id._aps_tamara_is_signature_valid(notification_data):
            _logger.warning(
                "Received an APS (Tamara) message with missing or invalid signature for %s.",
                tx_sudo.reference,
            )
            raise Forbidden()
