"""REFUND as APS documents it: repeated ``maintenance_reference`` and refunds on hold.

APS' only statement about a repeated reference: "You will be able to retry on the refund
request using the same maintenance reference if the refund transaction was declined"
(https://paymentservices.amazon.com/docs/api/managing-payments/refund).  Nothing documents
a replay of a successful answer, so the sandbox never replays one: a reference whose refund
went through, or is on hold, is refused with 07007 "Duplicate order number" (switch
``duplicate_refund=refuse``), or, in the worst case APS could have (``refund_again``),
refunded once more.

A refund on hold (``api_fault=refund_hold``) is answered 06006 ("Technical problem", on hold
in APS' official plugins), is not yet in CHECK_STATUS' ``refunded_amount`` but reserves its
amount, and settles to 06000 after the merchant's ``pending_delay`` with a notification.
"""
import json
import time

from . import notifications
from .codes import REFUND_OK, TECHNICAL_PROBLEM, Result

HELD = Result(REFUND_OK, TECHNICAL_PROBLEM)


def is_duplicate(db, fort_id, maintenance_reference):
    """True when a refund with this reference went through or is on hold (a declined one may be retried)."""
    row = db.execute(
        "SELECT 1 FROM operations WHERE fort_id = ? AND command = 'REFUND' AND maintenance_reference = ?"
        ' AND status = ? LIMIT 1', (fort_id, maintenance_reference, REFUND_OK)).fetchone()
    return row is not None


def held_amount(db, fort_id):
    """The amount of the order's refunds on hold: reserved, not yet refunded."""
    row = db.execute(
        "SELECT COALESCE(SUM(amount), 0) AS held FROM operations WHERE fort_id = ? AND command = 'REFUND'"
        ' AND settle_at IS NOT NULL', (fort_id,)).fetchone()
    return row['held']


def settle_due(store):
    """Settle every refund on hold whose delay is over: 06000, refunded, notified."""
    with store.atomic() as db:
        due = db.execute("SELECT * FROM operations WHERE command = 'REFUND' AND settle_at IS NOT NULL"
                         ' AND settle_at <= ?', (time.time(),)).fetchall()
    for operation in due:
        _settle(store, operation)


def _settle(store, operation):
    """Apply one held refund and queue its notification (with its maintenance_reference)."""
    with store.atomic() as db:
        identifier = db.execute('SELECT merchant_identifier FROM transactions WHERE fort_id = ?',
                                (operation['fort_id'],)).fetchone()['merchant_identifier']
    merchant = store.merchant(identifier)
    with store.atomic() as db:
        claimed = db.execute('UPDATE operations SET settle_at = NULL WHERE id = ? AND settle_at IS NOT NULL',
                             (operation['id'],)).rowcount
        if not claimed:
            return
        tx = db.execute('SELECT * FROM transactions WHERE fort_id = ?', (operation['fort_id'],)).fetchone()
        held = json.loads(operation['answer'])
        answer = dict(held, **Result(REFUND_OK).fields())
        store.update_transaction(db, tx['fort_id'], refunded_amount=tx['refunded_amount'] + operation['amount'])
        store.add_operation(db, tx['fort_id'], 'REFUND', Result(REFUND_OK), answer, amount=operation['amount'],
                            maintenance_reference=operation['maintenance_reference'])
        notifications.enqueue(db, merchant, tx['fort_id'], answer, stale=held)
