"""Server-to-server notifications: queueing with the per-merchant switches, and the worker.

Every delivery and every attempt is a row in SQLite, so pending deliveries survive a
restart and are resumed by the next worker.  A delivery is acknowledged by a 2xx or 302
answer; otherwise it is retried ``retries`` times, ``retry_interval`` seconds apart.
"""
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from .signing import signed

_logger = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
POLL_INTERVAL = 0.05
BATCH_SIZE = 20


def body_for(merchant, payload):
    """The signed notification fields for the merchant's format.

    In JSON, ``order_metadata`` (JSON text in the browser form) is sent as an object and
    signed in its Java-Map rendering; in form encoding every value stays a string.
    """
    fields = dict(payload)
    if merchant.notification_format == 'json' and isinstance(fields.get('order_metadata'), str):
        fields['order_metadata'] = json.loads(fields['order_metadata'])
    return signed(fields, merchant.response_phrase, merchant.sha_type)


def enqueue(db, merchant, fort_id, payload, stale=None):
    """Queue the notification of ``payload`` for ``merchant`` according to its switch.

    ``stale`` is the order's previous-state payload, sent after this one (once it is
    delivered or has failed) when the switch is ``reorder``.  Runs inside ``atomic()``.
    """
    switch = merchant.notifications
    now = time.time()
    due = now + float(switch.split(':', 1)[1]) if switch.startswith('delay:') else now
    if not merchant.notification_url:
        return _insert(db, merchant, fort_id, payload, now, state='skipped', note='no notification_url')
    if switch == 'drop':
        return _insert(db, merchant, fort_id, payload, now, state='dropped', note='notifications=drop')
    first = _insert(db, merchant, fort_id, payload, due)
    if switch == 'duplicate':
        _insert(db, merchant, fort_id, payload, due, note='duplicate copy')
    if switch == 'reorder' and stale is not None:
        _insert(db, merchant, fort_id, stale, due, note='stale copy (reorder)', after_id=first)
    return first


def _insert(db, merchant, fort_id, payload, due, state='pending', note='', after_id=None):
    """Insert one delivery row and return its id."""
    body = body_for(merchant, payload)
    now = time.time()
    cursor = db.execute(
        'INSERT INTO deliveries (fort_id, merchant_identifier, command, status, response_code, url, format,'
        ' payload, state, note, due_at, max_attempts, retry_interval, after_id, created_at, updated_at)'
        ' VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        (fort_id, merchant.merchant_identifier, payload.get('command') or payload.get('query_command', ''),
         payload.get('status', ''), payload.get('response_code', ''), merchant.notification_url,
         merchant.notification_format, json.dumps(body), state, note, due, 1 + int(merchant.retries),
         float(merchant.retry_interval), after_id, now, now))
    return cursor.lastrowid


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects (302 is an acknowledgement) instead of following them."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def send(delivery):
    """POST one delivery; return ``(http_status or None, error text)``."""
    payload = json.loads(delivery['payload'])
    if delivery['format'] == 'json':
        data = json.dumps(payload).encode('utf-8')
        content_type = 'application/json'
    else:
        data = urllib.parse.urlencode(payload).encode('utf-8')
        content_type = 'application/x-www-form-urlencoded'
    request = urllib.request.Request(delivery['url'], data=data, method='POST',
                                     headers={'Content-Type': content_type, 'User-Agent': 'aps-sandbox'})
    try:
        with _OPENER.open(request, timeout=SEND_TIMEOUT) as response:
            return response.status, ''
    except urllib.error.HTTPError as error:
        return error.code, ''
    except (OSError, ValueError) as error:
        return None, f'{type(error).__name__}: {error}'


def acknowledged(http_status):
    """APS treats 2xx and 302 as delivered."""
    return http_status is not None and (200 <= http_status < 300 or http_status == 302)


class Worker:
    """Background thread: runs periodic jobs (e.g. pending settlements) and sends due deliveries."""

    def __init__(self, store, jobs=()):
        self.store = store
        self.jobs = list(jobs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name='aps-notifications', daemon=True)

    def start(self):
        """Start the thread (resumes deliveries left pending by a previous run)."""
        self._thread.start()

    def stop(self, timeout=SEND_TIMEOUT + 2):
        """Ask the thread to stop and wait for it (bounded)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # keep the worker alive; the error is logged
                _logger.exception('notification worker iteration failed')
            self._stop.wait(POLL_INTERVAL)

    def tick(self):
        """One iteration: periodic jobs, then every delivery that is due now."""
        for job in self.jobs:
            job()
        for delivery in self._due():
            if self._stop.is_set():
                return
            self._attempt(delivery)

    def _due(self):
        """Pending deliveries whose time has come and whose predecessor is finished."""
        with self.store.atomic() as db:
            return db.execute(
                "SELECT * FROM deliveries AS d WHERE d.state = 'pending' AND d.due_at <= ? AND"
                " (d.after_id IS NULL OR (SELECT p.state FROM deliveries AS p WHERE p.id = d.after_id)"
                " IS NOT 'pending') ORDER BY d.due_at, d.id LIMIT ?", (time.time(), BATCH_SIZE)).fetchall()

    def _attempt(self, delivery):
        """Send once and record the attempt; schedule a retry or close the delivery."""
        http_status, error = send(delivery)
        now = time.time()
        attempts = delivery['attempts'] + 1
        if acknowledged(http_status):
            state, due = 'delivered', delivery['due_at']
        elif attempts >= delivery['max_attempts']:
            state, due = 'failed', delivery['due_at']
        else:
            state, due = 'pending', now + delivery['retry_interval']
        with self.store.atomic() as db:
            db.execute('INSERT INTO attempts (delivery_id, at, http_status, error) VALUES (?, ?, ?, ?)',
                       (delivery['id'], now, http_status, error))
            db.execute('UPDATE deliveries SET state = ?, attempts = ?, due_at = ?, updated_at = ? WHERE id = ?',
                       (state, attempts, due, now, delivery['id']))
