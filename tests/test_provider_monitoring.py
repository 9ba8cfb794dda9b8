# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    PAYMENT_TX_LOGGER,
    APSTamaraCommon,
)


@tagged('post_install', '-at_install')
class TestNotificationHealth(APSTamaraCommon):
    """ What reaches the notification route is recorded and counted per provider. """

    def setUp(self):
        super().setUp()
        self.webhook_url = self._build_url(APSTamaraController._webhook_url)
        self.return_url = self._build_url(APSTamaraController._return_url)

    def _log(self, **domain):
        return self.env['payment.aps_tamara.log'].search(
            [(key, '=', value) for key, value in domain.items()]
        )

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_accepted_notification_is_shown_on_provider_and_transaction(self):
        tx = self._create_order_transaction()
        self.assertFalse(self.provider.aps_tamara_last_notification_at)
        response = self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(tx.state, 'done')
        self.assertTrue(self.provider.aps_tamara_last_notification_at)
        self.assertEqual(self.provider.aps_tamara_accepted_count, 1)
        log = tx.aps_tamara_log_ids
        self.assertEqual(len(log), 1)
        self.assertEqual((log.channel, log.state, log.response_code), ('webhook', 'accepted', '14000'))
        self.assertEqual(log.company_id, self.provider.company_id)
        received = json.loads(log.response_data)
        self.assertEqual(received['fort_id'], '169996210006464984')
        self.assertEqual(received['access_code'], '***')
        self.assertEqual(tx.aps_tamara_status, '14')
        self.assertEqual(tx.aps_tamara_payment_option, 'TAMARA')

    @mute_logger(CONTROLLER_LOGGER)
    def test_forged_notification_is_refused_and_counted(self):
        tx = self._create_order_transaction()
        forged = dict(self._aps_answer(tx), signature='0' * 64)
        response = self._make_http_post_request(self.webhook_url, data=forged)
        self.assertEqual(response.status_code, 403)
        self.env.invalidate_all()
        self.assertEqual(tx.state, 'draft')
        self.assertEqual(self.provider.aps_tamara_forged_count, 1)
        self.assertEqual(self.provider.aps_tamara_accepted_count, 0)
        self.assertEqual(tx.aps_tamara_log_ids.state, 'forged')

    @mute_logger(CONTROLLER_LOGGER)
    def test_unknown_reference_is_attributed_by_merchant_identifier(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx, merchant_reference='NOT-A-TX-1')
        response = self._make_http_post_request(self.webhook_url, data=answer)
        self.assertEqual(response.status_code, 404)
        stranger = self._aps_answer(tx, merchant_reference='NOT-A-TX-2', merchant_identifier='Nobody')
        response = self._make_http_post_request(self.webhook_url, data=stranger)
        self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertEqual(self.provider.aps_tamara_unknown_count, 1)
        self.assertEqual(self._log(reference='NOT-A-TX-1').provider_id, self.provider)
        unattributed = self._log(reference='NOT-A-TX-2')
        self.assertEqual(unattributed.state, 'unknown')
        self.assertFalse(unattributed.provider_id)
        self.assertEqual(unattributed.company_id, self.env.company)

    @mute_logger(CONTROLLER_LOGGER)
    def test_malformed_notifications_are_recorded(self):
        response = self.opener.post(
            self.webhook_url, data='{not json', headers={'Content-Type': 'application/json'}
        )
        self.assertEqual(response.status_code, 400)
        response = self._make_http_post_request(self.webhook_url, data={'status': '14'})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self._log(channel='webhook', state='malformed')), 2)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_warning_when_payments_get_no_notification(self):
        tx = self._create_order_transaction()
        self._make_http_post_request(self.return_url, data=self._aps_answer(tx))
        self.env.invalidate_all()
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.aps_tamara_log_ids.channel, 'return')
        self.assertFalse(self.provider.aps_tamara_health_warning)  # Notifications may be retried.

        self.env.cr.execute(SQL(
            "UPDATE payment_transaction SET last_state_change = %s WHERE id = %s",
            fields.Datetime.now() - timedelta(hours=2), tx.id,
        ))
        self.env.invalidate_all()
        self.assertEqual(self.provider.aps_tamara_unnotified_count, 1)
        self.assertIn(self.provider.aps_tamara_webhook_url, self.provider.aps_tamara_health_warning)
        action = self.provider.with_context(aps_tamara_list='unnotified') \
            .action_aps_tamara_view_payments()
        self.assertEqual(self.env['payment.transaction'].search(action['domain']), tx)

        # The notification arrives (late): the warning goes.
        self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        self.env.invalidate_all()
        self.assertFalse(self.provider.aps_tamara_health_warning)
        self.assertEqual(self.provider.aps_tamara_unnotified_count, 0)

    def test_old_messages_are_removed(self):
        log_model = self.env['payment.aps_tamara.log']
        old = log_model._aps_tamara_record('webhook', 'unknown', received={'merchant_reference': 'A'})
        new = log_model._aps_tamara_record('webhook', 'unknown', received={'merchant_reference': 'B'})
        self.env.cr.execute(SQL(
            "UPDATE payment_aps_tamara_log SET create_date = %s WHERE id = %s",
            fields.Datetime.now() - timedelta(days=const.LOG_RETENTION_DAYS + 1), old.id,
        ))
        log_model._gc_aps_tamara_logs()
        self.assertFalse(old.exists())
        self.assertTrue(new.exists())
