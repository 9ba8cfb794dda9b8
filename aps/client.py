# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""The client of APS' `paymentApi`: signed JSON requests, verified answers, typed errors.

Maintenance operations: https://paymentservices.amazon.com/docs/api/managing-payments/refund,
https://paymentservices.amazon.com/docs/api/managing-payments/void-auth and
https://paymentservices.amazon.com/docs/api/managing-payments/check-status.
"""

import requests
from requests.adapters import HTTPAdapter

from . import const
from .signing import calculate_signature, is_signature_valid, normalize_message


class APSError(Exception):
    """The outcome of a paymentApi request is unknown: APS may or may not have acted on it.

    `note` says what happened in a few words, for the record of the exchange.
    """

    note = ''


class APSTimeout(APSError):
    """APS did not answer within the read timeout (or could not be connected in time)."""

    note = "timeout"


class APSUnreachable(APSError):
    """APS could not be reached (DNS, connection refused, TLS...)."""

    def __init__(self, error):
        super().__init__(error)
        self.note = error.__class__.__name__


class APSHTTPError(APSError):
    """APS answered with an HTTP error status."""

    def __init__(self, status_code):
        super().__init__(status_code)
        self.status_code = status_code
        self.note = f"HTTP {status_code}"


class APSMalformedAnswer(APSError):
    """APS' answer is not a JSON object."""

    note = "no JSON object"


class APSBadSignature(APSError):
    """APS' answer is not signed with the SHA response phrase: nothing in it can be trusted."""

    def __init__(self, answer):
        super().__init__(answer.get('response_code'))
        self.answer = answer


class TimeoutAdapter(HTTPAdapter):
    """An HTTP adapter giving every request APS' connect and read timeouts."""

    def send(self, request, timeout=None, **kwargs):
        if timeout is None:
            timeout = (const.API_CONNECT_TIMEOUT, const.API_READ_TIMEOUT)
        return super().send(request, timeout=timeout, **kwargs)


def new_session():
    """Return a `requests` session for one operation or one batch of paymentApi requests, with
    APS' connect and read timeouts."""
    session = requests.Session()
    adapter = TimeoutAdapter()
    session.mount('https://', adapter)
    session.mount('http://', adapter)
    return session


class PaymentApiClient:
    """Send signed requests to one APS account's paymentApi.

    :param str url: The paymentApi endpoint.
    :param dict credentials: The account's `merchant_identifier`, `access_code`, `sha_request`,
                             `sha_response` and `sha_type`.
    :param requests.Session session: The session to use; a new one per request otherwise.
    """

    def __init__(self, url, credentials, session=None):
        self.url = url
        self.credentials = credentials
        self.session = session

    def build_request(self, payload):
        """Return the signed parameters of a request: the credentials and the language added.

        :param dict payload: The parameters of the command (`command` or `query_command`,
                             `merchant_reference`, `amount`...).
        :return: The parameters, `signature` included.
        :rtype: dict
        """
        params = {
            'access_code': self.credentials['access_code'],
            'merchant_identifier': self.credentials['merchant_identifier'],
            'language': const.API_LANGUAGE,
            **payload,
        }
        params['signature'] = calculate_signature(
            params, self.credentials['sha_request'], self.credentials['sha_type']
        )
        return params

    def is_signature_valid(self, answer):
        """Check in constant time the signature of an answer with the SHA response phrase."""
        return is_signature_valid(
            answer, self.credentials['sha_response'], self.credentials['sha_type']
        )

    def send(self, params):
        """Post signed parameters and return APS' answer, its signature verified.

        An answer refusing the operation (e.g. status 07) is returned: the caller decides; only
        what leaves the outcome unknown raises.

        :param dict params: The signed parameters (see `build_request`).
        :return: The answer, values as strings.
        :rtype: dict
        :raise APSTimeout: If APS does not answer in time.
        :raise APSUnreachable: If APS cannot be reached.
        :raise APSHTTPError: If APS answers with an HTTP error.
        :raise APSMalformedAnswer: If the answer is not a JSON object.
        :raise APSBadSignature: If the answer is not signed by APS.
        """
        session = self.session or new_session()
        try:
            response = session.post(self.url, json=params)
        except requests.exceptions.Timeout as error:
            raise APSTimeout() from error
        except requests.exceptions.RequestException as error:
            raise APSUnreachable(error) from error
        finally:
            if session is not self.session:
                session.close()
        if response.status_code >= 400:
            raise APSHTTPError(response.status_code)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise APSMalformedAnswer()
        answer = normalize_message(answer)
        if not self.is_signature_valid(answer):
            raise APSBadSignature(answer)
        return answer
