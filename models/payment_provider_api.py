# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import pprint

from odoo import _, api, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_aps_tamara import compat
from odoo.addons.payment_aps_tamara.aps import client as aps_client
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import redact
from odoo.addons.payment_aps_tamara.aps import status as aps_status

_logger = compat.get_payment_logger(__name__)


class PaymentProvider(models.Model):
    """ Requests to APS' paymentApi: the pure client (`aps/client.py`) does the exchange; here its
    errors become messages for the merchant and every exchange is recorded. """
    _inherit = 'payment.provider'

    @api.model
    def _aps_tamara_new_session(self):
        """ Return a `requests` session for one operation or one batch of paymentApi requests,
        with APS' connect and read timeouts. """
        return aps_client.new_session()

    def _aps_tamara_make_request(self, payload, session=None, verify_signature=True, tx=None):
        """ Send a signed request to APS' paymentApi and return its verified answer.

        The merchant's credentials and the language are added and the request is signed with the
        SHA request phrase, of the account the payment was made with (see
        `_aps_tamara_get_environment`); the answer's signature is checked with the SHA response
        phrase before anything is read from it. An answer refusing the operation (e.g. status 07)
        is returned: the caller decides; only what leaves the outcome unknown raises. The exchange
        is recorded (secrets masked) on the transaction it is about, for support cases.

        Note: self.ensure_one()

        :param dict payload: The parameters of the command (`command` or `query_command`,
                             `merchant_reference`, `amount`...).
        :param requests.Session session: The session to use; a new one for this request otherwise.
        :param bool verify_signature: Whether to refuse an answer not signed by APS. Only the
                                      connection test, which changes nothing, reads an unverified
                                      answer (APS does not sign some refusals).
        :param payment.transaction tx: The transaction the request is about, if the caller has it;
                                       otherwise found by the payload's reference.
        :return: The answer, values as strings.
        :rtype: dict
        :raise ValidationError: If APS cannot be reached, does not answer in time, answers with an
                                HTTP error or an answer that is not signed by APS.
        """
        self.ensure_one()
        reference = payload.get('maintenance_reference') or payload.get('merchant_reference')
        tx_sudo = tx.sudo() if tx else self.env['payment.transaction'].sudo().search(
            [('reference', '=', reference), ('provider_id', '=', self.id)], limit=1
        ) if reference else None
        # The account that signed the payment's PURCHASE, with its own endpoint.
        environment = self._aps_tamara_get_environment(tx_sudo)
        url = self._aps_tamara_get_api_url(environment)
        client = aps_client.PaymentApiClient(
            url, self._aps_tamara_get_credentials(environment), session
        )
        params = client.build_request(payload)
        command = params.get('command') or params.get('query_command')
        _logger.info(
            "Sending APS %s request for %s to %s:\n%s",
            command, reference, url, pprint.pformat(redact.redact(params)),
        )

        def record(state, answer=None, note=None):
            self.env['payment.aps_tamara.log']._aps_tamara_record(
                'api', state, provider=self, tx=tx_sudo, sent=params, received=answer, note=note,
            )

        try:
            answer = client.send(params)
        except aps_client.APSBadSignature as error:
            _logger.warning(
                "APS answered %s for %s with a missing or invalid signature (response code %s).",
                command, reference, error.answer.get('response_code'),
            )
            record('forged', answer=error.answer)
            if not verify_signature:
                return error.answer
            raise ValidationError(_(
                "The answer of Amazon Payment Services could not be verified (invalid signature): "
                "check the SHA response phrase and SHA type of the provider. The operation may "
                "have been made: do not repeat it, its result will be checked automatically."
            )) from error
        except aps_client.APSError as error:
            _logger.warning(
                "No usable answer from APS to %s for %s: %s", command, reference, error.note
            )
            record('malformed' if isinstance(error, aps_client.APSMalformedAnswer) else 'failed',
                   note=error.note)
            raise ValidationError(self._aps_tamara_get_api_error_message(error, params)) from error
        _logger.info(
            "APS answer to %s for %s:\n%s", command, reference,
            pprint.pformat(redact.redact(answer)),
        )
        record('accepted', answer=answer)
        return answer

    def _aps_tamara_get_api_error_message(self, error, params):
        """ Return the merchant's message for a paymentApi request whose outcome is unknown.

        :param aps.client.APSError error: What went wrong.
        :param dict params: The parameters sent.
        :return: The message.
        :rtype: str
        """
        if isinstance(error, aps_client.APSTimeout):
            if 'query_command' in params:  # A query changes nothing at APS.
                return _(
                    "Amazon Payment Services did not answer in time. Please try again in a few "
                    "minutes."
                )
            return _(
                "Amazon Payment Services did not answer in time. The operation may still have been "
                "made: do not repeat it, its result will be checked automatically."
            )
        if isinstance(error, aps_client.APSHTTPError):
            return _(
                "Amazon Payment Services is unavailable (HTTP error %(status)s). Please try again "
                "in a few minutes.", status=error.status_code,
            )
        if isinstance(error, aps_client.APSMalformedAnswer):
            return _("Amazon Payment Services sent an unreadable answer. Please try again later.")
        return _(
            "Could not reach Amazon Payment Services. Please check the connection and try "
            "again in a few minutes."
        )

    def _aps_tamara_get_refusal_message(self, answer):
        """ Return a message the merchant can act on for an answer refusing an operation.

        :param dict answer: The verified answer of APS.
        :return: The message, APS' own message and code included.
        :rtype: str
        """
        message_code = aps_status.get_message_code(answer.get('response_code'))
        hints = {
            aps_const.WRONG_SIGNATURE_MESSAGE_CODE: _(
                "Check the SHA request phrase and SHA type of the provider."
            ),
            aps_const.WRONG_MERCHANT_MESSAGE_CODE: _(
                "Check the merchant identifier of the provider."
            ),
            aps_const.WRONG_ACCESS_CODE_MESSAGE_CODE: _("Check the access code of the provider."),
            aps_const.WRONG_CURRENCY_MESSAGE_CODE: _("The currency differs from the payment's."),
            aps_const.OPERATION_NOT_ALLOWED_MESSAGE_CODE: _(
                "APS does not allow this operation on this payment (declined, canceled, voided or "
                "not captured)."
            ),
            aps_const.ORDER_NOT_FOUND_MESSAGE_CODE: _("APS does not know this payment."),
            aps_const.CAPTURE_EXCEEDED_MESSAGE_CODE: _(
                "The amount exceeds what is left to capture."
            ),
            aps_const.REFUND_EXCEEDED_MESSAGE_CODE: _("The amount exceeds what is left to refund."),
            aps_const.NOT_CONFIRMED_MESSAGE_CODE: _(
                "The payment is not confirmed yet; try again once it is."
            ),
        }
        message = _(
            "Amazon Payment Services refused the operation: %(message)s (code %(code)s).",
            message=answer.get('response_message') or _("no reason given"),
            code=answer.get('response_code') or '-',
        )
        if hint := hints.get(message_code):
            message = f"{message} {hint}"
        return message
