"""SQLite persistence: merchants, transactions, operations, deliveries and their attempts.

One connection shared by all threads, guarded by a re-entrant lock; every unit of work
runs inside ``atomic()`` as one short SQL transaction, so a restart loses nothing.
"""
import contextlib
import json
import sqlite3
import threading
import time

from .merchants import Merchant

FORT_ID_BASE = 170000000000000000
"""fort_id = base + row id: numeric, 18 digits, never reused (AUTOINCREMENT)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS merchants (
    merchant_identifier TEXT PRIMARY KEY,
    settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fort_id TEXT UNIQUE,
    merchant_identifier TEXT NOT NULL,
    merchant_reference TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    request TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    language TEXT NOT NULL,
    step TEXT NOT NULL,
    otp TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    response_code TEXT NOT NULL DEFAULT '',
    response_message TEXT NOT NULL DEFAULT '',
    authorized_amount INTEGER NOT NULL DEFAULT 0,
    captured_amount INTEGER NOT NULL DEFAULT 0,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    voided INTEGER NOT NULL DEFAULT 0,
    settle_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (merchant_identifier, merchant_reference)
);
CREATE TABLE IF NOT EXISTS operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fort_id TEXT NOT NULL,
    command TEXT NOT NULL,
    amount INTEGER,
    maintenance_reference TEXT,
    status TEXT NOT NULL,
    response_code TEXT NOT NULL,
    response_message TEXT NOT NULL,
    answer TEXT NOT NULL,
    settle_at REAL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fort_id TEXT NOT NULL,
    merchant_identifier TEXT NOT NULL,
    command TEXT NOT NULL,
    status TEXT NOT NULL,
    response_code TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    due_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    retry_interval REAL NOT NULL,
    after_id INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    at REAL NOT NULL,
    http_status INTEGER,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, due_at);
CREATE INDEX IF NOT EXISTS operations_fort ON operations (fort_id);
"""


