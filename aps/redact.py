# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""Secrets kept out of logs: APS' access code travels in every request and in its echo. What is
recorded of a message keeps no personal data of the customer and is bounded in size."""

import json
import logging
import re

from . import const


def redact(params):
    """Return a copy of the parameters safe to log: secret values are masked."""
    return {
        key: '***' if key in const.SECRET_PARAMETERS and value else value
        for key, value in params.items()
    }


def excerpt(params, limit=const.LOG_EXCERPT_MAX_CHARS):
    """Return what to record of a message: readable JSON, secrets masked, the customer's personal
    data left out, each value cut at `const.LOG_EXCERPT_VALUE_MAX_CHARS`, the fields support
    needs first (reference, command, codes, amount), at most `limit` characters in all.

    :param dict params: The message (values as received).
    :param int limit: The maximum length of the text.
    :return: The excerpt.
    :rtype: str
    """
    kept = {
        str(key): _cut(value if isinstance(value, str) else str(value))
        for key, value in redact(params).items()
        if str(key) not in const.PERSONAL_PARAMETERS
    }
    ordered = dict(sorted(kept.items(), key=lambda item: (
        item[0] not in const.LOG_EXCERPT_FIRST_PARAMETERS, item[0],
    )))
    text = json.dumps(ordered, indent=1, ensure_ascii=False)
    return _cut(text, limit)


def _cut(text, limit=const.LOG_EXCERPT_VALUE_MAX_CHARS):
    marker = '… (cut)'
    return text if len(text) <= limit else text[:limit - len(marker)] + marker


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


def install_access_log_filter(logger_name='werkzeug'):
    """Install `SecretQueryFilter` on the HTTP access log, once per process.

    :param str logger_name: The name of the access logger.
    :return: None
    """
    logger = logging.getLogger(logger_name)
    if not any(type(f).__name__ == SecretQueryFilter.__name__ for f in logger.filters):
        logger.addFilter(SecretQueryFilter())


class RedactedDict(dict):
    """A dict whose representation masks the secret parameters.

    Odoo logs the rendering values of the redirect form with `pprint`; this keeps the access code
    out of the log while the form still carries it, as APS requires.
    """

    def __repr__(self):
        return repr(redact(self))
