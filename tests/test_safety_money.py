# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    PAYMENT_TX_LOGGER,
    TAMARA_API_LOGGER,
    TAMARA_TX_LOGGERS,
)
from odoo.addons.payment_aps_tamara.tests.sandbox_common import APSTamaraSandboxCommon


@tagged('post_install', '-at_install')
class TestSafetyMoney(APSTamaraSandboxCommon):
    """ A payment APS reports as paid ends paid; a capture or a refund is never sent twice; what
    APS documents about fees and refunds is followed. Against the local APS sandbox over HTTP. """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enable_post_process_patcher = False
        cls.provider.journal_id = cls.env['account.journal'].search([
            *cls.env['account.journal']._check_company_domain(cls.provider.company_id),
            ('type', '=', 'bank'),
        ], limit=1)

    def setUp(self):
        super().setUp()
        self.provider.write({
            'aps_tamara_capture_immediately': True,
            'aps_tamara_check_after': 0,
            'aps_tamara_abandon_after': 0,
        })

    def _capture(self):
        """ Run the capture job, as its trigger does. """
        self.env.flush_all()
        self.env['payment.transaction']._cron_aps_tamara_capture()
        self.env.invalidate_all()

    def _reconcile(self):
        """ Run the scheduled reconciliation, as the cron does. """
        self.env.flush_all()
        self.env.ref('payment_aps_tamara.cron_reconcile_aps_tamara').method_direct_trigger()
        self.env.invalidate_all()

    def _pay(self, **values):
        tx, form = self._start_payment(**values)
        self.shopper.come_back(self.shopper.pay(form))
        self._settle(tx, 1)
        self.assertEqual(tx.state, 'done')
        return tx

    def _operations(self, tx, command):
        return [op for op in self.sandbox.transaction(tx.reference)['operations']
                if op['command'] == command]

    def _refunds(self, tx):
        return tx.child_transaction_ids.filtered(lambda t: t.operation == 'refund')

    def _post_webhook(self, payload):
        self.env.flush_all()
        response = self._make_http_post_request(
            self._build_url(APSTamaraController._webhook_url), data=payload
        )
        self.env.invalidate_all()
        return response

    # === 1. Paid at APS, cancelled in Odoo === #

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_payment_on_hold_at_aps_is_never_cancelled(self):
        """ CHECK_STATUS answers 15777 (on hold) for a checkout left without answer: the
        reconciliation must not cancel it after the abandon delay. """
        self.sandbox.configure(notifications='drop', browser_return=False, pending_delay=3600)
        tx, form = self._start_payment()
        self.shopper.pay(form, email='otp.onhold@tamara.ai')
        self.assertEqual(self.sandbox.transaction(tx.reference)['response_code'], '15777')
        tx.aps_tamara_redirected_at = fields.Datetime.now() - timedelta(days=2)
        self._reconcile()
        self._reconcile()
        self.assertEqual(tx.state, 'pending', "APS has the payment on hold: it may still be paid.")
        self.assertEqual(tx.aps_tamara_response_code, '15777')
        self.assertEqual(tx.sale_order_ids.state, 'draft')

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, CONTROLLER_LOGGER)
    def test_signed_success_after_cancel_confirms_and_tells_the_merchant(self):
        tx, _form = self._start_payment()
        tx._set_canceled()
        self.env.flush_all()
        response = self._post_webhook(self._aps_answer(tx))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, 'done', "APS says paid: the customer was charged.")
        tx._post_process()
        self.assertEqual(tx.sale_order_ids.state, 'sale')
        self.assertTrue(tx.payment_id, "The payment is recorded.")
        activity = tx.sale_order_ids.activity_ids
        self.assertEqual(len(activity), 1, "The merchant must see the late payment of a cancel.")
        self.assertIn(tx.reference, activity.note)
        self.assertEqual(self._post_webhook(self._aps_answer(tx)).status_code, 200)
        self.assertEqual(len(tx.sale_order_ids.activity_ids), 1, "The same message twice: once.")

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, CONTROLLER_LOGGER)
    def test_signed_success_after_error_and_order_cancel_confirms_the_order(self):
        tx, _form = self._start_payment()
        answer = self._aps_answer(tx)
        tx._set_error("Refused")
        tx.sale_order_ids._action_cancel()
        self.env.flush_all()
        self.assertEqual(self._post_webhook(answer).status_code, 200)
        self.assertEqual(tx.state, 'done')
        tx._post_process()
        self.assertEqual(tx.sale_order_ids.state, 'sale', "The canceled order is confirmed.")
        self.assertTrue(tx.sale_order_ids.activity_ids)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, CONTROLLER_LOGGER)
    def test_voided_payment_stays_voided_on_a_late_authorization(self):
        tx, _form = self._start_payment()
        answer = self._aps_answer(tx, status='02', response_code='02000')
        tx.write({'state': 'cancel', 'aps_tamara_response_code': '08000'})
        self.env.flush_all()
        self.assertEqual(self._post_webhook(answer).status_code, 200)
        self.assertEqual(tx.state, 'cancel')

    # === 7. Capture repeated === #

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, TAMARA_API_LOGGER, CONTROLLER_LOGGER)
    def test_authorization_is_captured_once(self):
        """ APS captured, but its answer could not be verified: repeated 02 messages and
        reconciliation passes must not send CAPTURE again. """
        self.sandbox.configure(capture='deferred', notifications='drop', api_fault='bad_signature')
        tx, form = self._start_payment()
        aps_page = self.shopper.pay(form)
        self.shopper.come_back(aps_page)
        self.env.invalidate_all()
        self.assertEqual(tx.state, 'authorized')
        self.assertFalse(self._operations(tx, 'CAPTURE'), "Not while the message is applied.")
        self._capture()
        self.assertEqual(len(self._operations(tx, 'CAPTURE')), 1)
        self.assertTrue(tx.aps_tamara_capture_sent_at)
        self.sandbox.configure(api_fault='none')
        for _copy in range(3):
            self.shopper.come_back(aps_page)
            self._capture()
        self.assertEqual(len(self._operations(tx, 'CAPTURE')), 1, "A capture is sent once.")
        self._reconcile()
        self._reconcile()
        self._capture()
        self.assertEqual(len(self._operations(tx, 'CAPTURE')), 1, "A capture is sent once.")
        self.assertEqual(tx.state, 'done', "The status check found it captured.")
        aps = self.sandbox.transaction(tx.reference)
        self.assertEqual(aps['captured_amount'], aps['authorized_amount'])

    # === 8. Refunds on hold === #

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, TAMARA_API_LOGGER)
    def test_refund_on_hold_is_followed_up(self):
        tx = self._pay()
        self.sandbox.configure(notifications='drop', api_fault='refund_hold', pending_delay=0.2)
        tx.action_refund(amount_to_refund=100.0)
        refund = self._refunds(tx)
        self.assertEqual(refund.state, 'pending', "APS answered 06006: not refunded yet.")
        self.assertEqual(tx._aps_tamara_get_refundable_amount(), round(tx.amount - 100.0, 2),
                         "A refund on hold counts against what is left to refund.")
        self.sandbox.configure(api_fault='none')
        deadline = time.monotonic() + 10
        while self.sandbox.transaction(tx.reference)['refunded_amount'] != 10000:
            self.assertLess(time.monotonic(), deadline, "The sandbox never settled the held refund.")
            time.sleep(0.1)
        self._reconcile()
        self.assertEqual(refund.state, 'done', "The reconciliation asks APS about a held refund.")
        self.assertEqual(len(self._operations(tx, 'REFUND')), 2, "The hold and its settlement.")
        self.assertEqual({op['maintenance_reference'] for op in self._operations(tx, 'REFUND')},
                         {refund.reference}, "Nothing sent again.")

    # === 9. A refund can go through twice === #

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, TAMARA_API_LOGGER)
    def test_refund_of_unknown_outcome_is_never_sent_again(self):
        """ APS refunded but its answer could not be verified: nothing may be re-sent (APS
        documents a repeated maintenance_reference only after a decline); the refund is found
        done by asking APS, and counts against what is left to refund meanwhile. """
        tx = self._pay()
        self.sandbox.configure(notifications='drop', api_fault='bad_signature')
        tx.action_refund(amount_to_refund=tx.amount)
        refund = self._refunds(tx)
        self.assertEqual(self.sandbox.transaction(tx.reference)['refunded_amount'],
                         round(tx.amount * 100))
        self.assertEqual(refund.state, 'pending', "Nobody knows yet whether APS refunded.")
        tx.payment_id.invalidate_recordset()
        self.assertEqual(tx.payment_id.amount_available_for_refund, 0.0,
                         "The Refund button must not offer what may already be refunded.")
        with self.assertRaises(UserError):
            tx.action_refund(amount_to_refund=1.0)
        self.sandbox.configure(api_fault='none')
        self._reconcile()
        self._reconcile()
        self.assertEqual(refund.state, 'done')
        self.assertEqual(len(self._operations(tx, 'REFUND')), 1, "A refund is sent once.")

    # === 10. Convenience fee === #

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, CONTROLLER_LOGGER)
    def test_fee_excluded_from_notification_amount_is_accepted(self):
        """ APS documents amount + fee for the return only; a notification with the signed
        order amount and the fee apart is the same payment. """
        self.sandbox.configure(notification_fee='excluded', browser_return=False)
        TX = type(self.env['payment.transaction'])
        with patch.object(TX, '_aps_tamara_get_optional_request_values', autospec=True,
                          return_value={'convenience_fee': '250'}):
            tx, form = self._start_payment()
        self.assertEqual(tx.aps_tamara_convenience_fee, 250)
        self.shopper.pay(form)
        self._settle(tx, 1)
        self.assertEqual(tx.state, 'done')

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, CONTROLLER_LOGGER)
    def test_fee_included_is_recorded_and_never_captured_on_top(self):
        """ The return carries amount + fee (documented); the fee is recorded; CAPTURE sends the
        order amount only, and the payment is paid once APS captured it. """
        self.sandbox.configure(capture='deferred', notifications='drop')
        TX = type(self.env['payment.transaction'])
        with patch.object(TX, '_aps_tamara_get_optional_request_values', autospec=True,
                          return_value={'convenience_fee': '250'}):
            tx, form = self._start_payment()
        amount = round(tx.amount * 100)
        self.shopper.come_back(self.shopper.pay(form))
        self.env.invalidate_all()
        self.assertEqual((tx.state, tx.aps_tamara_confirmed_amount), ('authorized', amount + 250))
        self._capture()
        self.assertEqual([op['amount'] for op in self._operations(tx, 'CAPTURE')], [amount])
        self.assertEqual(tx.state, 'done')
        tx.last_state_change = fields.Datetime.now() - timedelta(hours=1)
        self._reconcile()
        self.assertEqual(tx.state, 'done')

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, CONTROLLER_LOGGER)
    def test_amount_with_a_fee_never_signed_is_refused(self):
        tx, _form = self._start_payment()
        answer = self._aps_answer(tx, amount=str(round(tx.amount * 100) + 250))
        self.assertEqual(self._post_webhook(answer).status_code, 200)
        self.assertEqual(tx.state, 'error')
