# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""Protocol constants of Amazon Payment Services (APS) for Tamara payments.

This module is pure data: it imports nothing from Odoo so that the protocol code can be tested and
reused anywhere. Sources are the APS Tamara API page and the APS reference (see README.md).
"""

PROVIDER_CODE = 'aps_tamara'
PAYMENT_METHOD_CODE = 'tamara'
PAYMENT_OPTION = 'TAMARA'

# The codes of the payment methods to activate when the provider is activated.
DEFAULT_PAYMENT_METHOD_CODES = {PAYMENT_METHOD_CODE}

# Tamara through APS is offered in Saudi Arabia (SAR) and the United Arab Emirates (AED) only.
SUPPORTED_CURRENCIES = ('SAR', 'AED')
SUPPORTED_COUNTRIES = ('SA', 'AE')

# Hosted checkout (browser form POST) and server-to-server API endpoints, per provider state.
PAYMENT_PAGE_URLS = {
    'enabled': 'https://checkout.payfort.com/FortAPI/paymentPage',
    'test': 'https://sbcheckout.payfort.com/FortAPI/paymentPage',
}
PAYMENT_API_URLS = {
    'enabled': 'https://paymentservices.payfort.com/FortAPI/paymentApi',
    'test': 'https://sbpaymentservices.payfort.com/FortAPI/paymentApi',
}
# Paths appended to the test-state endpoint override (a local APS sandbox).
PAYMENT_PAGE_PATH = '/FortAPI/paymentPage'
PAYMENT_API_PATH = '/FortAPI/paymentApi'

# SHA types offered by the APS back office, mapped to (hashlib name, is_hmac).
SHA_TYPES = {
    'sha256': ('sha256', False),
    'sha512': ('sha512', False),
    'hmac256': ('sha256', True),
    'hmac512': ('sha512', True),
}
SHA_TYPE_LABELS = {
    'sha256': "SHA-256",
    'sha512': "SHA-512",
    'hmac256': "HMAC-256",
    'hmac512': "HMAC-512",
}

# The APS credentials, and the suffix of their fields per provider state: the production set is
# used when the provider is enabled (or disabled), the sandbox set in test mode.
CREDENTIAL_NAMES = ('merchant_identifier', 'access_code', 'sha_request', 'sha_response', 'sha_type')
CREDENTIAL_SUFFIXES = {'enabled': '', 'disabled': '', 'test': '_test'}

# The only languages of APS' hosted pages.
SUPPORTED_LANGUAGES = ('en', 'ar')
DEFAULT_LANGUAGE = 'en'

# Maximum length, value type and special characters allowed besides the type's own, of the
# PURCHASE request parameters (APS Tamara API page). Types: 'alpha' (ASCII letters), 'alnum' (ASCII
# letters and digits), 'numeric' (digits), 'object' (built by the module; only its type is known).
REQUEST_PARAMETER_RULES = {
    'command': (20, 'alpha', ''),
    'access_code': (20, 'alnum', ''),
    'merchant_identifier': (20, 'alnum', ''),
    'merchant_reference': (40, 'alnum', '-_.'),
    'amount': (10, 'numeric', ''),
    'currency': (3, 'alpha', ''),
    'language': (2, 'alpha', ''),
    'customer_email': (254, 'alnum', '_-.@+'),
    'payment_option': (10, 'alpha', ''),
    'phone_number': (19, 'numeric', '+-() '),
    'order_description': (150, 'alnum', "'/._-#:$ "),
    'customer_name': (40, 'alpha', "_\\/-.' "),
    'customer_ip': (45, 'alnum', '.:'),
    'convenience_fee': (10, 'numeric', ''),
    'settlement_reference': (22, 'alnum', '-_.'),
    'merchant_extra': (999, 'alnum', ".;/_-,'@"),
    'merchant_extra1': (250, 'alnum', ".;/_-,'@"),
    'merchant_extra2': (250, 'alnum', ".;/_-,'@"),
    'merchant_extra3': (250, 'alnum', ".;/_-,'@"),
    'merchant_extra4': (250, 'alnum', ".;/_-,'@"),
    'merchant_extra5': (250, 'alnum', ".;/_-,'@"),
    'return_url': (400, 'alnum', '$!=?#&-_/:.'),
    'order_metadata': (None, 'object', ''),
}
REQUIRED_REQUEST_PARAMETERS = (
    'command', 'access_code', 'merchant_identifier', 'merchant_reference', 'amount', 'currency',
    'language', 'customer_email', 'payment_option', 'phone_number', 'order_description',
)
# Optional parameters that a merchant (or a vertical module) may add to the request.
OPTIONAL_REQUEST_PARAMETERS = (
    'convenience_fee', 'settlement_reference', 'merchant_extra', 'merchant_extra1',
    'merchant_extra2', 'merchant_extra3', 'merchant_extra4', 'merchant_extra5', 'order_metadata',
)

# Parameters whose value must never reach a log.
SECRET_PARAMETERS = ('access_code',)

# Mapping of transaction states to APS statuses (first two digits of the response code).
PAYMENT_STATUS_MAPPING = {
    'done': ('14',),
    'authorized': ('02',),
    'pending': ('19', '15', '20', '40'),
}
# Full response codes put on hold rather than failed by APS' own plugins: "technical problem" (006)
# and the "processed but failed to receive confirmation" family (777-781).
ON_HOLD_RESPONSE_CODES = (
    '15777', '15778', '15779', '15780', '15781',
    '00006', '01006', '02006', '03006', '04006', '05006', '06006', '07006', '08006', '09006',
    '11006', '13006', '17006',
)
# Message code (last three digits of the response code) of a payment cancelled by the customer.
CANCELED_MESSAGE_CODE = '072'

# The notification commands handled as payment results.
PAYMENT_COMMANDS = ('PURCHASE', 'AUTHORIZATION')

# Allowed moves of a transaction's state on an APS message. Any other move (a late "pending" after
# "done", for instance) is stale and ignored: a final state never goes back.
ALLOWED_STATE_TRANSITIONS = {
    'draft': ('pending', 'authorized', 'done', 'cancel', 'error'),
    'pending': ('authorized', 'done', 'cancel', 'error'),
    'authorized': ('done', 'cancel', 'error'),
    'error': ('done',),
    'done': (),
    'cancel': (),
}

# === SHOPPER EXPERIENCE: eligibility, phone, widgets (issue 5) === #

# The billing country Tamara requires for each currency.
CURRENCY_COUNTRIES = {'SAR': 'SA', 'AED': 'AE'}

# Countries whose mobile numbers Tamara verifies by SMS; a national number is read as one of them.
PHONE_COUNTRIES = ('SA', 'AE')

# Name of the transaction route parameter carrying the phone number typed in at the payment step.
PHONE_ROUTE_PARAM = 'aps_tamara_phone'

# Tamara widget v2 script, per provider state (Tamara's CDN; the sandbox CDN pairs with the
# sandbox public key).
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
# The widget speaks English and Arabic only.
WIDGET_LANGUAGES = ('en', 'ar')

# === AFTER THE PAYMENT: paymentApi operations and reconciliation (issue 4) === #

# Connection and read timeouts (seconds) of paymentApi requests. A read timeout leaves the outcome
# unknown: the operation is then checked again, with the same maintenance reference.
API_CONNECT_TIMEOUT = 10
API_READ_TIMEOUT = 30

# The language of paymentApi requests: only APS' `response_message` depends on it.
API_LANGUAGE = 'en'

# Maintenance commands mapped to the status of their success and of their failure.
OPERATION_STATUSES = {
    'REFUND': ('06', '07'),
    'CAPTURE': ('04', '05'),
    'VOID_AUTHORIZATION': ('08', '09'),
}
OPERATION_COMMANDS = tuple(OPERATION_STATUSES)
# Full response codes of a successful operation or query.
REFUND_SUCCESS_CODE = '06000'
CAPTURE_SUCCESS_CODE = '04000'
VOID_SUCCESS_CODE = '08000'
CHECK_STATUS_SUCCESS_CODE = '12000'
CHECK_STATUS_SUCCESS_STATUS = '12'
# Message code of a CHECK_STATUS about an order APS does not know (never reached its page).
ORDER_NOT_FOUND_MESSAGE_CODE = '036'

# Default delays of the reconciliation: ask APS about a transaction left without answer after
# these minutes; cancel a shopper's abandoned checkout after these hours; show the merchant
# authorized payments older than these days.
DEFAULT_CHECK_AFTER_MINUTES = 30
DEFAULT_ABANDON_AFTER_HOURS = 24
DEFAULT_AUTHORIZED_ALERT_DAYS = 5
# At most this many transactions are checked by one run of the reconciliation.
RECONCILE_BATCH_SIZE = 50

# === THE MERCHANT'S SIDE: connection test, notification health (issue 6) === #

# The reference of the connection test's CHECK_STATUS: no payment can have it (Odoo's references
# never start with it).
CONNECTION_TEST_REFERENCE = 'ODOO-CONNECTION-TEST'
# Message codes of APS' answers to the connection test.
WRONG_SIGNATURE_MESSAGE_CODE = '008'
WRONG_MERCHANT_MESSAGE_CODE = '009'
WRONG_ACCESS_CODE_MESSAGE_CODE = '010'

# Messages kept for this many days; at most this many rows removed per batch, batches per run.
LOG_RETENTION_DAYS = 90
LOG_GC_BATCH_SIZE = 10000
LOG_GC_MAX_BATCHES = 10
# Notifications are counted over this many days.
HEALTH_WINDOW_DAYS = 30
# A payment that got APS' answer (return or status check) this many minutes ago without any
# notification about it means notifications do not arrive (APS retries them for minutes).
NOTIFICATION_GRACE_MINUTES = 60
