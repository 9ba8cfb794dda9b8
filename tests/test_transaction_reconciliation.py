# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.tests.after_payment_common import APSTamaraAfterPaymentCommon
from odoo.addons.payment_aps_tamara.tests.common import (
    PAYMENT_TX_LOGGER,
    TAMARA_API_LOGGER,
    TAMARA_TX_LOGGERS,
)


@tagged('post_install', '-at_install')
class TestTransactionReconciliation(APSTamaraAfterPaymentCommon):
    """ The reconciliation (CHECK_STATUS) against the local APS sandbox over HTTP. """

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_lost_return_and_notifications_end_as_a_confirmed_order(self):
        self.sandbox.configure(notifications='drop', browser_return=False)
        self.provider.aps_tamara_abandon_after = 0  # A paid one is never canceled.
        tx, form = self._start_payment()
        self.shopper.pay(form)
        self.assertEqual(tx.state, 'draft')

        post_processing = self.env.ref('payment.cron_post_process_payment_tx')
        triggers = self._cron_triggers(post_processing)
        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.provider_reference, self.sandbox.transaction(tx.reference)['fort_id'])
        self.assertGreater(self._cron_triggers(post_processing), triggers,
                           "The order is confirmed by Odoo's post-processing cron, triggered.")
        tx._post_process()  # What that cron does.
        self.assertEqual(tx.sale_order_ids.state, 'sale')

        last_check = tx.aps_tamara_checked_at
        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual(tx.aps_tamara_checked_at, last_check, "A settled payment is not checked.")
        self.assertEqual(tx.state, 'done')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_merchant_checks_a_payment_with_aps_without_waiting(self):
        self.sandbox.configure(notifications='drop', browser_return=False)
        self.provider.aps_tamara_check_after = 60
        tx, form = self._start_payment()
        self.shopper.pay(form)
        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual(tx.state, 'draft', "Not before the provider's delay.")
        tx.action_aps_tamara_check_status()
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.sale_order_ids.state, 'sale')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_abandoned_checkout_is_canceled_after_the_delay(self):
        self.sandbox.configure(notifications='drop')
        abandoned, form = self._start_payment()
        self.shopper.session.post(form['action'], data=form['inputs'], timeout=15)  # Tamara's page.
        never_sent = self._create_order_transaction()
        self._get_form_values(never_sent)  # Redirected, but APS never saw it.

        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual((abandoned.state, never_sent.state), ('draft', 'draft'), "Not yet.")

        self.provider.aps_tamara_abandon_after = 0
        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual((abandoned.state, never_sent.state), ('cancel', 'cancel'))

    @mute_logger(PAYMENT_TX_LOGGER, TAMARA_API_LOGGER, *TAMARA_TX_LOGGERS)
    def test_reconciliation_when_aps_fails_changes_nothing(self):
        self.sandbox.configure(notifications='drop', browser_return=False)
        self.provider.aps_tamara_abandon_after = 0
        tx, form = self._start_payment()
        self.shopper.pay(form)
        for fault in ('http_500', 'bad_signature'):
            with self.subTest(fault=fault):
                tx.aps_tamara_checked_at = False
                self.sandbox.configure(api_fault=fault)
                self.env['payment.transaction']._cron_aps_tamara_reconcile()
                self.assertTrue(tx.aps_tamara_checked_at, "APS was asked.")
                self.assertEqual(tx.state, 'draft')
        self.sandbox.configure(api_fault='none')
        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual(tx.state, 'done')

    def test_reconciliation_batches_follow_each_other_within_the_time_budget(self):
        self.env['payment.transaction'].search([]).aps_tamara_redirected_at = False  # Only ours.
        first, _form = self._start_payment()
        second, _form = self._start_payment()
        third, _form = self._start_payment()
        txs = first | second | third
        cron = self.env.ref('payment_aps_tamara.cron_reconcile_aps_tamara')
        Transaction = type(self.env['payment.transaction'])

        def run(expected, time_budget, triggered):
            triggers = self._cron_triggers(cron)
            with patch.object(Transaction, '_aps_tamara_reconcile', autospec=True,
                              return_value=False) as reconcile:
                self.env['payment.transaction']._cron_aps_tamara_reconcile(
                    limit=1, time_budget=time_budget
                )
            self.assertEqual([call.args[0] for call in reconcile.call_args_list], expected)
            self.assertEqual(self._cron_triggers(cron) - triggers, triggered)
            self.env.invalidate_all()

        # Batches back to back, each transaction once per run, the least recently checked first.
        second.aps_tamara_checked_at = second.create_date - timedelta(minutes=2)
        first.aps_tamara_checked_at = first.create_date - timedelta(minutes=1)
        run([third, second, first], time_budget=60, triggered=0)
        # Out of time after a batch: the cron goes on at once with those never checked.
        txs.aps_tamara_checked_at = False
        run([first], time_budget=0, triggered=1)
        run([second], time_budget=0, triggered=1)
        run([third], time_budget=0, triggered=0)  # Those left were checked: the next scheduled run.
        run([first], time_budget=0, triggered=0)

    def test_a_transaction_checked_since_its_selection_is_skipped(self):
        tx, _form = self._start_payment()
        self.assertFalse(tx.aps_tamara_checked_at)
        self.assertEqual(tx._aps_tamara_claim_check({tx.id: False}), tx)
        self.assertTrue(tx.aps_tamara_checked_at, "The check is recorded.")
        self.assertFalse(tx._aps_tamara_claim_check({tx.id: False}), "Checked by another run.")
        self.assertEqual(tx._aps_tamara_claim_check({tx.id: tx.aps_tamara_checked_at}), tx)

    def _cron_triggers(self, cron):
        self.env.flush_all()
        return self.env['ir.cron.trigger'].search_count([('cron_id', '=', cron.id)])
