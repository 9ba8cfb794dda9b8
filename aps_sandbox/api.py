"""``POST /FortAPI/paymentApi``: REFUND, CAPTURE, VOID_AUTHORIZATION and CHECK_STATUS.

JSON in, JSON out; the answer echoes the request and is signed with the merchant's
response phrase (not signed when the merchant is unknown: there is no phrase to use).
"""
import hmac
import json
import time

from . import notifications, refunds, reply
from .codes import (
    AUTHORIZED,
    CAPTURE_FAILED,
    CAPTURE_OK,
    CHECK_FAILED,
    CHECK_OK,
    INVALID_REQUEST,
    NOT_FINAL,
    PENDING,
    PENDING_MESSAGE,
    PURCHASE_OK,
    REFUND_FAILED,
    REFUND_OK,
    VOID_FAILED,
    VOID_OK,
    ApsError,
    Result,
)
from .signing import sign, signed, verify
from .validation import API_COMMANDS, check_currency_language, check_formats, check_names

FAILURE_STATUS = {
    'REFUND': REFUND_FAILED,
    'CAPTURE': CAPTURE_FAILED,
    'VOID_AUTHORIZATION': VOID_FAILED,
    'CHECK_STATUS': CHECK_FAILED,
}
FINAL_PURCHASE = (PURCHASE_OK, AUTHORIZED)


class Failure(Exception):
    """A command refused with the command's failure status and a message code."""

    def __init__(self, command, message_code):
        super().__init__(message_code)
        self.result = Result(FAILURE_STATUS[command], message_code)


class PaymentApi:
    """The server-to-server API with the per-merchant fault switches."""

    def __init__(self, store, sleep=time.sleep):
        self.store = store
        self.sleep = sleep

    def handle(self, body):
        """Answer one raw request body."""
        try:
            params = json.loads(body or b'null')
        except ValueError:
            params = None
        if not isinstance(params, dict):
            return reply.as_json(Result(INVALID_REQUEST, '073').fields(), status=400)
        merchant = self.store.merchant(str(params.get('merchant_identifier', '')))
        fault = merchant.api_fault if merchant else 'none'
        if fault == 'http_500':
            return reply.text('Internal Server Error (sandbox api_fault=http_500)', 500)
        if fault.startswith('timeout:'):
            self.sleep(float(fault.split(':', 1)[1]))
        answer = self.answer(params, merchant)
        if merchant is None:
            return reply.as_json(answer)
        answer = signed(answer, merchant.response_phrase, merchant.sha_type)
        if fault == 'bad_signature':
            answer['signature'] = sign(answer, merchant.response_phrase + '-wrong', merchant.sha_type)
        return reply.as_json(answer)

    def answer(self, params, merchant):
        """The unsigned answer: request echo plus the result fields."""
        echo = {name: value for name, value in params.items() if name != 'signature'}
        try:
            command = self._validate(params, merchant)
            return self._run(command, params, merchant, echo)
        except (ApsError, Failure) as error:
            return dict(echo, **error.result.fields())

    @staticmethod
    def _validate(params, merchant):
        """Check names, merchant, access code, signature and formats; return the command."""
        if 'query_command' in params:
            command = params['query_command']
            if command != 'CHECK_STATUS':
                raise ApsError('004')
        elif 'command' in params:
            command = params['command']
            if command not in API_COMMANDS or command == 'CHECK_STATUS':
                raise ApsError('004')
        else:
            raise ApsError('001')
        check_names(params, *API_COMMANDS[command])
        if merchant is None:
            raise ApsError('009')
        if not hmac.compare_digest(str(params['access_code']).encode(), merchant.access_code.encode()):
            raise ApsError('010')
        if not verify(params, merchant.request_phrase, merchant.sha_type):
            raise ApsError('008')
        check_formats(params)
        check_currency_language(params)
        if 'amount' in params and int(params['amount']) <= 0:
            raise ApsError('005')
        return command

    def _run(self, command, params, merchant, echo):
        """Find the order and run the command in one SQL transaction."""
        with self.store.atomic() as db:
            tx = db.execute('SELECT * FROM transactions WHERE merchant_identifier = ? AND merchant_reference = ?',
                            (merchant.merchant_identifier, params['merchant_reference'])).fetchone()
            if tx is None or str(params.get('fort_id') or tx['fort_id']) != tx['fort_id']:
                raise Failure(command, '036')
            if command == 'CHECK_STATUS':
                return self._check_status(db, tx, echo)
            reference = params.get('maintenance_reference')
            if command == 'REFUND' and reference and merchant.duplicate_refund == 'refuse' \
                    and refunds.is_duplicate(db, tx['fort_id'], reference):
                return dict(echo, fort_id=tx['fort_id'], **Failure(command, '007').result.fields())
            previous = self._last_operation(db, tx['fort_id'])
            held = command == 'REFUND' and merchant.api_fault == 'refund_hold'
            try:
                result, changes = MAINTENANCE[command](tx, params, reserved=refunds.held_amount(db, tx['fort_id']))
                if held:
                    result, changes = refunds.HELD, {}
            except Failure as failure:
                result, changes, held = failure.result, {}, False
            answer = dict(echo, fort_id=tx['fort_id'], **result.fields())
            if changes:
                self.store.update_transaction(db, tx['fort_id'], **changes)
            amount = int(params['amount']) if 'amount' in params else None
            self.store.add_operation(db, tx['fort_id'], command, result, answer, amount=amount,
                                     maintenance_reference=reference,
                                     settle_at=time.time() + merchant.pending_delay if held else None)
            if changes:
                stale = json.loads(previous['answer']) if previous else None
                notifications.enqueue(db, merchant, tx['fort_id'], answer, stale=stale)
            return answer

    @staticmethod
    def _last_operation(db, fort_id):
        """The latest operation row of an order, or ``None``."""
        return db.execute('SELECT * FROM operations WHERE fort_id = ? ORDER BY id DESC LIMIT 1',
                          (fort_id,)).fetchone()

    def _check_status(self, db, tx, echo):
        """12000 with the last operation's outcome and the order's amounts."""
        last = self._last_operation(db, tx['fort_id'])
        if last is None:
            waiting = Result(PENDING, PENDING_MESSAGE)
            status, code, message = waiting.status, waiting.response_code, waiting.response_message
        else:
            status, code, message = last['status'], last['response_code'], last['response_message']
        return dict(
            echo, fort_id=tx['fort_id'], **Result(CHECK_OK).fields(),
            transaction_status=status, transaction_code=code, transaction_message=message,
            authorized_amount=str(tx['authorized_amount']), captured_amount=str(tx['captured_amount']),
            refunded_amount=str(tx['refunded_amount']),
        )


