# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from . import test_payment_provider
from . import test_payment_transaction
from . import test_processing_flows
from . import test_sandbox_flows
from . import test_browser_checkout
from . import test_shopper_experience
from . import test_browser_widgets
from . import test_after_payment
from . import test_translations
from . import test_merchant_side
from . import test_safety_money
from . import test_safety_hostile
from . import test_safety_access
from . import test_safety_fuzz
