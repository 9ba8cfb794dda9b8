# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""The facts of the Amazon Payment Services (APS) protocol used for Tamara payments.

Sources (APS' public documentation):
- the Tamara API page: https://paymentservices.amazon.com/docs/api/payment-methods/tamara
- the Tamara guide: https://paymentservices.amazon.com/docs/payment-methods/BNPL/Tamara
- signatures: https://paymentservices.amazon.com/docs/developer-resources/signature
- response codes: https://paymentservices.amazon.com/docs/developer-resources/error-codes
- refund, void, check status: https://paymentservices.amazon.com/docs/api/managing-payments/refund,
  .../void-auth, .../check-status
"""

# The `payment_option` of a Tamara payment on APS' hosted page.
PAYMENT_OPTION = 'TAMARA'

# Tamara through APS is offered in Saudi Arabia (SAR) and the United Arab Emirates (AED) only; the
# customer's billing country must be the one of the currency. Tamara verifies the customer's mobile
# number by SMS: it must be a number of one of these countries.
SUPPORTED_CURRENCIES = ('SAR', 'AED')
SUPPORTED_COUNTRIES = ('SA', 'AE')
CURRENCY_COUNTRIES = {'SAR': 'SA', 'AED': 'AE'}

# Hosted checkout (browser form POST) and server-to-server API endpoints, per environment
# (https://paymentservices.amazon.com/docs/accepting-payments/hosted-checkout/integrate).
PAYMENT_PAGE_URLS = {
    'enabled': 'https://checkout.payfort.com/FortAPI/paymentPage',
    'test': 'https://sbcheckout.payfort.com/FortAPI/paymentPage',
}
PAYMENT_API_URLS = {
    'enabled': 'https://paymentservices.payfort.com/FortAPI/paymentApi',
    'test': 'https://sbpaymentservices.payfort.com/FortAPI/paymentApi',
}
# The paths of the two endpoints on any APS-compatible host (e.g. a local APS sandbox).
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

# The credentials of an APS account (back office: Integration Settings > Security Settings).
CREDENTIAL_NAMES = ('merchant_identifier', 'access_code', 'sha_request', 'sha_response', 'sha_type')

# The only languages of APS' hosted pages (and of Tamara's widget).
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

# The statuses (first two digits of a response code) of a successful purchase and authorization.
PURCHASE_SUCCESS_STATUS = '14'
AUTHORIZATION_SUCCESS_STATUS = '02'
# Mapping of transaction states to APS statuses.
PAYMENT_STATUS_MAPPING = {
    'done': (PURCHASE_SUCCESS_STATUS,),
    'authorized': (AUTHORIZATION_SUCCESS_STATUS,),
    'pending': ('19', '15', '20', '40'),
}
# Full response codes put on hold rather than failed by APS' own plugins: "technical problem" (006)
# and the "processed but failed to receive confirmation" family (777-781).
ON_HOLD_RESPONSE_CODES = (
    '15777', '15778', '15779', '15780', '15781',
    '00006', '01006', '02006', '03006', '04006', '05006', '06006', '07006', '08006', '09006',
    '11006', '13006', '17006',
)

# Message codes (last three digits of a response code).
SUCCESS_MESSAGE_CODE = '000'
WRONG_SIGNATURE_MESSAGE_CODE = '008'
WRONG_MERCHANT_MESSAGE_CODE = '009'
WRONG_ACCESS_CODE_MESSAGE_CODE = '010'
WRONG_CURRENCY_MESSAGE_CODE = '013'
OPERATION_NOT_ALLOWED_MESSAGE_CODE = '034'
ORDER_NOT_FOUND_MESSAGE_CODE = '036'  # CHECK_STATUS about an order that never reached APS.
CAPTURE_EXCEEDED_MESSAGE_CODE = '042'
REFUND_EXCEEDED_MESSAGE_CODE = '048'
CANCELED_MESSAGE_CODE = '072'  # The customer canceled the payment.
NOT_CONFIRMED_MESSAGE_CODE = '662'

# The kind of shopper message for the message codes of a refused or canceled payment; the
# shopper's words for each kind are on the Odoo side. Meanings from APS' list of codes
# (https://paymentservices.amazon.com/docs/developer-resources/error-codes).
SHOPPER_MESSAGE_KINDS = {
    CANCELED_MESSAGE_CODE: 'canceled',  # Transaction has been cancelled by the consumer.
    '666': 'declined',  # Transaction declined.
    '074': 'declined',  # Transaction failed.
    '075': 'declined',  # Transaction failed.
    '079': 'declined',  # Transaction challenged by fraud rules.
    '785': 'declined',  # Transaction blocked by fraud check.
    '005': 'amount_out_of_range',  # Invalid amount.
    '084': 'amount_out_of_range',  # Amount bigger than maximum or less than minimum of the plan.
    '778': 'timed_out',  # Session timed-out.
    '123': 'too_many_attempts',  # Exceeded maximum number of attempts.
    '003': 'unavailable',  # Payment option not available for this merchant's account.
    '014': 'unavailable',  # Inactive payment option.
    '039': 'unavailable',  # No active payment option found.
    '046': 'unavailable',  # Channel is not configured for the selected payment option.
    '080': 'unavailable',  # Invalid payment option.
    '111': 'unavailable',  # Service not applicable for payment option.
    '006': 'technical',  # Technical problem.
    '051': 'technical',  # Technical error.
    '054': 'technical',  # Transaction cannot be processed at this moment.
    '119': 'technical',  # Request dropped.
}

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

# === paymentApi === #

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
# The status of a CHECK_STATUS query answered.
CHECK_STATUS_SUCCESS_STATUS = '12'

# === Callbacks received (return and notifications): bounds of what is accepted === #
# (money-safety items 4, 5, 13)

# A real APS message is under 4 KiB (every request parameter echoed, APS' own fields added); a
# bigger body is refused (413) before it is parsed.
CALLBACK_MAX_BYTES = 32 * 1024
# At most this many parameters in a message; deeper nesting than this in a JSON value (APS
# documents one object, `order_metadata`, a few levels deep) is refused.
CALLBACK_MAX_FIELDS = 80
CALLBACK_MAX_DEPTH = 8
# What the record of a message keeps: a bounded excerpt, without the customer's personal data
# (support needs the reference, command, codes and amounts, not who paid).
LOG_EXCERPT_MAX_CHARS = 4096
LOG_EXCERPT_VALUE_MAX_CHARS = 256
LOG_EXCERPT_FIRST_PARAMETERS = (
    'merchant_reference', 'command', 'query_command', 'status', 'response_code',
    'response_message', 'amount', 'currency', 'fort_id', 'maintenance_reference',
    'merchant_identifier',
)
PERSONAL_PARAMETERS = (
    'customer_email', 'customer_name', 'customer_ip', 'phone_number', 'card_holder_name',
    'card_number', 'expiry_date', 'card_security_code', 'token_name', 'remember_me',
    'order_description', 'billing_address', 'shipping_address',
)

# === Money safety: late payments, refunds of unknown outcome, convenience fee (items 1, 8, 9, 10)

# The response code of a purchase whose customer has not acted yet on Tamara's page (19 pending +
# 065 "Transaction waiting for customer's action"): a checkout the shopper may have abandoned, the
# only pending answer after which the reconciliation may cancel the payment. Every other pending or
# on-hold answer (15777 "Processed but failed to receive confirmation"...) may still end paid, as
# APS' own plugins assume: they keep such orders on hold and never cancel them.
WAITING_FOR_CUSTOMER_RESPONSE_CODE = '19065'
# A refund's `maintenance_reference` APS already has (07 + 007 "Duplicate order number"): APS
# allows a retry with the same reference only "if the refund transaction was declined"
# (https://paymentservices.amazon.com/docs/api/managing-payments/refund), so this answer to a
# repeated reference means the refund went through or is on hold, not that it failed.
DUPLICATE_MESSAGE_CODE = '007'
# The status of a successful void: a payment voided in Odoo never comes back on a late message.
VOID_SUCCESS_STATUS = '08'
