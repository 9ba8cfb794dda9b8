# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.tests.common import PAYMENT_TX_LOGGER, TAMARA_TX_LOGGERS
from odoo.addons.payment_aps_tamara.tests.sandbox_common import APSTamaraSandboxCommon


@tagged('post_install', '-at_install')
class TestSandboxFlows(APSTamaraSandboxCommon):
    """ End to end: Odoo, the shopper and the local APS sandbox talk over real HTTP. """

    def _assert_paid_once(self, tx, deliveries=0):
        self._settle(tx, deliveries)
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.provider_reference, self.sandbox.transaction(tx.reference)['fort_id'])
        SaleOrder = type(self.env['sale.order'])
        with patch.object(
            SaleOrder, 'action_confirm', autospec=True, side_effect=SaleOrder.action_confirm
        ) as action_confirm:
            tx._post_process()
            tx._post_process()
        self.assertEqual(tx.sale_order_ids.state, 'sale')
        self.assertEqual(self._confirmations(action_confirm), 1)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_success_return_and_notification(self):
        tx, form = self._start_payment()
        aps_page = self.shopper.pay(form)
        response = self.shopper.come_back(aps_page)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers['Location'].endswith('/payment/status'))
        deliveries = self.sandbox.wait_for_deliveries(tx.reference, 1)
        self.assertEqual(deliveries[0]['attempt_log'][-1]['http_status'], 200)
        self._assert_paid_once(tx)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_decline_shows_the_shoppers_message(self):
        tx, form = self._start_payment()
        aps_page = self.shopper.pay(form, email='otp.failure@tamara.ai')
        self.shopper.come_back(aps_page)
        self._settle(tx, 1)
        self.assertEqual(tx.state, 'error')
        self.assertEqual(tx.aps_tamara_response_code, '13666')
        self.assertEqual(tx.state_message, "Tamara declined the payment.")
        self.assertEqual(
            tx.aps_tamara_response_message,
            self.sandbox.transaction(tx.reference)['response_message'],
        )

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_customer_cancel(self):
        tx, form = self._start_payment()
        aps_page = self.shopper.pay(form, decision='cancel')
        self.shopper.come_back(aps_page)
        self._settle(tx)
        self.assertEqual(tx.state, 'cancel')
        self.assertEqual(tx.aps_tamara_response_code[2:], '072')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_browser_never_returns_the_notification_alone_pays(self):
        self.sandbox.configure(browser_return=False)
        tx, form = self._start_payment()
        aps_page = self.shopper.pay(form)
        self.assertFalse(self.shopper.has_return_form(aps_page))
        self.sandbox.wait_for_deliveries(tx.reference, 1)
        self._assert_paid_once(tx)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_every_notification_lost_the_return_alone_pays(self):
        self.sandbox.configure(notifications='drop')
        tx, form = self._start_payment()
        self.shopper.come_back(self.shopper.pay(form))
        deliveries = self.sandbox.wait_for_deliveries(tx.reference, 1)
        self.assertEqual({d['state'] for d in deliveries}, {'dropped'})
        self._assert_paid_once(tx)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_duplicated_notifications_pay_once(self):
        self.sandbox.configure(notifications='duplicate', browser_return=False)
        tx, form = self._start_payment()
        self.shopper.pay(form)
        deliveries = self.sandbox.wait_for_deliveries(tx.reference, 2)
        self.assertEqual([d['attempt_log'][-1]['http_status'] for d in deliveries], [200, 200])
        self._assert_paid_once(tx)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_reordered_notifications_never_undo_the_payment(self):
        self.sandbox.configure(notifications='reorder', browser_return=False)
        tx, form = self._start_payment()
        self.shopper.pay(form, email='otp.pending@tamara.ai')
        deliveries = {d['status']: d for d in self.sandbox.wait_for_deliveries(tx.reference, 2)}
        self.assertGreater(
            deliveries['19']['attempt_log'][-1]['at'], deliveries['14']['attempt_log'][-1]['at'],
            "The stale pending notification must arrive after the success.",
        )
        self._assert_paid_once(tx)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_pending_then_success_by_notification(self):
        self.sandbox.configure(pending_delay=3)
        tx, form = self._start_payment()
        self.shopper.come_back(self.shopper.pay(form, email='otp.pending@tamara.ai'))
        self._settle(tx, 1)
        self.assertEqual(tx.state, 'pending')
        self._assert_paid_once(tx, 2)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_each_sha_type(self):
        for sha_type, label in aps_const.SHA_TYPE_LABELS.items():
            with self.subTest(sha_type=label):
                self.provider.aps_tamara_sha_type_test = sha_type
                self.sandbox.configure(sha_type=label)
                tx, form = self._start_payment()
                self.shopper.come_back(self.shopper.pay(form))
                self.sandbox.wait_for_deliveries(tx.reference, 1)
                self._assert_paid_once(tx)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_json_notification(self):
        self.sandbox.configure(notification_format='json', browser_return=False)
        tx, form = self._start_payment()
        self.shopper.pay(form)
        deliveries = self.sandbox.wait_for_deliveries(tx.reference, 1)
        self.assertEqual(deliveries[0]['format'], 'json')
        self._assert_paid_once(tx)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_request_refused_by_aps_shows_its_message(self):
        self.sandbox.configure(request_phrase='another-phrase')
        tx, form = self._start_payment()
        self.shopper.come_back(self.shopper.pay(form))
        self._settle(tx, deliveries=None)  # APS keeps no transaction for a refused request.
        self.assertEqual(tx.state, 'error')
        self.assertEqual(tx.aps_tamara_response_code, '00008')
        self.assertIn(tx.aps_tamara_response_message, tx.state_message)
