# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    HTTPException,
    NotFound,
    RequestEntityTooLarge,
)

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import callbacks, signing
from odoo.addons.payment_aps_tamara.aps import const as aps_const

_logger = logging.getLogger(__name__)


class APSTamaraController(http.Controller):
    """ The shopper's return and APS' notifications. Anyone can post to them: each message is
    bounded in size, decoded defensively and signature-checked (in constant time, no lock taken,
    one log line) before anything else; only then is its payment locked and the message applied.
    """
    _return_url = '/payment/aps_tamara/return'
    _webhook_url = '/payment/aps_tamara/webhook'

    @http.route(
        _return_url, type='http', auth='public', methods=['GET', 'POST'], csrf=False,
        save_session=False, max_content_length=aps_const.CALLBACK_MAX_BYTES,
    )
    def aps_tamara_return_from_checkout(self, **data):
        """ Process the result that APS posts (or, defensively, gets) back with the shopper.

        The route is flagged with `save_session=False` so that Odoo does not give the shopper a new
        session when the browser comes back with a cross-site POST that carries no session cookie;
        the redirection to '/payment/status' then finds the shopper's session and transaction.

        :param dict data: The signed result, as form fields or query string.
        :return: A redirection to the payment status page.
        """
        self._aps_tamara_handle_message(data)
        return request.redirect('/payment/status')

    @http.route(
        _webhook_url, type='http', auth='public', methods=['POST'], csrf=False,
        max_content_length=aps_const.CALLBACK_MAX_BYTES,
    )
    def aps_tamara_webhook(self, **data):
        """ Process a server-to-server notification (Direct or Notification Transaction Feedback).

        APS posts either a form-encoded or a JSON body, depending on the merchant's account. The
        answer is a 200 for what was accepted (even a stale or repeated message that changes
        nothing), and a 4xx for a forged or malformed one, which APS then retries.

        :param dict data: The form-encoded notification, if not JSON.
        :return: An empty response.
        """
        try:
            if request.httprequest.mimetype == 'application/json':
                data = self._aps_tamara_read_body()
            self._aps_tamara_handle_message(data, channel='webhook')
        except HTTPException as error:
            # Answered rather than raised: an exception would roll back the record of the refused
            # message, which the provider's notification health counts. Nothing else changed.
            return request.make_response('', status=error.code)
        return request.make_response('')

    @staticmethod
    def _aps_tamara_read_body():
        """ Read a JSON body of at most `CALLBACK_MAX_BYTES` (a longer declared length is refused
        before anything is read).

        :return: The raw body.
        :rtype: bytes
        :raise RequestEntityTooLarge: If the body is longer.
        """
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > aps_const.CALLBACK_MAX_BYTES:
            raise RequestEntityTooLarge()
        raw = httprequest.get_data(cache=False)
        if len(raw) > aps_const.CALLBACK_MAX_BYTES:
            raise RequestEntityTooLarge()
        return raw

    def _aps_tamara_handle_message(self, data, channel='return'):
        """ Check a message from APS, apply it to its transaction and record it.

        A message about a transaction of Odoo's own APS (cards) provider, which shares the APS
        account and so the notification URL, is handed over to that provider.

        :param data: The form fields (dict) or the raw JSON body (bytes).
        :param str channel: 'return' or 'webhook', for the record of the message.
        :return: None
        :raise RequestEntityTooLarge: If the body is too big.
        :raise BadRequest: If the message is malformed.
        :raise NotFound: If the message is about no known transaction.
        :raise Forbidden: If the signature is missing or invalid.
        """
        log_model = request.env['payment.aps_tamara.log']
        if (request.httprequest.content_length or 0) > aps_const.CALLBACK_MAX_BYTES:
            raise RequestEntityTooLarge()  # Parsed before Odoo applied the route's limit.
        try:
            message = callbacks.decode_json(data) if isinstance(data, bytes) \
                else callbacks.flatten(data)
            if not message.get('merchant_reference'):
                raise callbacks.MalformedMessage("no merchant reference")
        except callbacks.MalformedMessage as error:
            _logger.warning("Refused an APS (Tamara) %s: %s.", channel, error.args[0])
            log_model._aps_tamara_record(channel, 'malformed', note=error.args[0])
            raise BadRequest() from None

        try:
            tx_sudo = request.env['payment.transaction'].sudo()._aps_tamara_find_payment(message)
        except ValidationError:
            if aps_tx_sudo := self._aps_tamara_get_core_aps_tx(message):
                expected = aps_tx_sudo.provider_id._aps_calculate_signature(message, incoming=True)
                self._aps_tamara_apply(
                    message, aps_tx_sudo, 'aps', channel,
                    signing.signatures_match(expected, message.get('signature')),
                    outcome='forwarded',
                )
                return
            provider = request.env['payment.provider']._aps_tamara_find_signing_provider(message)
            self._aps_tamara_log(channel, message, 'unknown reference')
            log_model._aps_tamara_record(channel, 'unknown', received=message, provider=provider)
            raise NotFound() from None
        self._aps_tamara_apply(
            message, tx_sudo, const.PROVIDER_CODE, channel,
            tx_sudo.provider_id._aps_tamara_is_signature_valid(message),
        )

    def _aps_tamara_apply(self, message, tx_sudo, provider_code, channel, is_signed,
                          outcome='accepted'):
        """ Apply a message to its transaction, if signed, and record it.

        The transaction is locked only once the signature is known valid, with a fresh view of
        the database (`_aps_tamara_get_target`): the messages of one payment arriving together are
        applied one after the other, without serialization failures. A result already applied is
        only recorded: without the lock when what the request read shows it applied (a committed
        result stays applied, later messages being newer), else once the lock is taken.

        :param dict message: The message, values as strings.
        :param payment.transaction tx_sudo: The sudoed transaction it names (a payment).
        :param str provider_code: The code of the provider that processes the message.
        :param str channel: 'return' or 'webhook'.
        :param bool is_signed: Whether the signature is valid (checked in constant time).
        :param str outcome: How to record an applied message.
        :return: None
        :raise Forbidden: If the signature is missing or invalid.
        :raise BadRequest: If the message cannot be applied; nothing changed then.
        """
        log_model = request.env['payment.aps_tamara.log']
        if not is_signed:
            self._aps_tamara_log(channel, message, 'missing or invalid signature')
            log_model._aps_tamara_record(channel, 'forged', tx=tx_sudo, received=message)
            raise Forbidden()
        if self._aps_tamara_record_if_applied(message, tx_sudo, provider_code, channel, outcome):
            return
        try:
            # The payment locked, or the refund a REFUND message is about.
            target_sudo = tx_sudo._aps_tamara_get_target(provider_code, message)
        except ValidationError:
            # A refund whose request is not saved yet: APS sends the message again.
            self._aps_tamara_log(channel, message, 'unknown maintenance reference')
            log_model._aps_tamara_record(channel, 'unknown', tx=tx_sudo, received=message)
            raise NotFound() from None
        if self._aps_tamara_record_if_applied(message, target_sudo, provider_code, channel, outcome):
            return
        try:
            target_sudo._aps_tamara_handle_notification(provider_code, message)
        except ValidationError as error:
            # A message refused half-way changes nothing: the request wrote nothing before taking
            # the lock (`_aps_tamara_get_target`), so all is rolled back (no savepoint needed).
            request.env.cr.rollback()
            request.env.transaction.reset()
            self._aps_tamara_log(channel, message, f'not applied: {error.args[0]}')
            log_model._aps_tamara_record(
                channel, 'malformed', tx=target_sudo, received=message,
                note=str(error.args[0])[:200],
            )
            raise BadRequest() from None
        self._aps_tamara_log(channel, message, outcome, level=logging.INFO)
        log_model._aps_tamara_record(channel, outcome, tx=target_sudo, received=message)

    def _aps_tamara_record_if_applied(self, message, tx_sudo, provider_code, channel, outcome):
        """ Record a repeated message (APS retries, the return and the notification of one result)
        that is already applied to its Tamara transaction, without going through the framework
        again to change nothing.

        :return: Whether the message is already applied, and recorded.
        :rtype: bool
        """
        if provider_code != const.PROVIDER_CODE or not tx_sudo._aps_tamara_is_already_applied(message):
            return False
        self._aps_tamara_log(channel, message, f'{outcome}, already applied', level=logging.INFO)
        request.env['payment.aps_tamara.log']._aps_tamara_record(
            channel, outcome, tx=tx_sudo, received=message,
        )
        return True

    @staticmethod
    def _aps_tamara_log(channel, message, outcome, level=logging.WARNING):
        """ Log one line about a message: what it is about, never its content. """
        _logger.log(
            level, "APS (Tamara) %s about %r (%s %s %s): %s.", channel,
            message.get('merchant_reference', '')[:64], message.get('command', '')[:20],
            message.get('maintenance_reference', '')[:64], message.get('response_code', '')[:10],
            outcome,
        )

    def _aps_tamara_get_core_aps_tx(self, message):
        """ Return the transaction of Odoo's own APS provider (`payment_aps`, if installed) that
        the message is about, if any. """
        env = request.env
        if 'aps' not in dict(env['payment.provider']._fields['code'].selection):
            return None
        return env['payment.transaction'].sudo().search([
            ('reference', '=', message['merchant_reference']), ('provider_code', '=', 'aps'),
        ], limit=1) or None
