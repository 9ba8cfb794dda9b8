# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import RedirectWarning, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.tests.after_payment_common import APSTamaraAfterPaymentCommon
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    PAYMENT_TX_LOGGER,
    TAMARA_API_LOGGER,
    TAMARA_TX_LOGGERS,
)


@tagged('post_install', '-at_install')
class TestTransactionOperations(APSTamaraAfterPaymentCommon):
    """ Refunds, deferred capture and void, against the local APS sandbox over HTTP. """

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_refund_part_then_the_rest_from_the_payment(self):
        tx = self._pay()
        tx._post_process()
        payment = tx.payment_id
        self.sandbox.configure(notifications='delay:1')

        for count, amount in enumerate((300.0, tx.amount - 300.0), start=2):
            wizard = self.env['payment.refund.wizard'].with_context(
                active_model='account.payment', active_id=payment.id,
            ).create({'amount_to_refund': amount})
            wizard.action_refund()
            self._after_api_call(tx, count)  # The REFUND notification comes after the answer.

        refunds = self._refunds(tx)
        self.assertEqual(len(refunds), 2, "Each refund is one transaction, notified or not.")
        self.assertEqual(refunds.mapped('state'), ['done', 'done'])
        self.assertEqual(sorted(refunds.mapped('amount')), sorted([-300.0, -(tx.amount - 300.0)]))
        self.assertEqual(
            sorted(refunds.mapped('aps_tamara_maintenance_reference')), sorted(refunds.mapped('reference'))
        )
        aps = self.sandbox.transaction(tx.reference)
        self.assertEqual(aps['refunded_amount'], round(tx.amount * 100))
        self.assertEqual(
            [d['attempt_log'][-1]['http_status'] for d in aps['deliveries'] if d['command'] == 'REFUND'],
            [200, 200],
        )
        refunds._post_process()
        self.assertEqual(payment.refunds_count, 2)
        self.assertEqual(payment.amount_available_for_refund, 0)

        with self.assertRaises(UserError):
            tx.action_refund(amount_to_refund=1.0)
        self.assertEqual(len(self._aps_operations(tx, 'REFUND')), 2, "APS must not be called.")

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_refund_above_what_is_left_is_refused_before_aps(self):
        tx = self._pay()
        with self.assertRaises(UserError):
            tx.action_refund(amount_to_refund=tx.amount + 0.01)
        self.assertFalse(self._refunds(tx))
        self.assertFalse(self._aps_operations(tx, 'REFUND'))

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_refused_refund_shows_aps_message(self):
        tx = self._pay()
        # The whole payment was refunded in APS' back office, and its notification was lost.
        self.sandbox.configure(notifications='drop')
        self._send_to_sandbox(tx, dict(
            tx._aps_tamara_prepare_operation_payload('REFUND', amount=tx.amount),
            maintenance_reference='BACKOFFICE-1',
        ))
        tx.action_refund(amount_to_refund=100.0)
        refund = self._refunds(tx)
        self.assertEqual(refund.state, 'error')
        self.assertEqual(refund.aps_tamara_response_code, '07048')
        self.assertIn('Operation amount exceeds captured amount', refund.state_message)
        self.assertEqual(tx.state, 'done', "A refused refund leaves the payment as it is.")

    @mute_logger(PAYMENT_TX_LOGGER, TAMARA_API_LOGGER, *TAMARA_TX_LOGGERS)
    def test_refund_timeout_is_found_done_and_never_sent_again(self):
        tx = self._pay()
        self.sandbox.configure(notifications='drop', api_fault='timeout:2')
        with patch.object(aps_const, 'API_READ_TIMEOUT', 1):
            tx.action_refund(amount_to_refund=100.0)
        refund = self._refunds(tx)
        self.assertEqual(refund.state, 'pending', "Nobody knows whether APS refunded.")
        self.assertIn('did not answer in time', refund.state_message)
        self.assertEqual(tx._aps_tamara_get_refundable_amount(), round(tx.amount - 100.0, 2),
                         "It counts against what is left to refund.")
        self.sandbox.configure(api_fault='none')
        with self.assertRaises(UserError):  # The merchant clicks Refund again.
            tx.action_refund(amount_to_refund=100.0)
        self._wait_for_refunded(tx, 10000)  # APS made the refund after all.

        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.env['payment.transaction']._cron_aps_tamara_reconcile()

        self.assertEqual(refund.state, 'done', "Found done by asking APS (CHECK_STATUS).")
        self.assertEqual(self._refunds(tx), refund)
        self.assertEqual(self.sandbox.transaction(tx.reference)['refunded_amount'], 10000)
        self.assertEqual(
            [(op['maintenance_reference'], op['response_code'])
             for op in self._aps_operations(tx, 'REFUND')],
            [(refund.reference, '06000')], "Sent once: never again after it went through.",
        )

    @mute_logger(PAYMENT_TX_LOGGER, TAMARA_API_LOGGER, *TAMARA_TX_LOGGERS)
    def test_refund_with_aps_down_or_unverifiable_answer_stays_in_progress(self):
        tx = self._pay()
        self.sandbox.configure(notifications='drop', api_fault='http_500')
        lost = self._refund_tx(tx, 50.0)  # APS never saw it.
        self.assertEqual(lost.state, 'pending')
        self.assertIn('HTTP error 500', lost.state_message)
        with self.assertRaises(UserError):
            self._refund_tx(tx, 50.0)  # One refund in progress at a time.
        self.assertFalse(self._aps_operations(tx, 'REFUND'))

        self.sandbox.configure(api_fault='none')
        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual(lost.state, 'done', "APS showed it was not made: sent again, once.")
        self.assertEqual(self.sandbox.transaction(tx.reference)['refunded_amount'], 5000)

        self.sandbox.configure(api_fault='bad_signature')
        unverified = self._refund_tx(tx, 50.0)  # APS refunded.
        self.assertEqual(unverified.state, 'pending')
        self.assertIn('could not be verified', unverified.state_message)
        self.assertEqual(self.sandbox.transaction(tx.reference)['refunded_amount'], 10000)
        self.sandbox.configure(api_fault='none')
        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.env['payment.transaction']._cron_aps_tamara_reconcile()

        self.assertEqual(self._refunds(tx).mapped('state'), ['done', 'done'])
        self.assertEqual(self.sandbox.transaction(tx.reference)['refunded_amount'], 10000)
        self.assertEqual(
            [(op['maintenance_reference'], op['response_code'])
             for op in self._aps_operations(tx, 'REFUND')],
            [(lost.reference, '06000'), (unverified.reference, '06000')], "Each refund once.",
        )

    @mute_logger(PAYMENT_TX_LOGGER, TAMARA_API_LOGGER)
    def test_refund_result_arriving_later_by_notification_is_applied_once(self):
        tx = self._pay()
        self.sandbox.configure(api_fault='bad_signature', notifications='delay:1')
        refund = self._refund_tx(tx, 75.0)
        self.assertEqual(refund.state, 'pending', "The answer could not be trusted.")
        self._after_api_call(tx, 2)
        self.assertEqual(refund.state, 'done', "The signed notification settles it.")

        notification = self._last_notification(tx)
        self.assertEqual(notification['command'], 'REFUND')
        for _attempt in range(2):  # APS sends it again.
            self.assertEqual(self._post_notification(notification).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self._refunds(tx), refund)
        self.assertEqual(refund.state, 'done')
        self.assertEqual(self.sandbox.transaction(tx.reference)['refunded_amount'], 7500)

    @mute_logger(PAYMENT_TX_LOGGER, CONTROLLER_LOGGER, *TAMARA_TX_LOGGERS)
    def test_refund_notification_before_the_api_answer(self):
        tx = self._pay()
        self.sandbox.configure(notifications='drop')
        # APS made Odoo's refund, whose transaction is not saved yet when APS notifies it.
        reference = tx._compute_reference(const.PROVIDER_CODE, prefix=f'R-{tx.reference}')
        self._send_to_sandbox(tx, dict(
            tx._aps_tamara_prepare_operation_payload('REFUND', amount=100.0),
            maintenance_reference=reference,
        ))
        notification = self._last_notification(tx)
        self.assertEqual(notification['maintenance_reference'], reference)

        response = self._post_notification(notification)
        self.assertEqual(response.status_code, 404, "APS must send it again later.")
        self.assertFalse(self._refunds(tx), "Nothing is recorded from it.")

        # Odoo's request with the same reference: APS refuses a repeated reference that went
        # through (07007), documented for declined refunds only; nothing is refunded again.
        refund = self._refund_tx(tx, 100.0)
        self.assertEqual((refund.reference, refund.state), (reference, 'pending'))
        self.assertEqual(refund.aps_tamara_response_code, '07007')
        self.assertEqual(tx._aps_tamara_get_refundable_amount(), round(tx.amount - 100.0, 2))
        for _attempt in range(2):  # APS' retries.
            self.assertEqual(self._post_notification(notification).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self._refunds(tx), refund)
        self.assertEqual(refund.state, 'done')
        self.assertEqual(self.sandbox.transaction(tx.reference)['refunded_amount'], 10000)
        self.assertEqual(
            [(op['maintenance_reference'], op['response_code'])
             for op in self._aps_operations(tx, 'REFUND')],
            [(reference, '06000')], "Refunded once: the repeated reference was refused.",
        )

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS, CONTROLLER_LOGGER)
    def test_back_office_refund_is_recorded_once(self):
        tx = self._pay()
        self.sandbox.configure(notifications='drop')
        self._send_to_sandbox(tx, dict(
            tx._aps_tamara_prepare_operation_payload('REFUND', amount=250.0),
            maintenance_reference='BACKOFFICE-7',
        ))
        notification = self._last_notification(tx)
        forged = dict(notification, amount='99999')
        self.assertEqual(self._post_notification(forged).status_code, 403)
        self.env.invalidate_all()
        self.assertFalse(self._refunds(tx), "Nothing is created from an unverified message.")
        for _attempt in range(2):
            self.assertEqual(self._post_notification(notification).status_code, 200)
        self.env.invalidate_all()
        refund = self._refunds(tx)
        self.assertEqual(len(refund), 1)
        self.assertEqual((refund.amount, refund.state), (-250.0, 'done'))
        self.assertEqual(refund.aps_tamara_maintenance_reference, 'BACKOFFICE-7')
        self.assertEqual(tx._aps_tamara_get_refundable_amount(), round(tx.amount - 250.0, 2))

    # === DEFERRED CAPTURE === #

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_authorization_is_captured_at_once_by_default(self):
        self.sandbox.configure(capture='deferred')
        tx = self._pay()
        self.assertEqual(tx.state, 'authorized')
        self.assertFalse(self._aps_operations(tx, 'CAPTURE'), "Not while APS' message is applied.")
        self.sandbox.configure(notifications='delay:1')
        self.env['payment.transaction']._cron_aps_tamara_capture()  # As triggered.
        self._after_api_call(tx, 2)  # The authorization and the capture.
        self.assertEqual(tx.state, 'done')
        self.env['payment.transaction']._cron_aps_tamara_capture()
        aps = self.sandbox.transaction(tx.reference)
        self.assertEqual(aps['captured_amount'], aps['authorized_amount'])
        self.assertEqual(len(self._aps_operations(tx, 'CAPTURE')), 1)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_deferred_capture_in_parts_and_refused_void(self):
        self.sandbox.configure(capture='deferred', notifications='delay:1')
        self.provider.aps_tamara_capture_immediately = False
        tx = self._pay()
        self.assertEqual(tx.state, 'authorized')

        part = self._capture_tx(tx, 400.0)
        self._after_api_call(tx, 2)
        self.assertEqual((part.amount, part.state, tx.state), (400.0, 'done', 'authorized'))

        with self.assertRaisesRegex(UserError, 'Operation not allowed'):
            self._void_tx(tx, tx.amount - 400.0)  # APS voids no captured order.
        self.assertEqual(tx.state, 'authorized')

        rest = self._capture_tx(tx, round(tx.amount - 400.0, 2))
        self._after_api_call(tx, 3)
        self.assertEqual((rest.state, tx.state), ('done', 'done'))
        aps = self.sandbox.transaction(tx.reference)
        self.assertEqual(aps['captured_amount'], round(tx.amount * 100))

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_void_authorization(self):
        self.sandbox.configure(capture='deferred', notifications='delay:1')
        self.provider.aps_tamara_capture_immediately = False
        tx = self._pay()
        tx.action_void()
        self._after_api_call(tx, 2)
        self.assertEqual(tx.state, 'cancel')
        self.assertTrue(self.sandbox.transaction(tx.reference)['voided'])

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_old_authorizations_are_put_in_front_of_the_merchant(self):
        self.sandbox.configure(capture='deferred')
        self.provider.write({
            'aps_tamara_capture_immediately': False, 'aps_tamara_authorized_alert_after': 5,
        })
        tx = self._pay()
        tx._post_process()
        order = tx.sale_order_ids
        self.assertEqual((tx.state, order.state), ('authorized', 'sale'))
        Transaction = self.env['payment.transaction']

        Transaction._cron_aps_tamara_reconcile()
        self.assertFalse(order.activity_ids, "Not old enough yet.")

        tx.last_state_change = fields.Datetime.now() - timedelta(days=6)
        Transaction._cron_aps_tamara_reconcile()
        Transaction._cron_aps_tamara_reconcile()
        self.assertEqual(len(order.activity_ids), 1, "Once.")
        self.assertIn('Capture or void', order.activity_ids.summary)
        self.assertFalse(self._aps_operations(tx, 'CAPTURE'), "Left to the merchant.")

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_refund_from_a_credit_note(self):
        tx, invoice, credit_note = self._pay_invoice_and_credit_part()
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        self.assertEqual(credit_note.aps_tamara_refundable_tx_id, tx)

        action = credit_note.action_aps_tamara_refund()
        self.sandbox.configure(notifications='drop')
        wizard = self.env['payment.refund.wizard'].with_context(**action['context']).create({})
        self.assertEqual(wizard.amount_to_refund, credit_note.amount_total)
        wizard.with_context(**action['context']).action_refund()

        refund = self._refunds(tx)
        self.assertEqual((refund.state, refund.amount), ('done', -credit_note.amount_total))
        self.assertEqual(refund.invoice_ids, credit_note)
        refund._post_process()
        self.assertIn(credit_note.payment_state, ('paid', 'in_payment'))
        self.assertFalse(credit_note.aps_tamara_refundable_tx_id)
        self.assertEqual(
            self.sandbox.transaction(tx.reference)['refunded_amount'],
            round(credit_note.amount_total * 100),
        )

    # === SALE ORDER === #

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_cancel_paid_order_leads_to_the_refund(self):
        tx = self._pay()
        tx._post_process()
        order = tx.sale_order_ids
        with self.assertRaises(RedirectWarning) as warning:
            order.with_context(disable_cancel_warning=True).action_cancel()
        action = warning.exception.args[1]
        self.assertEqual(action['res_model'], 'payment.refund.wizard')
        self.assertEqual(action['context']['active_id'], tx.payment_id.id)
        self.assertEqual(order.state, 'sale')

        self.sandbox.configure(notifications='drop')
        tx.action_refund()
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.state, 'cancel')
