# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from . import main
from . import portal
from . import website_sale
