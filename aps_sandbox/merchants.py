"""Merchant accounts as configured in the APS back office, plus the sandbox fault switches."""
import dataclasses
import json
import re

from .signing import SHA_TYPES

NOTIFICATION_SWITCH = re.compile(r'^(deliver|drop|duplicate|reorder|delay:\d+(\.\d+)?)$')
API_FAULT = re.compile(r'^(none|http_500|bad_signature|refund_hold|timeout:\d+(\.\d+)?)$')
MAX_RETRIES = 100
MAX_SECONDS = 3600


@dataclasses.dataclass
class Merchant:
    """One merchant account; every field can be changed at runtime via the control API."""

    merchant_identifier: str
    access_code: str
    request_phrase: str
    response_phrase: str
    sha_type: str = 'SHA-256'
    notification_url: str = ''
    notification_format: str = 'form'
    capture: str = 'immediate'
    notifications: str = 'deliver'
    browser_return: bool = True
    retries: int = 10
    retry_interval: float = 10.0
    pending_delay: float = 5.0
    api_fault: str = 'none'
    return_url: str = ''
    duplicate_refund: str = 'refuse'
    notification_fee: str = 'included'

    def validate(self):
        """Raise ``ValueError`` when a setting is outside its allowed values."""
        for name in ('merchant_identifier', 'access_code', 'request_phrase', 'response_phrase'):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f'{name} must be a non-empty string')
        checks = [
            (self.sha_type in SHA_TYPES, f'sha_type must be one of {sorted(SHA_TYPES)}'),
            (self.notification_format in ('form', 'json'), 'notification_format must be form or json'),
            (self.capture in ('immediate', 'deferred'), 'capture must be immediate or deferred'),
            (bool(NOTIFICATION_SWITCH.match(str(self.notifications))),
             'notifications must be deliver, drop, duplicate, reorder or delay:<seconds>'),
            (bool(API_FAULT.match(str(self.api_fault))),
             'api_fault must be none, http_500, bad_signature, refund_hold or timeout:<seconds>'),
            (self.duplicate_refund in ('refuse', 'refund_again'), 'duplicate_refund must be refuse or refund_again'),
            (self.notification_fee in ('included', 'excluded'), 'notification_fee must be included or excluded'),
            (isinstance(self.browser_return, bool), 'browser_return must be true or false'),
            (_is_number(self.retries) and 0 <= self.retries <= MAX_RETRIES
             and int(self.retries) == self.retries, f'retries must be an integer 0..{MAX_RETRIES}'),
            (_is_number(self.retry_interval) and 0 <= self.retry_interval <= MAX_SECONDS,
             f'retry_interval must be 0..{MAX_SECONDS} seconds'),
            (_is_number(self.pending_delay) and 0 <= self.pending_delay <= MAX_SECONDS,
             f'pending_delay must be 0..{MAX_SECONDS} seconds'),
            (isinstance(self.notification_url, str) and isinstance(self.return_url, str),
             'notification_url and return_url must be strings'),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        for name in ('delay', 'timeout'):
            switch = self.notifications if name == 'delay' else self.api_fault
            if switch.startswith(name + ':') and float(switch.split(':', 1)[1]) > MAX_SECONDS:
                raise ValueError(f'{name} must be at most {MAX_SECONDS} seconds')

    def updated(self, changes):
        """Return a validated copy with ``changes`` (a dict of field values) applied."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f'unknown merchant settings: {sorted(unknown)}')
        if changes.get('merchant_identifier', self.merchant_identifier) != self.merchant_identifier:
            raise ValueError('merchant_identifier cannot be changed')
        merchant = dataclasses.replace(self, **changes)
        merchant.validate()
        return merchant

    def to_dict(self):
        """The settings as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data):
        """Build and validate a merchant from a dict (unknown keys are an error)."""
        if not isinstance(data, dict):
            raise ValueError('a merchant must be a JSON object')
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f'unknown merchant settings: {sorted(unknown)}')
        try:
            merchant = cls(**data)
        except TypeError as error:
            raise ValueError(str(error)) from None
        merchant.validate()
        return merchant


def _is_number(value):
    """True for int/float values that are not booleans."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_config(path):
    """Read ``{"merchants": [ {...}, ... ]}`` from a JSON file."""
    with open(path, encoding='utf-8') as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not isinstance(data.get('merchants'), list):
        raise ValueError(f'{path}: expected an object with a "merchants" list')
    return [Merchant.from_dict(item) for item in data['merchants']]


def parse_merchant_spec(spec, **defaults):
    """Parse ``IDENT:ACCESS:REQ_PHRASE:RESP_PHRASE[:SHA_TYPE]`` (phrases without ``:``)."""
    parts = spec.split(':')
    if len(parts) == 4:
        parts.append('SHA-256')
    if len(parts) != 5:
        raise ValueError(f'--merchant {spec!r}: expected IDENT:ACCESS:REQ_PHRASE:RESP_PHRASE[:SHA_TYPE]')
    ident, access, request_phrase, response_phrase, sha_type = parts
    merchant = Merchant(ident, access, request_phrase, response_phrase, sha_type.upper(), **defaults)
    merchant.validate()
    return merchant
