# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, create_index

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import redact

_logger = logging.getLogger(__name__)


class PaymentAPSTamaraLog(models.Model):
    """ One message exchanged with APS: a notification or a return received, or a paymentApi
    request sent with its answer. Secrets are masked.

    One row per message (never a counter updated in place) keeps the counts right when several
    workers receive messages at the same time. Refused messages (anyone can post them) are kept
    up to `const.REFUSED_LOG_MAX_PER_HOUR` an hour per provider; old rows are removed by the
    autovacuum. What is kept of a message is a bounded excerpt without the customer's personal
    data; every row belongs to a company.
    """
    _name = 'payment.aps_tamara.log'
    _description = "Tamara (APS) Message"
    _order = 'id desc'
    _rec_name = 'reference'

    provider_id = fields.Many2one(
        comodel_name='payment.provider', index=True, ondelete='cascade',
        readonly=True,
    )
    company_id = fields.Many2one(
        comodel_name='res.company', index=True, readonly=True,
        help="The company of the transaction or provider; the current company for a message "
             "that could not be attributed.",
    )
    transaction_id = fields.Many2one(
        comodel_name='payment.transaction', index='btree_not_null',
        ondelete='cascade', readonly=True,
    )
    channel = fields.Selection(
        selection=[
            ('webhook', "Notification"),
            ('return', "Shopper's Return"),
            ('api', "Request to APS"),
        ], required=True, readonly=True,
    )
    state = fields.Selection(
        string="Outcome", selection=[
            ('accepted', "Accepted"),
            ('forged', "Invalid Signature"),
            ('unknown', "Unknown Reference"),
            ('malformed', "Malformed"),
            ('forwarded', "Handed to Amazon Payment Services (cards)"),
            ('failed', "No Answer"),
        ], required=True, readonly=True, index=True,
    )
    reference = fields.Char(readonly=True)
    command = fields.Char(readonly=True)
    response_code = fields.Char(readonly=True)
    response_message = fields.Char(readonly=True)
    request_data = fields.Text(string="Sent to APS", readonly=True)
    response_data = fields.Text(string="Received from APS", readonly=True)
    note = fields.Char(readonly=True)

    def init(self):
        # Counting the refused messages of the last hour reads this index only.
        create_index(
            self.env.cr, 'payment_aps_tamara_log_refused_recent_index', self._table,
            ['create_date', 'provider_id'], where=f"state IN {tuple(const.REFUSED_LOG_STATES)}",
        )

    @api.model
    def _aps_tamara_record(self, channel, state, provider=None, tx=None, received=None,
                           sent=None, note=None):
        """ Record one message, secrets masked.

        :param str channel: 'webhook', 'return' or 'api'.
        :param str state: The outcome, a key of the `state` selection.
        :param payment.provider provider: The provider the message is attributed to, if any.
        :param payment.transaction tx: The transaction the message is about, if any.
        :param dict received: What APS sent, if anything.
        :param dict sent: What was sent to APS, if anything.
        :param str note: What went wrong, in a few words.
        :return: The new record, or nothing for a refused message beyond the hourly bound.
        """
        received = received if isinstance(received, dict) else {}
        sent = sent if isinstance(sent, dict) else {}
        if not provider and tx:
            provider = tx.provider_id
        if state in const.REFUSED_LOG_STATES and self._aps_tamara_is_flooded(provider):
            _logger.debug(
                "Not recording a refused APS (Tamara) message (%s): more than %s in the last hour.",
                state, const.REFUSED_LOG_MAX_PER_HOUR,
            )
            return self.browse()
        reference = received.get('merchant_reference') or sent.get('merchant_reference')
        company = (tx and tx.company_id) or (provider and provider.company_id) or self.env.company
        return self._aps_tamara_insert({
            'provider_id': provider.id if provider else False,
            'company_id': company.id,
            'transaction_id': tx.id if tx else False,
            'channel': channel,
            'state': state,
            'reference': str(reference)[:100] if reference else False,
            'command': str(
                received.get('command') or received.get('query_command')
                or sent.get('command') or sent.get('query_command') or ''
            )[:40] or False,
            'response_code': str(received.get('response_code') or '')[:10] or False,
            'response_message': str(received.get('response_message') or '')[:255] or False,
            'request_data': self._aps_tamara_dump(sent) if sent else False,
            'response_data': self._aps_tamara_dump(received) if received else False,
            'note': note,
        })

    @api.model
    def _aps_tamara_insert(self, values):
        """ Insert one row in a single query, as `create` would store it.

        A row is written for every message, on the path of every notification: an append-only
        record without computed fields, constraints or mail, it does not need `create`'s
        machinery (several queries and most of the cost of recording a repeated notification).

        :param dict values: The column values, False for empty.
        :return: The new record, sudoed.
        """
        columns = list(values)
        self.env.cr.execute(SQL(
            "INSERT INTO payment_aps_tamara_log (%s, create_uid, write_uid, create_date, write_date)"
            " VALUES (%s, %s, %s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC') RETURNING id",
            SQL(', ').join(map(SQL.identifier, columns)),
            SQL(', ').join(values[column] if values[column] is not False else None
                           for column in columns),
            self.env.uid, self.env.uid,
        ))
        log = self.sudo().browse(self.env.cr.fetchone()[0])
        if values.get('transaction_id'):  # As `create` does: the transaction's list shows it.
            self.env['payment.transaction'].browse(values['transaction_id']).invalidate_recordset(
                ['aps_tamara_log_ids']
            )
        return log

    @api.model
    def _aps_tamara_dump(self, params):
        """ Render parameters as a bounded excerpt: secrets masked, personal data left out. """
        return redact.excerpt(params)

    @api.model
    def _aps_tamara_is_flooded(self, provider):
        """ Whether the refused messages of the last hour, of the provider (or unattributed), have
        reached the bound. Workers counting at the same instant may each add one more row. """
        self.env.cr.execute(SQL(
            "SELECT COUNT(*) FROM (SELECT 1 FROM payment_aps_tamara_log"
            " WHERE state IN %s AND create_date >= %s AND provider_id IS NOT DISTINCT FROM %s"
            " LIMIT %s) AS recent",
            tuple(const.REFUSED_LOG_STATES), fields.Datetime.now() - timedelta(hours=1),
            provider.id if provider else None, const.REFUSED_LOG_MAX_PER_HOUR,
        ))
        return self.env.cr.fetchone()[0] >= const.REFUSED_LOG_MAX_PER_HOUR

    @api.autovacuum
    def _gc_aps_tamara_logs(self):
        """ Remove the messages older than the retention delay, in bounded batches. """
        limit_date = fields.Datetime.now() - timedelta(days=const.LOG_RETENTION_DAYS)
        removed = 0
        for _batch in range(const.LOG_GC_MAX_BATCHES):
            self.env.cr.execute(SQL(
                "DELETE FROM payment_aps_tamara_log WHERE id IN ("
                " SELECT id FROM payment_aps_tamara_log WHERE create_date < %s LIMIT %s)",
                limit_date, const.LOG_GC_BATCH_SIZE,
            ))
            removed += self.env.cr.rowcount
            if self.env.cr.rowcount < const.LOG_GC_BATCH_SIZE:
                break
        if removed:
            _logger.info("Removed %s old Tamara (APS) messages.", removed)
