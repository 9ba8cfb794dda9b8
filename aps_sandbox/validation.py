"""Parameter rules of the APS Tamara paymentPage request and of the paymentApi commands.

Lengths and allowed special characters follow APS' Tamara API page
(https://paymentservices.amazon.com/docs/api/payment-methods/tamara): "alphanumeric" and
"alpha" mean ASCII letters (and digits). One leniency is kept on purpose: ``order_description``
also accepts non-ASCII letters and digits (e.g. Arabic), which APS documents neither way; the
module itself sends ASCII only. The differences from the module's rules (``aps/const.py``) are
pinned by ``tests_standalone/test_sandbox_rules.py``.
"""
import dataclasses
import json
import re
import string

from .codes import ApsError

ASCII_LETTERS = frozenset(string.ascii_letters)
ASCII_DIGITS = frozenset(string.digits)
EXTRA_SPECIALS = ".;/_-,'@"


@dataclasses.dataclass(frozen=True)
class Rule:
    """Max length and allowed characters of one parameter."""

    max_length: int
    letters: bool = True
    digits: bool = True
    specials: str = ''
    unicode: bool = False

    def allows(self, char):
        """True when ``char`` may appear in the value."""
        if char in self.specials:
            return True
        if self.unicode:
            return (self.letters and char.isalpha()) or (self.digits and char.isdigit())
        return (self.letters and char in ASCII_LETTERS) or (self.digits and char in ASCII_DIGITS)


ALPHA = dict(digits=False)
NUMERIC = dict(letters=False)

FIELD_RULES = {
    'command': Rule(20, **ALPHA, specials='_'),
    'query_command': Rule(50, **ALPHA, specials='_'),
    'access_code': Rule(20),
    'merchant_identifier': Rule(20),
    'merchant_reference': Rule(40, specials='-_.'),
    'amount': Rule(10, **NUMERIC),
    'currency': Rule(3, **ALPHA),
    'language': Rule(2, **ALPHA),
    'customer_email': Rule(254, specials='_-.@+'),
    'signature': Rule(200),
    'phone_number': Rule(19, **NUMERIC, specials='+-() '),
    'payment_option': Rule(10, **ALPHA),
    'order_description': Rule(150, specials="'/._-#:$ ", unicode=True),
    'customer_name': Rule(40, **ALPHA, specials="_\\/-.' "),
    'customer_ip': Rule(45, specials='.:'),
    'convenience_fee': Rule(10, **NUMERIC),
    'settlement_reference': Rule(22, specials='-_.'),
    'merchant_extra': Rule(999, specials=EXTRA_SPECIALS),
    **{f'merchant_extra{i}': Rule(250, specials=EXTRA_SPECIALS) for i in range(1, 6)},
    'return_url': Rule(400, specials='$!=?#&-_/:.'),
    'order_metadata': Rule(4000, specials='', unicode=True),
    'fort_id': Rule(20, **NUMERIC),
    'maintenance_reference': Rule(200, specials='-_.'),
    'return_third_party_response_codes': Rule(3, **ALPHA),
}

PAGE_REQUIRED = (
    'command', 'access_code', 'merchant_identifier', 'merchant_reference', 'amount', 'currency',
    'language', 'customer_email', 'payment_option', 'phone_number', 'order_description', 'signature',
)
PAGE_OPTIONAL = (
    'customer_name', 'customer_ip', 'return_url', 'convenience_fee', 'settlement_reference',
    'merchant_extra', 'merchant_extra1', 'merchant_extra2', 'merchant_extra3', 'merchant_extra4',
    'merchant_extra5', 'order_metadata',
)

_API_BASE = ('access_code', 'merchant_identifier', 'merchant_reference', 'language', 'signature')
API_COMMANDS = {
    # command: (required, optional)
    'REFUND': (_API_BASE + ('command', 'amount', 'currency'),
               ('fort_id', 'maintenance_reference', 'order_description')),
    'CAPTURE': (_API_BASE + ('command', 'amount', 'currency'), ('fort_id', 'order_description')),
    'VOID_AUTHORIZATION': (_API_BASE + ('command',), ('fort_id', 'order_description')),
    'CHECK_STATUS': (_API_BASE + ('query_command',), ('fort_id', 'return_third_party_response_codes')),
}

CURRENCIES = ('SAR', 'AED')
LANGUAGES = ('en', 'ar')
EMAIL = re.compile(r'^[^@]+@[^@]+\.[^@]+$')
URL = re.compile(r'^https?://[^/?#]+')


def check_names(params, required, optional):
    """027 for an unknown parameter, 001 for a missing or empty required one."""
    if set(params) - set(required) - set(optional):
        raise ApsError('027')
    if any(str(params.get(name, '')).strip() == '' for name in required):
        raise ApsError('001')


def check_formats(params):
    """032 for a too long value, 002 for a character (or shape) that is not allowed."""
    for name, value in params.items():
        rule = FIELD_RULES[name]
        text = str(value)
        if len(text) > rule.max_length:
            raise ApsError('032')
        if name == 'order_metadata':
            _check_metadata(text)
        elif not all(rule.allows(char) for char in text):
            raise ApsError('002')
    if params.get('customer_email') and not EMAIL.match(params['customer_email']):
        raise ApsError('002')


def _check_metadata(text):
    """order_metadata must be JSON object text (the sandbox's reading of "Object")."""
    try:
        value = json.loads(text)
    except ValueError:
        raise ApsError('002') from None
    if not isinstance(value, dict):
        raise ApsError('002')


def check_page_values(params):
    """Value rules of the Tamara PURCHASE: command, payment option, currency, language, amount."""
    if params['command'] != 'PURCHASE':
        raise ApsError('004')
    if params['payment_option'] != 'TAMARA':
        raise ApsError('080')
    check_currency_language(params)
    if int(params['amount']) <= 0:
        raise ApsError('005')


def check_currency_language(params):
    """013 for a currency other than SAR/AED, 033 for a language other than en/ar."""
    if 'currency' in params and params['currency'] not in CURRENCIES:
        raise ApsError('013')
    if params['language'] not in LANGUAGES:
        raise ApsError('033')


def return_url_problem(url):
    """The message code that makes ``url`` unusable as a return target, or ``None``."""
    if not url:
        return '037'
    rule = FIELD_RULES['return_url']
    if len(url) > rule.max_length:
        return '032'
    if not all(rule.allows(char) for char in url) or not URL.match(url):
        return '002'
    return None
