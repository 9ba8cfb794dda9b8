"""Odoo-free tests of the masking of secrets in logs (aps/redact.py)."""
import logging

from payment_aps_tamara.aps import redact

PARAMS = {
    'command': 'PURCHASE', 'merchant_reference': 'Test010', 'amount': '1000',
    'access_code': 'SILgpo7pWbmzuURp2qri', 'merchant_identifier': 'MxvOupuG',
}


def test_secrets_are_redacted_for_logs():
    params = dict(PARAMS)
    assert redact.redact(params)['access_code'] == '***'
    assert 'SILgpo7pWbmzuURp2qri' not in repr(redact.RedactedDict(params))
    assert dict(redact.RedactedDict(params)) == params


def test_secret_query_parameters_are_masked_in_log_records():
    line = 'GET /payment/aps_tamara/return?command=PURCHASE&access_code=SILgpo7pWbmzu&amount=1'
    record = logging.LogRecord(
        'werkzeug', logging.INFO, __file__, 1, '"%s" %s %s', (line, '303', '-'), None
    )
    assert redact.SecretQueryFilter().filter(record)
    message = record.getMessage()
    assert 'SILgpo7pWbmzu' not in message
    assert 'access_code=***&amount=1' in message
    assert redact.redact_query('/shop?x_access_code=1') == '/shop?x_access_code=1'


def test_access_log_filter_is_installed_once():
    logger = logging.getLogger('test_redact.access')
    redact.install_access_log_filter(logger.name)
    redact.install_access_log_filter(logger.name)
    assert [type(f) for f in logger.filters] == [redact.SecretQueryFilter]
