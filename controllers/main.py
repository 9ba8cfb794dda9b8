# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
import pprint

from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment_aps_tamara import const, utils


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
            pprint.pformat(utils.redact(data)),
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
                raise BadRequest()
        _logger.info(
            "Notification received from APS (Tamara) with data:\n%s",
            pprint.pformat(utils.redact(data) if isinstance(data, dict) else data),
        )
        self._aps_tamara_handle_message(data)
        return request.make_response('')

    @staticmethod
    def _aps_tamara_handle_message(data):
        """ Check a message from APS and apply it to its transaction.

        :param dict data: The decoded message.
        :return: None
        :raise BadRequest: If the message is malformed.
        :raise NotFound: If the message is about no known transaction.
        :raise Forbidden: If the signature is missing or invalid.
        """
        if not isinstance(data, dict) or not data.get('merchant_reference'):
            _logger.warning("Received an APS (Tamara) message without merchant reference.")
            raise BadRequest()
        data = utils.normalize_notification(data)
        try:
            tx_sudo = request.env['payment.transaction'].sudo()._get_tx_from_notification_data(
                const.PROVIDER_CODE, data
            )
        except ValidationError:
            _logger.warning(
                "Received an APS (Tamara) message for unknown reference %s.",
                data['merchant_reference'],
            )
            raise NotFound()
        APSTamaraController._verify_notification_signature(data, tx_sudo)
        try:
            tx_sudo._handle_notification_data(const.PROVIDER_CODE, data)
        except ValidationError:
            _logger.exception("Unable to handle the APS (Tamara) message.")
            raise BadRequest()

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