class Store:
    """Thread-safe access to the sandbox database file."""

    def __init__(self, path):
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute('PRAGMA journal_mode=WAL')
            self._db.executescript(SCHEMA)
            self._migrate()

    def _migrate(self):
        """Add the columns a database file created by an older sandbox lacks."""
        columns = {row['name'] for row in self._db.execute('PRAGMA table_info(operations)')}
        if 'settle_at' not in columns:
            self._db.execute('ALTER TABLE operations ADD COLUMN settle_at REAL')

    def close(self):
        """Close the connection (waits for a running unit of work)."""
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def atomic(self):
        """Hold the lock and run the block as one SQL transaction; yield the connection."""
        with self._lock:
            self._db.execute('BEGIN IMMEDIATE')
            try:
                yield self._db
            except BaseException:
                self._db.execute('ROLLBACK')
                raise
            self._db.execute('COMMIT')

    # merchants -------------------------------------------------------------

    def save_merchant(self, merchant):
        """Insert or replace one merchant's settings."""
        with self.atomic() as db:
            db.execute(
                'INSERT OR REPLACE INTO merchants (merchant_identifier, settings) VALUES (?, ?)',
                (merchant.merchant_identifier, json.dumps(merchant.to_dict())),
            )

    def merchant(self, merchant_identifier):
        """The merchant with this identifier, or ``None``."""
        with self.atomic() as db:
            row = db.execute('SELECT settings FROM merchants WHERE merchant_identifier = ?',
                             (merchant_identifier,)).fetchone()
        return Merchant.from_dict(json.loads(row['settings'])) if row else None

    def merchants(self):
        """All merchants, sorted by identifier."""
        with self.atomic() as db:
            rows = db.execute('SELECT settings FROM merchants ORDER BY merchant_identifier').fetchall()
        return [Merchant.from_dict(json.loads(row['settings'])) for row in rows]

    # transactions ------------------------------------------------------------

    def create_transaction(self, request, amount, token, otp):
        """Store a new hosted-checkout transaction and return it (``None`` if the reference exists)."""
        now = time.time()
        with self.atomic() as db:
            try:
                cursor = db.execute(
                    'INSERT INTO transactions (merchant_identifier, merchant_reference, token, request,'
                    ' amount, currency, language, step, otp, email, phone, created_at, updated_at)'
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'signin', ?, ?, ?, ?, ?)",
                    (request['merchant_identifier'], request['merchant_reference'], token,
                     json.dumps(request), amount, request['currency'], request['language'], otp,
                     request.get('customer_email', ''), request.get('phone_number', ''), now, now))
            except sqlite3.IntegrityError:
                return None
            fort_id = str(FORT_ID_BASE + cursor.lastrowid)
            db.execute('UPDATE transactions SET fort_id = ? WHERE id = ?', (fort_id, cursor.lastrowid))
            return db.execute('SELECT * FROM transactions WHERE id = ?', (cursor.lastrowid,)).fetchone()

    def transaction_by_token(self, token):
        """The transaction of a hosted checkout session, or ``None``."""
        with self.atomic() as db:
            return db.execute('SELECT * FROM transactions WHERE token = ?', (token,)).fetchone()

    def find_transaction(self, merchant_reference, merchant_identifier=None):
        """The latest transaction with this reference (optionally of one merchant), or ``None``."""
        sql = 'SELECT * FROM transactions WHERE merchant_reference = ?'
        args = [merchant_reference]
        if merchant_identifier:
            sql += ' AND merchant_identifier = ?'
            args.append(merchant_identifier)
        with self.atomic() as db:
            return db.execute(sql + ' ORDER BY id DESC LIMIT 1', args).fetchone()

    @staticmethod
    def update_transaction(db, fort_id, **values):
        """Update columns of one transaction inside an ``atomic()`` block."""
        values['updated_at'] = time.time()
        columns = ', '.join(f'{name} = ?' for name in values)
        db.execute(f'UPDATE transactions SET {columns} WHERE fort_id = ?', [*values.values(), fort_id])

    @staticmethod
    def add_operation(db, fort_id, command, result, answer, amount=None, maintenance_reference=None,
                      settle_at=None):
        """Record one operation (purchase outcome or maintenance command) inside ``atomic()``.

        ``settle_at``: when an operation on hold (a held refund) gets its final outcome.
        """
        db.execute(
            'INSERT INTO operations (fort_id, command, amount, maintenance_reference, status,'
            ' response_code, response_message, answer, settle_at, created_at)'
            ' VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (fort_id, command, amount, maintenance_reference, result.status, result.response_code,
             result.response_message, json.dumps(answer), settle_at, time.time()))

    # reporting ------------------------------------------------------------------

    def describe_transaction(self, row):
        """Full JSON-ready view of one transaction: state, amounts, operations, deliveries."""
        with self.atomic() as db:
            operations = db.execute('SELECT * FROM operations WHERE fort_id = ? ORDER BY id',
                                    (row['fort_id'],)).fetchall()
            deliveries = db.execute('SELECT * FROM deliveries WHERE fort_id = ? ORDER BY id',
                                    (row['fort_id'],)).fetchall()
            attempts = {
                delivery['id']: [dict(a) for a in db.execute(
                    'SELECT at, http_status, error FROM attempts WHERE delivery_id = ? ORDER BY id',
                    (delivery['id'],))]
                for delivery in deliveries
            }
        view = {key: row[key] for key in row.keys() if key not in ('request', 'id')}
        view['request'] = json.loads(row['request'])
        view['operations'] = [
            dict({k: op[k] for k in op.keys() if k != 'answer'}, answer=json.loads(op['answer']))
            for op in operations
        ]
        view['deliveries'] = [
            dict({k: d[k] for k in d.keys() if k != 'payload'},
                 payload=json.loads(d['payload']), attempt_log=attempts[d['id']])
            for d in deliveries
        ]
        return view

    def recent(self, table, limit=200):
        """The latest rows of ``transactions`` or ``deliveries`` for the overview page."""
        if table not in ('transactions', 'deliveries'):
            raise ValueError(table)
        with self.atomic() as db:
            return db.execute(f'SELECT * FROM {table} ORDER BY id DESC LIMIT ?', (limit,)).fetchall()

    def reset(self):
        """Forget all transactions, operations and deliveries (merchants are kept)."""
        with self.atomic() as db:
            for table in ('attempts', 'deliveries', 'operations', 'transactions'):
                db.execute(f'DELETE FROM {table}')
