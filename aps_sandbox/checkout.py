"""``POST /FortAPI/paymentPage`` and the hosted Tamara checkout that follows it.

Steps: sign-in (email + phone) → OTP (code shown on screen) → plan (approve / decline /
cancel).  The outcome is stored, notified server-to-server and posted back to the
merchant's ``return_url`` by an auto-submitted form.
"""
import hmac
import json
import secrets
import time

from . import notifications, pages, reply
from .codes import (
    AUTHORIZED,
    INVALID_REQUEST,
    NOT_FINAL,
    ON_HOLD_MESSAGE,
    PENDING,
    PENDING_MESSAGE,
    PURCHASE_FAILED,
    PURCHASE_OK,
    UNCERTAIN,
    ApsError,
    Result,
)
from .signing import signed, verify
from .validation import PAGE_OPTIONAL, PAGE_REQUIRED, check_formats, check_names, check_page_values, return_url_problem

FAILURE_EMAILS = ('otp.failure@tamara.ai',)
FAILURE_PHONE = '526422337'
PENDING_EMAILS = ('otp.pending@tamara.ai',)
ON_HOLD_EMAILS = ('otp.onhold@tamara.ai',)

DECLINED = Result(PURCHASE_FAILED, '666')
CANCELLED = Result(INVALID_REQUEST, '072')
PENDING_RESULT = Result(PENDING, PENDING_MESSAGE)
ON_HOLD_RESULT = Result(UNCERTAIN, ON_HOLD_MESSAGE)
WAITING = {'pending': PENDING_RESULT, 'onhold': ON_HOLD_RESULT}

CHECKOUT_PATH = '/tamara/checkout/'


def classify(email, phone):
    """The Tamara test identity outcome: ``failure``, ``pending``, ``onhold`` or ``success`` (default)."""
    email = (email or '').strip().lower()
    digits = ''.join(char for char in phone or '' if char.isdigit())
    if email in FAILURE_EMAILS or digits.endswith(FAILURE_PHONE):
        return 'failure'
    if email in PENDING_EMAILS:
        return 'pending'
    if email in ON_HOLD_EMAILS:
        return 'onhold'
    return 'success'


def success_result(merchant):
    """14000 for immediate capture, 02000 (authorized) for a merchant set to deferred capture."""
    return Result(AUTHORIZED if merchant.capture == 'deferred' else PURCHASE_OK)


def result_payload(tx, result):
    """The fields returned for a finished checkout: the request echo plus the APS result."""
    payload = json.loads(tx['request'])
    payload.pop('convenience_fee', None)
    payload['amount'] = str(tx['amount'])
    payload.update(fort_id=tx['fort_id'], eci='ECOMMERCE', **result.fields())
    return payload


def notification_payload(tx, payload, merchant):
    """The notification fields of a purchase outcome.

    APS documents the *return*: ``amount`` is the order amount plus ``convenience_fee``, which is
    not echoed (https://paymentservices.amazon.com/docs/api/payment-methods/tamara, Response
    Parameters). It is silent about notifications: ``notification_fee=included`` sends them like
    the return, ``excluded`` sends the order amount and echoes ``convenience_fee``.
    """
    request = json.loads(tx['request'])
    if merchant.notification_fee != 'excluded' or not request.get('convenience_fee'):
        return payload
    return dict(payload, amount=request['amount'], convenience_fee=request['convenience_fee'])


def amounts_for(result, amount):
    """Transaction amount columns after a purchase outcome."""
    if result.status == PURCHASE_OK:
        return {'authorized_amount': amount, 'captured_amount': amount}
    if result.status == AUTHORIZED:
        return {'authorized_amount': amount}
    return {}


