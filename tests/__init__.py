# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from . import test_payment_provider
from . import test_payment_transaction
from . import test_processing_flows
from . import test_sandbox_flows
from . import test_browser_checkout
from . import test_shopper_experience
from . import test_browser_widgets
from . import test_transaction_operations
from . import test_transaction_reconciliation
from . import test_translations
from . import test_provider_onboarding
from . import test_provider_monitoring
from . import test_multi_company
from . import test_browser_backend
from . import test_browser_mobile
from . import test_migrations
from . import test_safety_money
from . import test_safety_hostile
from . import test_safety_access
from . import test_safety_fuzz
from . import test_browser_after_payment
from . import test_browser_decline
