# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

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

        self.env['payment.transaction']._cron_aps_tamara_reconcile()
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.provider_reference, self.sandbox.transaction(tx.reference)['fort_id'])
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

    def test_reconciliation_batches_are_bounded_and_fair(self):
        self.env['payment.transaction'].search([]).aps_tamara_redirected_at = False  # Only ours.
        first, _form = self._start_payment()
        second, _form = self._start_payment()
        Transaction = type(self.env['payment.transaction'])
        with patch.object(Transaction, '_aps_tamara_reconcile', autospec=True) as reconcile:
            for expected in (first, second, first):
                reconcile.reset_mock()
                self.env['payment.transaction']._cron_aps_tamara_reconcile(limit=1)
                self.assertEqual([call.args[0] for call in reconcile.call_args_list], [expected])
                expected.aps_tamara_checked_at = expected.create_date  # As `_aps_tamara_reconcile`.
                (first | second).flush_recordset()