class Checkout:
    """The paymentPage endpoint and the hosted checkout pages."""

    def __init__(self, store):
        self.store = store

    # paymentPage -------------------------------------------------------------------

    def payment_page(self, params):
        """Validate a Tamara PURCHASE; redirect to the checkout or answer the error."""
        merchant = self.store.merchant(params.get('merchant_identifier', ''))
        return_url = params.get('return_url') or (merchant.return_url if merchant else '')
        url_problem = return_url_problem(return_url)
        try:
            self._validate(params, merchant)
            if url_problem:
                raise ApsError(url_problem)
            tx = self._create(params)
        except ApsError as error:
            fields = {name: value for name, value in params.items() if name != 'signature'}
            fields.update(error.result.fields())
            if merchant is None or url_problem:
                return reply.html(pages.error_page(fields), status=400)
            answer = signed(fields, merchant.response_phrase, merchant.sha_type)
            return reply.html(pages.return_form_page(return_url, answer, params.get('language', 'en')))
        return reply.redirect(CHECKOUT_PATH + tx['token'])

    def _validate(self, params, merchant):
        """Raise ``ApsError`` in the order: names, merchant, access code, signature, formats, values."""
        check_names(params, PAGE_REQUIRED, PAGE_OPTIONAL)
        if merchant is None:
            raise ApsError('009')
        if not hmac.compare_digest(params['access_code'].encode(), merchant.access_code.encode()):
            raise ApsError('010')
        if not verify(params, merchant.request_phrase, merchant.sha_type):
            raise ApsError('008')
        check_formats(params)
        check_page_values(params)

    def _create(self, params):
        """Store the transaction; 066 when the merchant_reference was used before."""
        request = {name: value for name, value in params.items() if name != 'signature'}
        amount = int(params['amount']) + int(params.get('convenience_fee') or 0)
        otp = f'{1000 + secrets.randbelow(9000)}'
        tx = self.store.create_transaction(request, amount, secrets.token_urlsafe(18), otp)
        if tx is None:
            raise ApsError('066')
        return tx

    # hosted checkout -------------------------------------------------------------------

    def show(self, token):
        """``GET`` of a checkout session: the page of its current step."""
        tx = self.store.transaction_by_token(token)
        if tx is None:
            return reply.text('Unknown checkout session', 404)
        action = CHECKOUT_PATH + token
        if tx['step'] == 'signin':
            return reply.html(pages.signin_page(tx, action))
        if tx['step'] == 'otp':
            return reply.html(pages.otp_page(tx, action))
        if tx['step'] == 'plan':
            description = json.loads(tx['request']).get('order_description', '')
            return reply.html(pages.plan_page(tx, action, description))
        return reply.html(pages.message_page('finished', tx['language']))

    def submit(self, token, form):
        """``POST`` of a checkout step form (``action`` tells which button was used)."""
        tx = self.store.transaction_by_token(token)
        if tx is None:
            return reply.text('Unknown checkout session', 404)
        action = form.get('action', '')
        if tx['step'] == 'done':
            return reply.html(pages.message_page('finished', tx['language']))
        if action == 'cancel':
            return self._finish(tx, CANCELLED)
        if tx['step'] == 'signin' and action == 'signin':
            return self._sign_in(tx, form)
        if tx['step'] == 'otp' and action == 'verify':
            if hmac.compare_digest(form.get('otp', '').strip().encode(), tx['otp'].encode()):
                return self._advance(tx, 'plan')
            return reply.html(pages.otp_page(tx, CHECKOUT_PATH + token, wrong=True))
        if tx['step'] == 'plan' and action == 'decline':
            return self._finish(tx, DECLINED)
        if tx['step'] == 'plan' and action == 'approve':
            return self._approve(tx)
        return reply.redirect(CHECKOUT_PATH + token)

    def _sign_in(self, tx, form):
        """Record the identity; a failure identity is declined right away."""
        email = form.get('email', '').strip() or tx['email']
        phone = form.get('phone', '').strip() or tx['phone']
        with self.store.atomic() as db:
            self.store.update_transaction(db, tx['fort_id'], email=email, phone=phone)
        if classify(email, phone) == 'failure':
            return self._finish(self.store.transaction_by_token(tx['token']), DECLINED)
        return self._advance(tx, 'otp')

    def _advance(self, tx, step):
        """Move to the next step and show it (POST → 303 → GET)."""
        with self.store.atomic() as db:
            self.store.update_transaction(db, tx['fort_id'], step=step)
        return reply.redirect(CHECKOUT_PATH + tx['token'])

    def _approve(self, tx):
        """Approve according to the identity: declined, pending or on hold (settled later), or success."""
        merchant = self.store.merchant(tx['merchant_identifier'])
        outcome = classify(tx['email'], tx['phone'])
        if outcome == 'failure':
            return self._finish(tx, DECLINED)
        if outcome in WAITING:
            return self._finish(tx, WAITING[outcome], settle_at=time.time() + merchant.pending_delay)
        return self._finish(tx, success_result(merchant))

    def _finish(self, tx, result, settle_at=None):
        """Store the outcome, queue its notification and send the shopper back."""
        merchant = self.store.merchant(tx['merchant_identifier'])
        payload = result_payload(tx, result)
        with self.store.atomic() as db:
            step = db.execute('SELECT step FROM transactions WHERE fort_id = ?', (tx['fort_id'],)).fetchone()
            if step['step'] == 'done':
                return reply.html(pages.message_page('finished', tx['language']))
            self.store.update_transaction(
                db, tx['fort_id'], step='done', settle_at=settle_at, **result.fields(),
                **amounts_for(result, tx['amount']))
            self.store.add_operation(db, tx['fort_id'], 'PURCHASE', result, payload, amount=tx['amount'])
            notice = notification_payload(tx, payload, merchant)
            if result.status not in NOT_FINAL:
                notifications.enqueue(db, merchant, tx['fort_id'], notice,
                                      stale=notification_payload(tx, result_payload(tx, PENDING_RESULT), merchant))
            elif merchant.notifications != 'reorder':
                notifications.enqueue(db, merchant, tx['fort_id'], notice)
        if not merchant.browser_return:
            return reply.html(pages.message_page('done', tx['language']))
        return_url = json.loads(tx['request']).get('return_url') or merchant.return_url
        answer = signed(payload, merchant.response_phrase, merchant.sha_type)
        return reply.html(pages.return_form_page(return_url, answer, tx['language']))

    # pending settlement (worker job) ---------------------------------------------------------

    def settle_due(self):
        """Turn pending (19) or on-hold (15777) transactions whose delay is over into a success and notify it.

        With ``notifications=reorder`` the held-back 19 is queued after the final result.
        """
        with self.store.atomic() as db:
            due = db.execute('SELECT * FROM transactions WHERE settle_at IS NOT NULL AND settle_at <= ?',
                             (time.time(),)).fetchall()
        for tx in due:
            self._settle(tx)

    def _settle(self, tx):
        """Settle one pending transaction."""
        merchant = self.store.merchant(tx['merchant_identifier'])
        result = success_result(merchant)
        payload = result_payload(tx, result)
        waiting = result_payload(tx, Result(tx['status'], tx['response_code'][2:]))
        with self.store.atomic() as db:
            self.store.update_transaction(db, tx['fort_id'], settle_at=None, **result.fields(),
                                          **amounts_for(result, tx['amount']))
            self.store.add_operation(db, tx['fort_id'], 'PURCHASE', result, payload, amount=tx['amount'])
            notifications.enqueue(db, merchant, tx['fort_id'], notification_payload(tx, payload, merchant),
                                  stale=notification_payload(tx, waiting, merchant))
