# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging

from psycopg2 import errors

from odoo import models, modules
from odoo.tools import SQL

from odoo.addons.payment_aps_tamara import const

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """ The row lock that whatever changes a Tamara payment on APS' word takes first (a message,
    an operation, the reconciliation), so that they apply one at a time, each with a view of the
    database that sees what the previous one committed. """
    _inherit = 'payment.transaction'

    def _aps_tamara_lock_row(self, skip_locked=False, mark_changed=False):
        """ Lock the transaction's row until the end of the database transaction.

        Whatever changes a transaction on APS' word (a message, an operation, the reconciliation)
        takes this lock first, so that they apply one at a time. A request that waited for it
        while the holder changed the row fails with a serialization error, which Odoo answers by
        retrying the request: it is raised quietly (no ERROR in the log), Odoo logs the retry.

        :param bool skip_locked: Give up at once, rather than wait, if the row is already locked.
        :param bool mark_changed: Also mark the row as changed (for an operation): a message about
                                  the same payment waiting for the lock then takes it again with a
                                  fresh view of the database, and finds the refund or capture
                                  saved meanwhile rather than missing it. Never skips.
        :return: Whether the row is locked: always, unless `skip_locked`.
        :rtype: bool
        """
        self.ensure_one()
        if mark_changed:
            self.env.cr.execute(SQL(
                "UPDATE payment_transaction SET write_date = (NOW() AT TIME ZONE 'UTC') "
                "WHERE id = %s", self.id,
            ), log_exceptions=False)
            self.invalidate_recordset(['write_date'])
            return True
        self.env.cr.execute(SQL(
            "SELECT 1 FROM payment_transaction WHERE id = %s FOR NO KEY UPDATE %s",
            self.id, SQL("SKIP LOCKED") if skip_locked else SQL(),
        ), log_exceptions=False)
        return bool(self.env.cr.fetchone())

    def _aps_tamara_wait_and_lock_row(self, try_current_view=False):
        """ Lock the transaction's row for a message about it, in a database transaction that
        sees everything committed by the previous holder of the lock.

        Odoo runs requests in REPEATABLE READ: a database transaction sees the database as it was
        at its first query. A message that waits for the lock while another message about the
        same payment is applied (the shopper's return and APS' notifications arrive together)
        would see the payment as it was before, and PostgreSQL would refuse its changes ("could
        not serialize access due to concurrent update"; Odoo logs an ERROR, then retries the whole
        request after a random delay). Instead, the lock is taken without waiting as the first
        query of a new database transaction; when it is held, the request waits for the holder in
        a database transaction that it then throws away, and takes the lock again.

        Only for a request that has written nothing yet: its database transaction is rolled back.

        :param bool try_current_view: First try the lock, without waiting, in the request's
                                      current database transaction, for a request that read all
                                      it holds in it: when the row is free and unchanged since
                                      that transaction's first query (else PostgreSQL refuses the
                                      lock), the request's view is already the latest and what it
                                      read stays valid, so nothing is read again (the case of
                                      almost every message).
        :return: None
        """
        self.ensure_one()
        cr = self.env.cr
        lock = "SELECT 1 FROM payment_transaction WHERE id = %s FOR NO KEY UPDATE"
        if try_current_view:
            try:
                cr.execute(SQL(lock + " NOWAIT", self.id), log_exceptions=False)
                return
            except (errors.LockNotAvailable, errors.SerializationFailure):
                # The loop starts with a rollback: a new database transaction and view.
                _logger.debug("Transaction %s is held or changed since this view: waiting.", self.id)
        for _attempt in range(const.LOCK_ATTEMPTS):
            cr.rollback()  # The next query starts a new database transaction and view.
            self.env.transaction.reset()
            try:
                cr.execute(SQL(lock + " NOWAIT", self.id), log_exceptions=False)
                return
            except (errors.LockNotAvailable, errors.SerializationFailure):
                cr.rollback()
            try:
                cr.execute(SQL(lock, self.id), log_exceptions=False)  # Wait for the holder.
            except errors.SerializationFailure:
                _logger.debug("Transaction %s changed while waiting for its lock: next attempt.", self.id)
        cr.rollback()
        self.env.transaction.reset()
        self._aps_tamara_lock_row()

    def _aps_tamara_commit_and_lock_row(self):
        """ Save what the request wrote, then lock the transaction's row with a fresh view of the
        database and mark it changed (`_aps_tamara_lock_row`), before applying APS' answer to an
        operation sent without the lock: a message about the same payment applied while APS was
        answering is then seen, rather than refused by PostgreSQL ("could not serialize access
        due to concurrent update") when the answer is written.

        :return: None
        """
        self.ensure_one()
        self._aps_tamara_commit()
        if not modules.module.current_test:  # In a test nothing is committed: nothing to drop.
            self._aps_tamara_wait_and_lock_row()
        self._aps_tamara_lock_row(mark_changed=True)
