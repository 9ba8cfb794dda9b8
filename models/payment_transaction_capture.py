# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.payment_aps_tamara import const

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """ The capture of authorizations, for providers that capture at once: once per
    authorization, by a scheduled job rather than the request applying APS' message
    (https://paymentservices.amazon.com/docs/api/managing-payments/capture). """
    _inherit = 'payment.transaction'

    def _aps_tamara_schedule_capture(self):
        """ Have the authorization captured as soon as possible, outside of the request applying
        APS' message: the capture job calls APS without any lock that messages wait on. """
        self.env.ref('payment_aps_tamara.cron_capture_aps_tamara')._trigger()

    @api.model
    def _cron_aps_tamara_capture(self, limit=const.RECONCILE_BATCH_SIZE):
        """ Capture, once, the authorized Tamara payments of the providers that capture at once.

        Each authorization is claimed (its capture recorded as sent, committed) before APS is
        called, so that overlapping runs and repeated messages never send a second CAPTURE. A
        capture APS refuses may be tried again; one whose outcome is unknown never is: the
        reconciliation's status check tells whether APS captured.

        :param int limit: The maximum number of payments to capture.
        :return: None
        """
        providers = self.env['payment.provider']._aps_tamara_get_providers_in_use().filtered(
            'aps_tamara_capture_immediately'
        )
        txs = self.sudo().search([
            ('provider_id', 'in', providers.ids), ('state', '=', 'authorized'),
            ('operation', '!=', 'refund'), ('source_transaction_id', '=', False),
            ('aps_tamara_capture_sent_at', '=', False),
        ], limit=limit)
        for tx in txs:
            try:
                if not tx._aps_tamara_claim_capture():
                    continue
                try:
                    tx._aps_tamara_capture()
                except ValidationError as error:  # Unknown outcome: never sent again.
                    _logger.warning("Unknown outcome of the capture of %s: %s",
                                    tx.reference, error.args[0])
                except UserError as error:  # Refused: not captured, may be tried again.
                    _logger.warning("APS refused to capture %s: %s", tx.reference, error.args[0])
                    tx.aps_tamara_capture_sent_at = False
                self._aps_tamara_commit()
            except psycopg2.OperationalError:
                self._aps_tamara_rollback()  # Changed by a concurrent message: next run.
            except Exception:
                _logger.exception("Could not capture the Tamara payment %s.", tx.reference)
                self._aps_tamara_rollback()

    def _aps_tamara_claim_capture(self):
        """ Claim the capture of this authorization for this run: skipped if a message or another
        run holds it, or if it is no longer an authorization waiting for its capture. """
        self.ensure_one()
        self.env.cr.execute(SQL(
            "SELECT 1 FROM payment_transaction WHERE id = %s AND state = 'authorized' "
            "AND aps_tamara_capture_sent_at IS NULL FOR NO KEY UPDATE SKIP LOCKED", self.id,
        ))
        if not self.env.cr.fetchone():
            return False
        self.invalidate_recordset()
        return True
