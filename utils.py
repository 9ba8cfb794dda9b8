# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""Pure helpers of the APS protocol: signing, parameter rules and status mapping.

Nothing here imports Odoo, so that the protocol can be tested and reused anywhere.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import unicodedata

from . import const


# === SIGNATURES === #

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
    received = params.get('signature')
    if not isinstance(received, str) or not received or not phrase:
        return False
    expected = calculate_signature(params, phrase, sha_type)
    return hmac.compare_digest(expected.encode(), received.strip().lower().encode())


# === PARAMETER RULES === #

def _is_allowed_char(char, value_type, specials):
    if char in specials:
        return True
    if not char.isascii():
        return False
    if value_type == 'alpha':
        return char.isalpha()
    if value_type == 'numeric':
        return char.isdigit()
    return char.isalnum()


def check_parameter(name, value):
    """Check a request parameter against APS' documented length and character rules.

    :param str name: The name of the parameter, a key of `const.REQUEST_PARAMETER_RULES`.
    :param str value: The value to send.
    :return: The reason why the value is invalid, or None if it is valid.
    :rtype: str|None
    """
    max_length, value_type, specials = const.REQUEST_PARAMETER_RULES[name]
    if max_length and len(value) > max_length:
        return f"longer than {max_length} characters"
    if value_type == 'numeric' and not specials and not (value.isascii() and value.isdigit()):
        return "not a whole number"
    if value_type != 'object':
        invalid = sorted({
            char for char in value if not _is_allowed_char(char, value_type, specials)
        })
        if invalid:
            return f"contains characters APS does not accept: {''.join(invalid)!r}"
    return None


def check_request(params):
    """Check every parameter of a PURCHASE request and that none of the required ones is missing.

    :param dict params: The request parameters (without signature).
    :return: The invalid parameters, mapped to the reason why they are invalid.
    :rtype: dict
    """
    errors = {
        name: "missing" for name in const.REQUIRED_REQUEST_PARAMETERS if not params.get(name)
    }
    for name, value in params.items():
        if name not in const.REQUEST_PARAMETER_RULES:
            errors[name] = "not a parameter of the APS Tamara request"
        elif name not in errors:
            reason = check_parameter(name, value)
            if reason:
                errors[name] = reason
    return errors


def clean_text(text, name):
    """Make a free text acceptable for a parameter: fold accents, drop disallowed characters,
    collapse spaces and cut at the maximum length.

    :param str text: The text to clean.
    :param str name: The name of the parameter, a key of `const.REQUEST_PARAMETER_RULES`.
    :return: The cleaned text, possibly empty.
    :rtype: str
    """
    max_length, value_type, specials = const.REQUEST_PARAMETER_RULES[name]
    folded = unicodedata.normalize('NFKD', text or '')
    kept = ''.join(
        char if _is_allowed_char(char, value_type, specials) else ' ' for char in folded
        if not unicodedata.combining(char)
    )
    return re.sub(r'\s+', ' ', kept).strip()[:max_length].strip()


def build_order_description(order_reference, item_names):
    """Build a meaningful `order_description`: the order reference followed by what was bought,
    within APS' 150 allowed characters.

    :param str order_reference: The reference of the order (e.g. S00042).
    :param list item_names: The names of the items bought, quantities included.
    :return: The description.
    :rtype: str
    """
    reference = clean_text(order_reference, 'order_description')
    names = [name for name in (clean_text(n, 'order_description') for n in item_names) if name]
    # APS accepts no comma: the items are separated by slashes.
    description = f"{reference}: {' / '.join(names)}" if names else reference
    return clean_text(description, 'order_description')


def is_valid_merchant_reference(reference):
    """Tell whether a reference can be sent to APS as `merchant_reference`."""
    return bool(reference) and check_parameter('merchant_reference', reference) is None


def normalize_ip(address):
    """Return the IP address if it is a valid IPv4 or IPv6 address, else None.

    An IPv4 address seen through a dual-stack socket (::ffff:a.b.c.d) is returned as IPv4.
    """
    try:
        ip = ipaddress.ip_address((address or '').strip())
    except ValueError:
        return None
    return str(getattr(ip, 'ipv4_mapped', None) or ip)


def get_language(lang_code):
    """Map an Odoo language code (e.g. `ar_001`) to the language of APS' hosted pages."""
    language = (lang_code or '')[:2].lower()
    return language if language in const.SUPPORTED_LANGUAGES else const.DEFAULT_LANGUAGE


def serialize_order_metadata(metadata):
    """Serialize the `order_metadata` object as the compact JSON string posted (and signed)."""
    return json.dumps(metadata, separators=(',', ':'), ensure_ascii=False, sort_keys=False)


# === RESPONSES === #

def normalize_notification(data):
    """Return the notification data with every value as APS signs it (a string).

    JSON notifications may carry numbers; form-encoded ones only strings.

    :param dict data: The decoded notification.
    :return: A new dict with the same keys and rendered values.
    :rtype: dict
    """
    return {str(key): render_value(value) for key, value in data.items()}


