# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from . import payment_provider
from . import payment_provider_eligibility
from . import payment_provider_checkout
from . import payment_provider_api
from . import payment_provider_monitoring
from . import payment_provider_onboarding
from . import payment_transaction
from . import payment_transaction_processing
from . import payment_transaction_locking
from . import payment_transaction_operations
from . import payment_transaction_reconciliation
from . import payment_transaction_capture
from . import payment_aps_tamara_log
from . import sale_order
from . import account_move
from . import account_payment
