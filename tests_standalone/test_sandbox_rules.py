"""The local APS sandbox (`aps_sandbox/`, written independently of the module on purpose) and the
module's protocol code agree on APS' rules, except for the differences pinned here: a new
difference, on either side, fails this test."""
import string

from payment_aps_tamara.aps import const, signing
from payment_aps_tamara.aps.params import _is_allowed_char
from payment_aps_tamara.aps_sandbox import signing as sandbox_signing
from payment_aps_tamara.aps_sandbox import validation as sandbox_rules

PROBE = string.printable + 'éßعس٣５'

# Characters the sandbox accepts and the module does not send, by parameter.
SANDBOX_ONLY_CHARACTERS = {
    # The sandbox serves paymentApi commands too (VOID_AUTHORIZATION, CHECK_STATUS...).
    'command': '_',
    # APS documents ASCII only; the sandbox does not refuse other letters (unconfirmed at APS).
    'order_description': 'ßéسع٣５',
}
# Parameters of the sandbox's paymentApi (and the signature itself), unknown to the PURCHASE rules.
SANDBOX_ONLY_PARAMETERS = {
    'signature', 'query_command', 'fort_id', 'maintenance_reference',
    'return_third_party_response_codes',
}
# Values the module never signs (it sends text only), which APS' documentation does not render:
# the sandbox renders them as Java does, the module as PHP does.
RENDERED_DIFFERENTLY = {True: ('true', '1'), False: ('false', ''), None: ('null', '')}


def test_sandbox_rules_differ_from_the_modules_only_as_intended():
    assert set(sandbox_rules.FIELD_RULES) - set(const.REQUEST_PARAMETER_RULES) \
        == SANDBOX_ONLY_PARAMETERS
    assert set(sandbox_rules.PAGE_REQUIRED) == {*const.REQUIRED_REQUEST_PARAMETERS, 'signature'}
    assert set(sandbox_rules.PAGE_OPTIONAL) == {
        *const.OPTIONAL_REQUEST_PARAMETERS, 'customer_name', 'customer_ip', 'return_url',
    }
    assert set(sandbox_rules.CURRENCIES) == set(const.SUPPORTED_CURRENCIES)
    assert set(sandbox_rules.LANGUAGES) == set(const.SUPPORTED_LANGUAGES)
    differences = {}
    for name, (max_length, value_type, specials) in const.REQUEST_PARAMETER_RULES.items():
        rule = sandbox_rules.FIELD_RULES[name]
        if value_type == 'object':  # JSON built by the module; the sandbox checks it is JSON.
            continue
        assert rule.max_length == max_length, name
        module_chars = {c for c in PROBE if _is_allowed_char(c, value_type, specials)}
        sandbox_chars = {c for c in PROBE if rule.allows(c)}
        assert module_chars <= sandbox_chars, f"{name}: the sandbox refuses what the module sends"
        if sandbox_chars - module_chars:
            differences[name] = ''.join(sorted(sandbox_chars - module_chars))
    assert differences == {
        name: ''.join(sorted(chars)) for name, chars in SANDBOX_ONLY_CHARACTERS.items()
    }

    for value in ('S00042-1', 1000, 14.0, 12.5, {'b': 1, 'a': [1, 'x']}, ['a', {'k': 'v'}], ''):
        assert sandbox_signing.render_value(value) == signing.render_value(value), value
    for value, (sandbox_text, module_text) in RENDERED_DIFFERENTLY.items():
        assert (sandbox_signing.render_value(value), signing.render_value(value)) \
            == (sandbox_text, module_text)
