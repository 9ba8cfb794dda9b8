# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    PAYMENT_TX_LOGGER,
    TAMARA_TX_LOGGERS,
    APSTamaraCommon,
)

# A small count in the suite; tools/fuzz_callbacks.py runs >= 10,000 against a running Odoo.
EXAMPLES = 25
APS_NAMES = (
    'merchant_reference', 'signature', 'status', 'response_code', 'response_message', 'amount',
    'currency', 'command', 'fort_id', 'merchant_identifier', 'access_code', 'maintenance_reference',
    'convenience_fee', 'payment_option', 'customer_email', 'language',
)
names = st.one_of(st.sampled_from(APS_NAMES), st.text(min_size=0, max_size=30))
scalars = st.one_of(
    st.text(max_size=200), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
    st.text(alphabet='0123456789abcdef', min_size=64, max_size=64),
)
json_values = st.recursive(
    scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ), max_leaves=30,
)
LOGGERS = (CONTROLLER_LOGGER, PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS,
           'odoo.addons.payment_aps_tamara.models.payment_aps_tamara_log',
           'odoo.addons.payment_aps.controllers.main', 'odoo.http')


@tagged('post_install', '-at_install')
class TestSafetyFuzz(APSTamaraCommon):
    """ Property: without a valid signature, no body (form or JSON, any size, nesting, type,
    encoding) gets a 5xx or changes the transaction it names. """

    def setUp(self):
        super().setUp()
        self.tx = self._create_order_transaction()
        self.env.flush_all()

    def _check(self, response):
        self.assertLess(response.status_code, 500, response.text[:300])
        self.env.invalidate_all()
        self.assertEqual(self.tx.state, 'draft')

    @mute_logger(*LOGGERS)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(fields=st.dictionaries(names, st.text(max_size=300), max_size=12),
           keep_reference=st.booleans(), route=st.sampled_from(('webhook', 'return')))
    def test_form_bodies(self, fields, keep_reference, route):
        if keep_reference:
            fields['merchant_reference'] = self.tx.reference
        url = APSTamaraController._webhook_url if route == 'webhook' else APSTamaraController._return_url
        self._check(self.opener.post(self._build_url(url), data=fields, timeout=60, allow_redirects=False))

    @mute_logger(*LOGGERS)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=st.dictionaries(names, json_values, max_size=12) | json_values,
           keep_reference=st.booleans())
    def test_json_bodies(self, body, keep_reference):
        if keep_reference and isinstance(body, dict):
            body['merchant_reference'] = self.tx.reference
        self._check(self.opener.post(
            self._build_url(APSTamaraController._webhook_url), timeout=60,
            data=json.dumps(body, allow_nan=True), headers={'Content-Type': 'application/json'},
        ))

    @mute_logger(*LOGGERS)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(raw=st.binary(max_size=2000), kind=st.sampled_from((
        'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data',
    )), depth=st.integers(min_value=0, max_value=3000))
    def test_raw_bytes_and_nesting(self, raw, kind, depth):
        body = b'[' * depth + raw + b']' * depth
        self._check(self.opener.post(
            self._build_url(APSTamaraController._webhook_url), data=body, timeout=60,
            headers={'Content-Type': kind},
        ))
