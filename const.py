# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""The Odoo side's constants: codes of the provider and payment method, defaults of its settings.

The facts of the APS protocol itself are in `aps/const.py`.
"""

PROVIDER_CODE = 'aps_tamara'
PAYMENT_METHOD_CODE = 'tamara'

# The codes of the payment methods to activate when the provider is activated.
DEFAULT_PAYMENT_METHOD_CODES = {PAYMENT_METHOD_CODE}

# The suffix of the credential fields per provider state: the production set is used when the
# provider is enabled (or disabled), the sandbox set in test mode.
CREDENTIAL_SUFFIXES = {'enabled': '', 'disabled': '', 'test': '_test'}

# Name of the transaction route parameter carrying the phone number typed in at the payment step.
PHONE_ROUTE_PARAM = 'aps_tamara_phone'

# Tamara widget v2 script, per provider state (Tamara's CDN; the sandbox CDN pairs with the
# sandbox public key): https://docs.tamara.co/docs/direct-widgets
WIDGET_SCRIPT_URLS = {
    'enabled': 'https://cdn.tamara.co/widget-v2/tamara-widget.js',
    'test': 'https://cdn-sandbox.tamara.co/widget-v2/tamara-widget.js',
}
# `inline-type` of the widget per placement, as in Tamara's own plugins: 2 = product widget
# (product page and cart), 6 = single-checkout widget under the payment option.
WIDGET_INLINE_TYPES = {
    'product': '2',
    'cart': '2',
    'checkout': '6',
}

# Default delays of the reconciliation: ask APS about a transaction left without answer after
# these minutes; cancel a shopper's abandoned checkout after these hours; show the merchant
# authorized payments older than these days.
DEFAULT_CHECK_AFTER_MINUTES = 30
DEFAULT_ABANDON_AFTER_HOURS = 24
DEFAULT_AUTHORIZED_ALERT_DAYS = 5
# The reconciliation checks transactions by batches of this many, one batch after the other for at
# most this many seconds per run (well within Odoo's time limit of a cron job), then starts again.
RECONCILE_BATCH_SIZE = 50
RECONCILE_TIME_BUDGET = 60

# The reference of the connection test's CHECK_STATUS: no payment can have it (Odoo's references
# never start with it).
CONNECTION_TEST_REFERENCE = 'ODOO-CONNECTION-TEST'

# Messages kept for this many days; at most this many rows removed per batch, batches per run.
LOG_RETENTION_DAYS = 90
LOG_GC_BATCH_SIZE = 10000
LOG_GC_MAX_BATCHES = 10
# Notifications are counted over this many days.
HEALTH_WINDOW_DAYS = 30
# A payment that got APS' answer (return or status check) this many minutes ago without any
# notification about it means notifications do not arrive (APS retries them for minutes, see
# https://paymentservices.amazon.com/docs/managing-payments/tracking-a-payment/webhooks).
NOTIFICATION_GRACE_MINUTES = 60

# === Callbacks (money-safety items 4, 12, 13) === #

# The outcomes of refused messages (anyone can post them): at most this many are recorded per hour
# and provider (or unattributed), so that a flood of bodies cannot fill the database.
REFUSED_LOG_STATES = ('forged', 'unknown', 'malformed')
REFUSED_LOG_MAX_PER_HOUR = 100
# Quiet attempts of a callback to lock its payment with a fresh view of the database before it
# waits as any other request would (see `_aps_tamara_wait_and_lock_row`).
LOCK_ATTEMPTS = 50