def _require_final(command, tx):
    """662 while the order is not confirmed (checkout running, pending or on hold)."""
    if tx['step'] != 'done' or tx['status'] in NOT_FINAL:
        raise Failure(command, '662')


def _check_currency(command, tx, params):
    """013 when the operation currency differs from the order's."""
    if params['currency'] != tx['currency']:
        raise Failure(command, '013')


def refund(tx, params, reserved=0):
    """Full or partial refund of what was captured and not yet refunded nor held (``reserved``)."""
    _require_final('REFUND', tx)
    _check_currency('REFUND', tx, params)
    if tx['status'] not in FINAL_PURCHASE or tx['voided']:
        raise Failure('REFUND', '034')
    amount = int(params['amount'])
    if amount > tx['captured_amount'] - tx['refunded_amount'] - reserved:
        raise Failure('REFUND', '048')
    return Result(REFUND_OK), {'refunded_amount': tx['refunded_amount'] + amount}


def capture(tx, params, reserved=0):  # noqa: ARG001 (one signature for MAINTENANCE)
    """Full or partial capture of an authorization (deferred-capture merchants)."""
    _require_final('CAPTURE', tx)
    _check_currency('CAPTURE', tx, params)
    if tx['status'] != AUTHORIZED or tx['voided']:
        raise Failure('CAPTURE', '034')
    amount = int(params['amount'])
    if amount > tx['authorized_amount'] - tx['captured_amount']:
        raise Failure('CAPTURE', '042')
    return Result(CAPTURE_OK), {'captured_amount': tx['captured_amount'] + amount}


def void_authorization(tx, params, reserved=0):  # noqa: ARG001
    """Void an authorization that has not been captured."""
    _require_final('VOID_AUTHORIZATION', tx)
    if tx['status'] != AUTHORIZED or tx['voided'] or tx['captured_amount']:
        raise Failure('VOID_AUTHORIZATION', '034')
    return Result(VOID_OK), {'voided': 1}


MAINTENANCE = {
    'REFUND': refund,
    'CAPTURE': capture,
    'VOID_AUTHORIZATION': void_authorization,
}
