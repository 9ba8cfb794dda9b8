# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""Messages received from APS (the shopper's return and the notifications), decoded defensively.

Anyone can post to the callback URLs: a body is turned into a flat dict of strings, as APS signs
them, or refused with `MalformedMessage`, whatever its size, nesting, types or encoding.
"""

import json

from . import const, signing


class MalformedMessage(ValueError):
    """The body is not a message APS could have sent; `args[0]` says why, in a few words."""


def decode_json(raw):
    """Decode a JSON body into a flat message.

    :param bytes raw: The body, at most `const.CALLBACK_MAX_BYTES` long.
    :return: The message, every key and value a string.
    :rtype: dict
    :raise MalformedMessage: If the body is not a JSON object APS could have sent.
    """
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError.
        raise MalformedMessage("not valid JSON") from error
    return flatten(data)


def flatten(data):
    """Return the message with every value as APS signs it, or refuse it.

    Values are strings (form bodies, most JSON values) or integers; a nested object or list (the
    documented `order_metadata`) is rendered as APS' own code renders it, if not too deep. Null,
    booleans and floats are never sent by APS. A key or value that PostgreSQL cannot store (NUL,
    lone surrogates) is refused.

    :param data: The decoded body.
    :return: A new dict of strings.
    :rtype: dict
    :raise MalformedMessage: If the body is not a message APS could have sent.
    """
    if not isinstance(data, dict):
        raise MalformedMessage("not an object")
    if len(data) > const.CALLBACK_MAX_FIELDS:
        raise MalformedMessage("too many parameters")
    message = {}
    for key, value in data.items():
        if isinstance(value, bool) or value is None or isinstance(value, float):
            raise MalformedMessage(f"unexpected {type(value).__name__} value")
        if isinstance(value, (dict, list)):
            if _depth(value) > const.CALLBACK_MAX_DEPTH:
                raise MalformedMessage("nested too deep")
            value = signing.render_value(value)
        elif isinstance(value, int):
            value = str(value)
        elif not isinstance(value, str):
            raise MalformedMessage(f"unexpected {type(value).__name__} value")
        message[_storable(str(key))] = _storable(value)
    return message


def _depth(value, limit=const.CALLBACK_MAX_DEPTH + 1):
    """The nesting depth of a JSON value, counted up to `limit` (no recursion beyond it)."""
    depth, level = 0, [value]
    while level and depth < limit:
        depth += 1
        level = [
            item for node in level if isinstance(node, (dict, list))
            for item in (node.values() if isinstance(node, dict) else node)
            if isinstance(item, (dict, list))
        ]
    return depth + (1 if level else 0)


def _storable(text):
    """Return the text if it can be stored and signed as UTF-8, else refuse the message."""
    if '\x00' in text:
        raise MalformedMessage("NUL character")
    try:
        text.encode()
    except UnicodeEncodeError as error:
        raise MalformedMessage("not valid UTF-8") from error
    return text
