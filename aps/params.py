# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""The parameters of the Tamara PURCHASE request: APS' length and character rules, checks and
cleaning (https://paymentservices.amazon.com/docs/api/payment-methods/tamara).
"""

import ipaddress
import json
import re
import unicodedata

from . import const


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
    """Map a language code (e.g. Odoo's `ar_001`) to the language of APS' hosted pages."""
    language = (lang_code or '')[:2].lower()
    return language if language in const.SUPPORTED_LANGUAGES else const.DEFAULT_LANGUAGE


def serialize_order_metadata(metadata):
    """Serialize the `order_metadata` object as the compact JSON string posted (and signed)."""
    return json.dumps(metadata, separators=(',', ':'), ensure_ascii=False, sort_keys=False)
