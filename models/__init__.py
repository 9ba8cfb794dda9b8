# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from . import payment_provider
from . import payment_transaction
from . import sale_order
from . import account_move
from . import payment_aps_tamara_log
