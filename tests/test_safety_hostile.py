# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    PAYMENT_TX_LOGGER,
    APSTamaraCommon,
    row_locks,
)

# What a support person needs of a refused message; more is an unauthenticated flood stored.
STORED_EXCERPT_MAX = 4096
# Refused (forged, unknown, malformed) messages kept per hour and provider (or unattributed).
REFUSED_ROWS_PER_HOUR_MAX = 100


@tagged('post_install', '-at_install')
class TestSafetyHostile(APSTamaraCommon):
    """ Hostile, huge or malformed callbacks get a 4xx, change nothing, and cost little. """

    def setUp(self):
        super().setUp()
        self.webhook_url = self._build_url(APSTamaraController._webhook_url)
        self.return_url = self._build_url(APSTamaraController._return_url)
        self.tx = self._create_order_transaction()
        self.env.flush_all()

    def _post(self, url, **kwargs):
        self.env.flush_all()
        response = self.opener.post(url, timeout=60, allow_redirects=False, **kwargs)
        self.env.invalidate_all()
        return response

    def _refused_rows(self):
        return self.env['payment.aps_tamara.log'].search(
            [('state', 'in', ('forged', 'unknown', 'malformed'))]
        )

    # === 4. Unauthenticated flood === #

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_oversized_body_is_refused_with_413(self):
        body = {'merchant_reference': self.tx.reference, 'merchant_extra': 'x' * 300_000}
        for url in (self.webhook_url, self.return_url):
            with self.subTest(url=url):
                self.assertEqual(self._post(url, data=body).status_code, 413)
                self.assertEqual(self._post(url, json=body).status_code, 413)
        self.assertEqual(self.tx.state, 'draft')

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_refused_message_is_stored_as_a_bounded_excerpt(self):
        forged = dict(self._aps_answer(self.tx), merchant_extra='y' * 20_000, signature='0' * 64)
        self.assertEqual(self._post(self.webhook_url, data=forged).status_code, 403)
        rows = self._refused_rows()
        self.assertTrue(rows)
        self.assertTrue(all(len(row.response_data or '') <= STORED_EXCERPT_MAX for row in rows))

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_signature_is_checked_before_any_row_lock(self):
        forged = dict(self._aps_answer(self.tx), signature='0' * 64)
        with self._recorded_queries() as queries:
            self.assertEqual(self._post(self.webhook_url, data=forged).status_code, 403)
        self.assertEqual(row_locks(queries), [], "A forged message must not lock the transaction.")

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER, 'odoo.addons.payment_aps_tamara.models.payment_provider')
    def test_refused_rows_stay_bounded_under_a_flood(self):
        before = len(self._refused_rows())
        for index in range(REFUSED_ROWS_PER_HOUR_MAX + 50):
            self._post(self.webhook_url, data={
                'merchant_reference': f'NOPE-{index}', 'signature': 'f' * 64,
                'merchant_identifier': self.provider.aps_tamara_merchant_identifier_test,
            })
        self.assertLessEqual(len(self._refused_rows()) - before, REFUSED_ROWS_PER_HOUR_MAX + 1)

    # === 5. 500s from hostile bodies === #

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_deeply_nested_json_gets_a_4xx(self):
        for depth in (900, 5000):
            for body in (
                '[' * depth + ']' * depth,
                json.dumps({'merchant_reference': self.tx.reference, 'signature': 'a'})[:-1]
                + ', "merchant_extra": ' + '[' * depth + ']' * depth + '}',
            ):
                with self.subTest(depth=depth, body=body[:40]):
                    response = self._post(
                        self.webhook_url, data=body, headers={'Content-Type': 'application/json'}
                    )
                    self.assertGreaterEqual(response.status_code, 400)
                    self.assertLess(response.status_code, 500)
        self.assertEqual(self.tx.state, 'draft')

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_json_values_of_other_types_get_a_4xx(self):
        answer = self._aps_answer(self.tx)
        for name, value in (
            ('amount', 999999), ('status', None), ('signature', {'a': 1}), ('signature', 12),
            ('merchant_reference', ['x']), ('response_code', 14000.0), ('currency', True),
            ('signature', 'é' * 64), ('command', {'nested': {'deeper': [1, None]}}),
        ):
            with self.subTest(name=name, value=value):
                response = self._post(self.webhook_url, json=dict(answer, **{name: value}))
                self.assertGreaterEqual(response.status_code, 400)
                self.assertLess(response.status_code, 500)
        self.assertEqual(self.tx.state, 'draft')

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_undecodable_form_body_gets_a_4xx(self):
        response = self._post(
            self.webhook_url, data=b'merchant_reference=\xff\xfe&signature=\xc3(',
            headers={'Content-Type': 'application/x-www-form-urlencoded'},
        )
        self.assertLess(response.status_code, 500)
        self.assertEqual(self.tx.state, 'draft')

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER, 'odoo.addons.payment_aps.controllers.main')
    def test_non_ascii_signature_for_core_aps_transaction_gets_a_4xx(self):
        if 'aps' not in dict(self.env['payment.provider']._fields['code'].selection):
            self.fail("payment_aps must be installed for this test (tools/test installs it)")
        aps_provider = self._prepare_provider('aps', update_values={
            'aps_merchant_identifier': 'LbscwkFC', 'aps_access_code': 'AWhDMzqUiHeYJXFiMgaX',
            'aps_sha_request': 'card-req', 'aps_sha_response': 'card-resp',
        })
        self.provider.state = 'test'
        card_tx = self.env['payment.transaction'].create({
            'provider_id': aps_provider.id,
            'payment_method_id': self.env.ref('payment.payment_method_card').id,
            'reference': 'tx-core-hostile', 'amount': 111.11, 'currency_id': self.currency_sar.id,
            'partner_id': self.partner.id, 'operation': 'online_redirect',
        })
        for post in ({'data': {}}, {'json': {}}):
            body = {'merchant_reference': card_tx.reference, 'signature': 'é' * 64,
                    'status': '14', 'response_code': '14000', 'amount': '11111', 'currency': 'SAR'}
            kind, = post
            with self.subTest(kind=kind):
                response = self._post(self.webhook_url, **{kind: body})
                self.assertGreaterEqual(response.status_code, 400)
                self.assertLess(response.status_code, 500)
        self.assertEqual(card_tx.state, 'draft')
