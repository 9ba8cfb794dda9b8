"""APS request/response signatures, written independently of any merchant-side code.

Algorithm (APS "Signature Pattern"): every parameter except ``signature``, sorted by
name, rendered ``name=value`` and concatenated without separator, wrapped as
``PHRASE + string + PHRASE``, UTF-8 encoded and hashed; hex output.  SHA-256/SHA-512 are
plain hashes, HMAC-256/HMAC-512 are HMACs of the same wrapped string keyed with the
same phrase (behaviour of the official APS plugins).
"""
import hashlib
import hmac

SHA_TYPES = {
    'SHA-256': ('sha256', False),
    'SHA-512': ('sha512', False),
    'HMAC-256': ('sha256', True),
    'HMAC-512': ('sha512', True),
}


def render_value(value):
    """Render one parameter value the way APS concatenates it.

    Integers (and integral floats) have no decimals, booleans are ``true``/``false``,
    ``None`` is ``null``; dicts are ``{k=v, k=v}`` in insertion order and lists are
    ``[a, b]`` (Java ``Map.toString()`` style, nested values rendered recursively).
    """
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value is None:
        return 'null'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return '{' + ', '.join(f'{k}={render_value(v)}' for k, v in value.items()) + '}'
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(render_value(v) for v in value) + ']'
    return str(value)


def signature_string(params, phrase):
    """Return the phrase-wrapped string that is hashed for ``params``."""
    body = ''.join(
        f'{name}={render_value(value)}'
        for name, value in sorted(params.items())
        if name != 'signature'
    )
    return phrase + body + phrase


def sign(params, phrase, sha_type='SHA-256'):
    """Compute the lowercase hex signature of ``params`` with ``phrase`` and ``sha_type``."""
    try:
        algorithm, keyed = SHA_TYPES[sha_type]
    except KeyError:
        raise ValueError(f'unsupported SHA type {sha_type!r}') from None
    message = signature_string(params, phrase).encode('utf-8')
    if keyed:
        return hmac.new(phrase.encode('utf-8'), message, algorithm).hexdigest()
    return hashlib.new(algorithm, message).hexdigest()


def verify(params, phrase, sha_type='SHA-256'):
    """Tell whether ``params['signature']`` matches, case-insensitively and in constant time."""
    received = str(params.get('signature') or '').lower()
    expected = sign(params, phrase, sha_type)
    return hmac.compare_digest(expected.encode('ascii'), received.encode('utf-8', 'replace'))


def signed(params, phrase, sha_type='SHA-256'):
    """Return a copy of ``params`` with a fresh ``signature`` added."""
    result = {name: value for name, value in params.items() if name != 'signature'}
    result['signature'] = sign(result, phrase, sha_type)
    return result