def get_message_code(response_code):
    """Return the message code: the last three digits of a five-digit response code."""
    return (response_code or '')[2:]


def map_status(status, response_code):
    """Map an APS status and response code to the state of an Odoo transaction.

    :param str status: The two-digit status.
    :param str response_code: The five-digit response code (status + message code).
    :return: One of 'done', 'authorized', 'pending', 'cancel' or 'error'.
    :rtype: str
    """
    if get_message_code(response_code) == const.CANCELED_MESSAGE_CODE:
        return 'cancel'
    if response_code in const.ON_HOLD_RESPONSE_CODES:
        return 'pending'
    for state, statuses in const.PAYMENT_STATUS_MAPPING.items():
        if status in statuses:
            return state
    return 'error'


def is_transition_allowed(current_state, target_state):
    """Tell whether an APS message may move a transaction from one state to another.

    The same state again is allowed (nothing changes); a final state never goes back.
    """
    return target_state == current_state or target_state in const.ALLOWED_STATE_TRANSITIONS.get(
        current_state, ()
    )


def map_operation_status(command, status, response_code):
    """Map the answer to a maintenance operation (REFUND, CAPTURE, VOID_AUTHORIZATION) to the state
    of the Odoo transaction that carries it.

    :param str command: A key of `const.OPERATION_STATUSES`.
    :param str status: The two-digit status.
    :param str response_code: The five-digit response code.
    :return: 'done' (refunded or captured), 'cancel' (voided), 'pending' (on hold) or 'error'.
    :rtype: str
    """
    success_status, _failure_status = const.OPERATION_STATUSES[command]
    if status == success_status and get_message_code(response_code) == '000':
        return 'cancel' if command == 'VOID_AUTHORIZATION' else 'done'
    if response_code in const.ON_HOLD_RESPONSE_CODES:
        return 'pending'
    return 'error'


def _minor_amount(value):
    value = str(value or '').strip()
    return int(value) if value.isdigit() else 0


def check_status_to_notification(answer, currency):
    """Turn APS' answer to CHECK_STATUS into the payment result it stands for, shaped like a
    notification so that it is applied by the same code.

    CHECK_STATUS reports the last operation on the order (the purchase, or a later refund, capture
    or void) and the amounts authorized, captured and refunded. The payment's own outcome is read
    from the amounts first: money captured means paid, whatever happened after.

    :param dict answer: The verified answer, values as strings.
    :param str currency: The currency of the transaction (CHECK_STATUS does not carry one; APS
                         refuses any other currency on the order).
    :return: The notification-like result, or None if APS does not know the order.
    :rtype: dict|None
    """
    if answer.get('status') != const.CHECK_STATUS_SUCCESS_STATUS:
        return None
    authorized = _minor_amount(answer.get('authorized_amount'))
    captured = _minor_amount(answer.get('captured_amount'))
    last_status = answer.get('transaction_status') or ''
    last_code = answer.get('transaction_code') or ''
    result = {
        'merchant_reference': answer.get('merchant_reference'),
        'fort_id': answer.get('fort_id') or '',
        'response_message': answer.get('transaction_message') or '',
        'currency': currency,
    }
    if captured and captured >= authorized:
        return dict(result, command='PURCHASE', status='14', response_code='14000',
                    amount=str(captured))
    if last_status == const.OPERATION_STATUSES['VOID_AUTHORIZATION'][0]:
        return dict(result, command='VOID_AUTHORIZATION', status=last_status,
                    response_code=last_code)
    if authorized:
        return dict(result, command='PURCHASE', status='02', response_code='02000',
                    amount=str(authorized))
    # Nothing authorized: the purchase outcome itself (pending, declined, canceled...).
    return dict(result, command='PURCHASE', status=last_status, response_code=last_code)


def is_order_not_found(answer):
    """Tell whether APS' answer to CHECK_STATUS says that it does not know the order."""
    return get_message_code(answer.get('response_code')) == const.ORDER_NOT_FOUND_MESSAGE_CODE


def redact(params):
    """Return a copy of the parameters safe to log: secret values are masked."""
    return {
        key: '***' if key in const.SECRET_PARAMETERS and value else value
        for key, value in params.items()
    }


_SECRET_QUERY_RE = re.compile(
    r'(?<=[?&])(%s)=[^&\s"]*' % '|'.join(map(re.escape, const.SECRET_PARAMETERS))
)


def redact_query(text):
    """Mask the secret parameters of the query strings in a text (e.g. an HTTP request line)."""
    return _SECRET_QUERY_RE.sub(r'\1=***', text)


class SecretQueryFilter(logging.Filter):
    """A logging filter masking the secret parameters of query strings.

    Installed on the HTTP access log (`werkzeug`): a return by GET carries APS' echo of every
    request parameter, the access code included, in its query string.
    """

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_query(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class RedactedDict(dict):
    """A dict whose representation masks the secret parameters.

    Odoo logs the rendering values of the redirect form with `pprint`; this keeps the access code
    out of the log while the form still carries it, as APS requires.
    """

    def __repr__(self):
        return repr(redact(self))
