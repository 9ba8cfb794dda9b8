# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models, modules
from odoo.exceptions import ValidationError

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import status as aps_status


_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """ The reconciliation: APS asked (CHECK_STATUS) about payments left without answer, abandoned
    checkouts canceled, old authorizations put in front of the merchant
    (https://paymentservices.amazon.com/docs/api/managing-payments/check-status). """
    _inherit = 'payment.transaction'

    @api.model
    def _cron_aps_tamara_reconcile(self, limit=const.RECONCILE_BATCH_SIZE):
        """ Ask APS about the Tamara transactions left without answer, and apply what it says.

        Payments redirected to Tamara, pending, or authorized while the provider captures at once,
        that got no final answer within the provider's delay, are checked with CHECK_STATUS and
        the result is applied as a notification would be. Refunds whose outcome is unknown are
        sent again with the same maintenance reference, which never refunds twice. A shopper's
        checkout abandoned for longer than the provider's delay is canceled; a payment APS knows
        as authorized or paid never is.

        At most `limit` transactions are checked per run, the least recently checked first. Each
        is locked (transactions locked by a notification being processed are skipped) and
        committed on its own, so that runs may overlap and a second run changes nothing.

        :param int limit: The maximum number of transactions to check.
        :return: None
        """
        tx_ids = self._aps_tamara_get_transactions_to_reconcile(limit)
        session = self.env['payment.provider']._aps_tamara_new_session()
        try:
            for tx in self.browse(tx_ids):
                try:
                    if not tx._aps_tamara_lock_row(skip_locked=True):
                        continue  # A notification about it is being processed.
                    tx.invalidate_recordset()
                    tx._aps_tamara_reconcile(session)
                    self._aps_tamara_commit()
                except psycopg2.OperationalError:
                    # Changed by a concurrent message since the batch started: next run.
                    self._aps_tamara_rollback()
                except Exception:
                    _logger.exception("Could not reconcile the Tamara transaction %s.", tx.reference)
                    self._aps_tamara_rollback()
        finally:
            session.close()
        self._aps_tamara_flag_old_authorizations()

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
                tx_sudo._aps_tamara_lock_row(mark_changed=True)
                tx_sudo._aps_tamara_reconcile(session)
        finally:
            session.close()

    def _aps_tamara_commit(self):
        if not modules.module.current_test:
            self.env.cr.commit()

    def _aps_tamara_rollback(self):
        if not modules.module.current_test:
            self.env.cr.rollback()

    @api.model
    def _aps_tamara_get_transactions_to_reconcile(self, limit):
        """ Return the ids of the transactions to check, the least recently checked first. """
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
                # Refunds whose outcome is unknown.
                '&', '&', ('state', '=', 'draft'), ('operation', '=', 'refund'),
                '&', ('aps_tamara_maintenance_reference', '!=', False),
                ('create_date', '<=', before),
                # Payments APS left pending (or authorized, to capture).
                '&', '&', ('state', 'in', states), ('operation', '!=', 'refund'),
                ('last_state_change', '<=', before),
            ])
        if not domains:
            return []
        domain = domains[0] if len(domains) == 1 else ['|'] * (len(domains) - 1) + sum(domains, [])
        return self.sudo().search(
            domain, order='aps_tamara_checked_at ASC NULLS FIRST, id', limit=limit
        ).ids

    def _aps_tamara_reconcile(self, session=None):
        """ Check one transaction with APS and apply the result.

        Note: self.ensure_one()

        :param requests.Session session: The session of the batch.
        :return: None
        """
        self.ensure_one()
        self.aps_tamara_checked_at = fields.Datetime.now()
        if self.operation == 'refund':
            if self.state == 'draft' and self.aps_tamara_maintenance_reference:
                self.source_transaction_id._aps_tamara_lock_row(mark_changed=True)
                self._aps_tamara_send_refund(session=session)
            return
        if self.state not in ('draft', 'pending', 'authorized'):
            return  # Settled by a message since the batch was selected.
        try:
            answer = self.provider_id._aps_tamara_make_request(
                {'query_command': 'CHECK_STATUS', 'merchant_reference': self.reference},
                session=session,
            )
        except ValidationError as error:
            _logger.info("Could not check transaction %s with APS: %s", self.reference, error)
            return
        result = aps_status.check_status_to_notification(answer, self.currency_id.name)
        if result is None and not aps_status.is_order_not_found(answer):
            _logger.warning(
                "APS refused to check transaction %s: %s", self.reference,
                self.provider_id._aps_tamara_get_refusal_message(answer),
            )
            return
        if result and aps_status.map_status(result['status'], result['response_code']) != 'pending':
            self._handle_notification_data(const.PROVIDER_CODE, result)
            if self.state == 'authorized' and self.provider_id.aps_tamara_capture_immediately:
                self._aps_tamara_capture_immediately()
            if self.state in ('done', 'authorized', 'cancel', 'error'):
                self._aps_tamara_post_process_now()
            return
        # APS knows no payment (the order was never finished or never reached APS).
        abandon_before = fields.Datetime.now() - timedelta(
            hours=max(self.provider_id.aps_tamara_abandon_after, 0)
        )
        if self.state == 'draft' and self.aps_tamara_redirected_at \
                and self.aps_tamara_redirected_at <= abandon_before:
            _logger.info("Canceling the Tamara payment %s abandoned by the shopper.", self.reference)
            self._set_canceled(state_message=_(
                "The shopper left Tamara's page without paying: the payment was canceled."
            ))
            self._aps_tamara_post_process_now()

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
