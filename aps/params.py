# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""The parameters of the Tamara PURCHASE request: APS' length and character rules, checks and
cleaning (https://paymentservices.amazon.com/docs/api/payment-methods/tamara).
"""

import functools
import ipaddress
import json
import re
import unicodedata

from . import const

_ALLOWED_ASCII = {'alpha': 'A-Za-z', 'numeric': '0-9', 'alnum': 'A-Za-z0-9'}


@functools.cache
def _disallowed_chars(value_type, specials):
    """A regular expression matching the characters a value may not hold: anything but ASCII
    letters (`alpha`), digits (`numeric`) or both (`alnum`), and the special characters listed."""
    return re.compile(f'[^{_ALLOWED_ASCII[value_type]}{re.escape(specials)}]')


def _is_allowed_char(char, value_type, specials):
    return not _disallowed_chars(value_type, specials).match(char)


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
        invalid = sorted(set(_disallowed_chars(value_type, specials).findall(value)))
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


def prepare_optional_parameters(params):
    """Put the optional parameters of a request in the form they are sent and signed, in place:
    `order_metadata` serialized, empty values dropped, the others as strings.

    :param dict params: The request parameters.
    :return: None
    """
    if isinstance(params.get('order_metadata'), (dict, list)):
        params['order_metadata'] = serialize_order_metadata(params['order_metadata'])
    for name in const.OPTIONAL_REQUEST_PARAMETERS:
        if name in params and params[name] in (None, '', 0):
            del params[name]
        elif name in params:
            params[name] = str(params[name])


def clean_text(text, name):
    """Make a free text acceptable for a parameter: fold accents, drop disallowed characters,
    collapse spaces and cut at the maximum length.

    :param str text: The text to clean.
    :param str name: The name of the parameter, a key of `const.REQUEST_PARAMETER_RULES`.
    :return: The cleaned text, possibly empty.
    :rtype: str
    """
    max_length, value_type, specials = const.REQUEST_PARAMETER_RULES[name]
    text = text or ''
    if not text.isascii():  # Accents folded: the combining marks left by NFKD are dropped.
        text = ''.join(
            char for char in unicodedata.normalize('NFKD', text) if not unicodedata.combining(char)
        )
    kept = _disallowed_chars(value_type, specials).sub(' ', text)
    return re.sub(r'\s+', ' ', kept).strip()[:max_length].strip()


def build_order_description(order_reference, item_names):
    """Build a meaningful `order_description`: the order reference followed by what was bought,
    within APS' 150 allowed characters.

    :param str order_reference: The reference of the order (e.g. S00042).
    :param list item_names: The names of the items bought, quantities included.
    :return: The description.
    :rtype: str
    """
    max_length = const.REQUEST_PARAMETER_RULES['order_description'][0]
    reference = clean_text(order_reference, 'order_description')
    names, length = [], len(reference) - 1  # `reference: ` then ` / ` between two names.
    for item_name in item_names:
        if length >= max_length:  # The items beyond would be cut off: not even cleaned.
            break
        if name := clean_text(item_name, 'order_description'):
            names.append(name)
            length += len(name) + 3
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
    """Map a language code (e.g. Odoo's `ar_001`) to the language of APS' hosted pages."""
    language = (lang_code or '')[:2].lower()
    return language if language in const.SUPPORTED_LANGUAGES else const.DEFAULT_LANGUAGE


def serialize_order_metadata(metadata):
    """Serialize the `order_metadata` object as the compact JSON string posted (and signed)."""
    return json.dumps(metadata, separators=(',', ':'), ensure_ascii=False, sort_keys=False)
