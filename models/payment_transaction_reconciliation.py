# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
import time
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models, modules
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import amounts as aps_amounts
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.aps import status as aps_status

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """ The reconciliation: APS asked (CHECK_STATUS) about payments left without answer, abandoned
    checkouts canceled, old authorizations put in front of the merchant
    (https://paymentservices.amazon.com/docs/api/managing-payments/check-status). """
    _inherit = 'payment.transaction'

    @api.model
    def _cron_aps_tamara_reconcile(
        self, limit=const.RECONCILE_BATCH_SIZE, time_budget=const.RECONCILE_TIME_BUDGET
    ):
        """ Ask APS about the Tamara transactions left without answer, and apply what it says.

        Payments redirected to Tamara, pending, or authorized while the provider captures at once,
        that got no final answer within the provider's delay, are checked with CHECK_STATUS and
        the result is applied as a notification would be. Refunds in progress (on hold at APS, or
        whose outcome is unknown) are settled from the refunded amount APS reports; one is sent
        again only when APS shows it did not go through and never answered about it. A shopper's
        checkout abandoned for longer than the provider's delay is canceled; a payment APS knows
        as authorized, paid, pending or on hold never is.

        The transactions are checked by batches of `limit`, the least recently checked first, each
        at most once per run, one batch after the other for `time_budget` seconds. If some never
        checked are left then, the cron is triggered to go on at once in a new run; those checked
        before wait for the next scheduled run, so that payments long pending at APS are not
        asked about without pause. Each batch is claimed (a transaction that a message or another
        run holds is skipped) and committed before APS is called, APS is called without any lock
        held, and each result is applied under the payment's lock and committed: runs may
        overlap, and messages never wait on APS. The payments settled are post-processed (the
        order confirmed...) by Odoo's payment post-processing cron, triggered after each batch, as
        for any message applied without the shopper's browser.

        :param int limit: The number of transactions checked per batch.
        :param float time_budget: The seconds after which no new batch is started.
        :return: None
        """
        deadline = time.monotonic() + time_budget
        seen_ids = set()  # Checked, or skipped as held by a message or another run.
        progress = False
        session = self.env['payment.provider']._aps_tamara_new_session()
        try:
            txs = self.browse(self._aps_tamara_get_transactions_to_reconcile(limit))
            while txs:
                seen_ids.update(txs.ids)
                progress |= txs._aps_tamara_reconcile_batch(session)
                txs = self.browse(
                    self._aps_tamara_get_transactions_to_reconcile(limit, exclude_ids=seen_ids)
                )
                if txs and time.monotonic() >= deadline:
                    # The never checked come first: go on with them at once, in a new run rather
                    # than holding the cron worker any longer.
                    if progress and not txs[0].aps_tamara_checked_at:
                        self.env.ref('payment_aps_tamara.cron_reconcile_aps_tamara')._trigger()
                        self._aps_tamara_commit()
                    break
        finally:
            session.close()
        self._aps_tamara_flag_old_authorizations()

    def _aps_tamara_reconcile_batch(self, session):
        """ Claim the transactions, check each of them with APS and apply the result, each in its
        own database transaction; then have the payments settled post-processed.

        :param requests.Session session: The session of the run.
        :return: Whether any transaction was claimed.
        :rtype: bool
        """
        claimed = self._aps_tamara_claim_check({tx.id: tx.aps_tamara_checked_at for tx in self})
        self._aps_tamara_commit()
        settled = False
        for tx in claimed:
            try:
                settled |= tx._aps_tamara_reconcile(session)
                self._aps_tamara_commit()
            except psycopg2.OperationalError:
                # Changed by a concurrent message since it was claimed: next run.
                self._aps_tamara_rollback()
            except Exception:
                _logger.exception("Could not reconcile the Tamara transaction %s.", tx.reference)
                self._aps_tamara_rollback()
        if settled:
            self.env.ref('payment.cron_post_process_payment_tx')._trigger()
            self._aps_tamara_commit()
        return bool(claimed)

    def _aps_tamara_claim_check(self, last_checks):
        """ Claim the transactions for this run's check, in one query: those locked (by a message
        or another run) are skipped, and so are those another run checked since this one selected
        them. The check is recorded as made now.

        :param dict last_checks: The last check of each transaction when it was selected, by id.
        :return: The transactions claimed.
        :rtype: recordset of `payment.transaction`
        """
        if not self:
            return self
        self.flush_recordset(['aps_tamara_checked_at'])
        self.env.cr.execute(SQL(
            "UPDATE payment_transaction SET aps_tamara_checked_at = %s WHERE id IN ("
            " SELECT tx.id FROM payment_transaction tx"
            " JOIN unnest(%s::int[], %s::timestamp[]) AS selected(id, checked_at)"
            " ON selected.id = tx.id"
            " WHERE tx.aps_tamara_checked_at IS NOT DISTINCT FROM selected.checked_at"
            " FOR NO KEY UPDATE OF tx SKIP LOCKED"
            ") RETURNING id",
            fields.Datetime.now(), self.ids, [last_checks[tx_id] or None for tx_id in self.ids],
        ))
        claimed_ids = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_recordset(['aps_tamara_checked_at'])
        return self.filtered(lambda tx: tx.id in claimed_ids)

    def action_aps_tamara_check_status(self):
        """ Ask APS now about the transactions and apply what it says, as the reconciliation
        does (the delay to cancel an abandoned checkout still applies). """
        payment_utils.check_rights_on_recordset(self)
        session = self.env['payment.provider']._aps_tamara_new_session()
        try:
            for tx_sudo in self.sudo().filtered(
                lambda tx: tx.provider_code == const.PROVIDER_CODE
                and tx.state in ('draft', 'pending', 'authorized')
            ):
                tx_sudo.aps_tamara_checked_at = fields.Datetime.now()
                if tx_sudo._aps_tamara_reconcile(session):
                    tx_sudo._aps_tamara_post_process_now()  # The merchant sees the order at once.
        finally:
            session.close()

    def _aps_tamara_commit(self):
        if not modules.module.current_test:
            # Each batch of claimed rows is committed before APS is called, so that no lock is held
            # during the calls and an overlapping run skips them.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _aps_tamara_rollback(self):
        if not modules.module.current_test:
            self.env.cr.rollback()

    @api.model
    def _aps_tamara_get_transactions_to_reconcile(self, limit, exclude_ids=()):
        """ Return the ids of the transactions to check, the least recently checked first.

        :param int limit: The maximum number of ids.
        :param exclude_ids: The ids left out (seen by this run).
        :return: The ids.
        :rtype: list[int]
        """
        now = fields.Datetime.now()
        domains = []
        providers = self.env['payment.provider']._aps_tamara_get_providers_in_use()
        for provider in providers:
            before = now - timedelta(minutes=max(provider.aps_tamara_check_after, 0))
            states = ['pending', 'authorized'] if provider.aps_tamara_capture_immediately \
                else ['pending']
            domains.append(['&', ('provider_id', '=', provider.id), '|', '|',
                # Redirected to Tamara, no answer since.
                '&', '&', ('state', '=', 'draft'), ('operation', '!=', 'refund'),
                '&', ('aps_tamara_redirected_at', '!=', False),
                ('aps_tamara_redirected_at', '<=', before),
                # Refunds in progress: on hold at APS, or whose outcome is unknown.
                '&', '&', ('state', 'in', ('draft', 'pending')), ('operation', '=', 'refund'),
                '&', ('aps_tamara_maintenance_reference', '!=', False),
                ('create_date', '<=', before),
                # Payments APS left pending (or authorized, to capture).
                '&', '&', ('state', 'in', states), ('operation', '!=', 'refund'),
                ('last_state_change', '<=', before),
            ])
        if not domains:
            return []
        domain = domains[0] if len(domains) == 1 else ['|'] * (len(domains) - 1) + sum(domains, [])
        if exclude_ids:
            domain = ['&', ('id', 'not in', list(exclude_ids)), *domain]
        return self.sudo().search(
            domain, order='aps_tamara_checked_at ASC NULLS FIRST, id', limit=limit
        ).ids

    def _aps_tamara_reconcile(self, session=None):
        """ Check one transaction with APS and apply the result. APS is called first, without any
        lock; the payment is then locked and the answer applied.

        Note: self.ensure_one()

        :param requests.Session session: The session of the batch.
        :return: Whether the payment was settled (done, authorized, canceled or in error) and is
                 to be post-processed.
        :rtype: bool
        """
        self.ensure_one()
        payment = self.source_transaction_id if self.operation == 'refund' else self
        try:
            answer = payment.provider_id._aps_tamara_make_request(
                {'query_command': 'CHECK_STATUS', 'merchant_reference': payment.reference},
                session=session, tx=payment,
            )
        except ValidationError as error:
            _logger.info("Could not check transaction %s with APS: %s", payment.reference, error)
            return False
        payment._aps_tamara_lock_row(mark_changed=True)
        (payment | self).invalidate_recordset()
        if self.operation == 'refund':
            to_send_again = payment._aps_tamara_apply_refund_check(answer)
            self._aps_tamara_commit()  # The payment's row free before APS is called again.
            for refund_tx in to_send_again:
                _logger.info("Sending refund %s again: APS shows it was not made.",
                             refund_tx.reference)
                refund_tx._aps_tamara_send_refund(session=session)
            return False  # A refund done has its post-processing triggered.
        if self.state not in ('draft', 'pending', 'authorized'):
            return False  # Settled by a message since it was selected.
        return self._aps_tamara_apply_check_status(answer)

    def _aps_tamara_apply_check_status(self, answer):
        """ Apply APS' answer to CHECK_STATUS about this payment; return whether it was settled
        (done, authorized, canceled or in error) and is to be post-processed. """
        self.ensure_one()
        paid = payment_utils.to_minor_currency_units(self.amount, self.currency_id)
        result = aps_status.check_status_to_notification(
            answer, self.currency_id.name, paid_amounts=(paid,)
        )
        if result is None and not aps_status.is_order_not_found(answer):
            _logger.warning(
                "APS refused to check transaction %s: %s", self.reference,
                self.provider_id._aps_tamara_get_refusal_message(answer),
            )
            return False
        target_state = result and aps_status.map_status(result['status'], result['response_code'])
        if target_state and target_state != 'pending':
            self._aps_tamara_handle_notification(const.PROVIDER_CODE, result)
            if self.state == 'authorized' and self.provider_id.aps_tamara_capture_immediately \
                    and not self.aps_tamara_capture_sent_at:
                self._aps_tamara_schedule_capture()
            return self.state in ('done', 'authorized', 'cancel', 'error')
        if not aps_status.may_cancel_unpaid(answer):
            # Pending or on hold at APS: it may still end paid. Never canceled; asked again later.
            self.write({
                'aps_tamara_response_code': result['response_code'],
                'aps_tamara_response_message': result['response_message'],
            })
            if self.state == 'draft':
                self._set_pending()
            return False
        # APS knows no payment, or the shopper never acted on Tamara's page.
        abandon_before = fields.Datetime.now() - timedelta(
            hours=max(self.provider_id.aps_tamara_abandon_after, 0)
        )
        if self.state == 'draft' and self.aps_tamara_redirected_at \
                and self.aps_tamara_redirected_at <= abandon_before:
            _logger.info("Canceling the Tamara payment %s abandoned by the shopper.", self.reference)
            self._set_canceled(state_message=_(
                "The shopper left Tamara's page without paying: the payment was canceled."
            ))
            return True
        return False

    def _aps_tamara_post_process_now(self):
        """ Post-process the transaction now (confirm the order...), since no shopper's browser
        will; if that fails, the post-processing cron tries again. """
        try:
            with self.env.cr.savepoint():
                self._post_process()
        except Exception:
            _logger.exception("Could not post-process the Tamara transaction %s.", self.reference)
            self.env.ref('payment.cron_post_process_payment_tx')._trigger()

    @api.model
    def _aps_tamara_flag_old_authorizations(self):
        """ Put authorized Tamara payments older than the provider's delay in front of the
        merchant: an activity on their order (once), to capture or void them. """
        providers = self.env['payment.provider']._aps_tamara_get_providers_in_use()
        activity_type = self.env.ref('mail.mail_activity_data_todo', raise_if_not_found=False)
        if not activity_type:
            return
        summary = _("Capture or void the Tamara payment")
        for provider in providers:
            txs = self.sudo().search(
                provider._aps_tamara_get_old_authorizations_domain(),
                limit=const.RECONCILE_BATCH_SIZE,
            )
            for order in txs.sale_order_ids:
                if order.activity_ids.filtered(
                    lambda a: a.activity_type_id == activity_type and a.summary == summary
                ):
                    continue
                order.activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=summary,
                    note=_(
                        "The Tamara payment of this order is authorized but not captured. Capture "
                        "it (Capture Transaction) or void it (Void Transaction)."
                    ),
                    user_id=order.user_id.id or self.env.uid,
                )
        self._aps_tamara_commit()

    def _aps_tamara_apply_refund_check(self, answer):
        """ Settle the payment's refunds in progress from APS' answer to CHECK_STATUS: those that
        its `refunded_amount` (the total refunded for the order) covers, beyond the refunds done in
        Odoo, are done. Return those that certainly did not go through yet and got no verified
        answer from APS: the only ones that may be sent again.

        :param dict answer: The verified answer to CHECK_STATUS about this payment.
        :return: The refunds to send again.
        :rtype: recordset of `payment.transaction`
        """
        self.ensure_one()
        in_progress = self._aps_tamara_get_refunds_in_progress().sorted('id')
        if answer.get('status') != aps_const.CHECK_STATUS_SUCCESS_STATUS or not in_progress:
            return self.browse()
        refunds = self.child_transaction_ids.filtered(lambda tx: tx.operation == 'refund')
        surplus = aps_amounts.parse_minor_amount(answer.get('refunded_amount')) - sum(
            payment_utils.to_minor_currency_units(-tx.amount, tx.currency_id)
            for tx in refunds.filtered(lambda tx: tx.state == 'done')
        )
        to_send_again = self.browse()
        for refund_tx in in_progress:
            amount = payment_utils.to_minor_currency_units(-refund_tx.amount, refund_tx.currency_id)
            if surplus >= amount:
                surplus -= amount
                _logger.info("APS' status check shows refund %s done.", refund_tx.reference)
                if refund_tx._set_done(state_message=_(
                    "Refunded, according to the status check of Amazon Payment Services."
                )):
                    self.env.ref('payment.cron_post_process_payment_tx')._trigger()
            elif not surplus and not refund_tx.aps_tamara_response_code \
                    and not aps_status.is_refund_on_hold(answer):
                to_send_again |= refund_tx
        return to_send_again
