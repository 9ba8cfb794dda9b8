# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo.addons.payment_aps_tamara import compat

from . import payment_provider
from . import payment_provider_eligibility
from . import payment_provider_checkout
from . import payment_provider_api
from . import payment_provider_monitoring
from . import payment_provider_onboarding
from . import payment_transaction
from . import payment_transaction_processing
from . import payment_transaction_operations
from . import payment_transaction_reconciliation
from . import payment_transaction_capture
# The payment framework's hooks of the running series (`compat.py` tells the rest).
if compat.ODOO19:
    from . import payment_transaction_odoo19
else:
    from . import payment_transaction_odoo18
from . import payment_aps_tamara_log
from . import sale_order
from . import account_move
from . import account_payment
