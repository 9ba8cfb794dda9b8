# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""APS request and response signatures.

https://paymentservices.amazon.com/docs/developer-resources/signature
"""

import hashlib
import hmac

from . import const


def render_value(value):
    """Render a parameter value as APS concatenates it in the signature string.

    Strings are used as they are. Integers (JSON bodies) render without decimals, booleans as PHP
    does, and nested values the way APS' official code renders them: maps as `{k=v, k=v}` in
    insertion order and lists as `[a, b]`.

    :param value: The value of a request or response parameter.
    :return: The rendered value.
    :rtype: str
    """
    if isinstance(value, bool):
        return '1' if value else ''
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return '{' + ', '.join(f'{k}={render_value(v)}' for k, v in value.items()) + '}'
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(render_value(v) for v in value) + ']'
    if value is None:
        return ''
    return str(value)


def normalize_message(data):
    """Return a received message with every value as APS signs it (a string).

    JSON notifications and paymentApi answers may carry numbers; form-encoded ones only strings.

    :param dict data: The decoded message.
    :return: A new dict with the same keys and rendered values.
    :rtype: dict
    """
    return {str(key): render_value(value) for key, value in data.items()}


def calculate_signature(params, phrase, sha_type):
    """Compute the APS signature of a set of parameters.

    All parameters but `signature` are sorted by name, concatenated as `name=value` with no
    separator and wrapped in the phrase; the result is hashed with the SHA type, or, for the HMAC
    types, authenticated with the phrase as key.

    :param dict params: The parameters to sign.
    :param str phrase: The SHA request phrase (outgoing) or SHA response phrase (incoming).
    :param str sha_type: A key of `const.SHA_TYPES`.
    :return: The lowercase hexadecimal signature.
    :rtype: str
    """
    algorithm, is_hmac = const.SHA_TYPES[sha_type]
    phrase = phrase or ''
    body = ''.join(
        f'{name}={render_value(value)}' for name, value in sorted(params.items())
        if name != 'signature'
    )
    message = f'{phrase}{body}{phrase}'.encode()
    if is_hmac:
        return hmac.new(phrase.encode(), message, algorithm).hexdigest()
    return hashlib.new(algorithm, message).hexdigest()


def is_signature_valid(params, phrase, sha_type):
    """Check in constant time that the `signature` of the parameters is the expected one.

    :param dict params: The received parameters, `signature` included.
    :param str phrase: The SHA response phrase.
    :param str sha_type: A key of `const.SHA_TYPES`.
    :return: Whether the signature is present and valid.
    :rtype: bool
    """
    if not phrase:
        return False
    try:
        expected = calculate_signature(params, phrase, sha_type)
    except UnicodeEncodeError:  # A value no UTF-8 text can hold was not signed by APS.
        return False
    return signatures_match(expected, params.get('signature'))


def signatures_match(expected, received):
    """Compare a received signature with the expected one, in constant time and on bytes.

    Anything but a non-empty string, including a string that is not ASCII (which
    `hmac.compare_digest` refuses for `str`), is simply an invalid signature.

    :param str expected: The lowercase hexadecimal signature computed.
    :param received: The `signature` received, of any type.
    :return: Whether they match.
    :rtype: bool
    """
    if not isinstance(received, str) or not received or not expected:
        return False
    try:
        received_bytes = received.strip().lower().encode()
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected.encode(), received_bytes)
