# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

""" What differs between the Odoo series the module runs on (18.0 and 19.0), outside of the
payment framework's hooks: those are in `models/payment_transaction_odoo18.py` and
`models/payment_transaction_odoo19.py`, one of which `models/__init__.py` imports.

Everything else in the module is written once for both series.
"""

import logging

from odoo.http import request
from odoo.release import version_info

from odoo.addons.payment_aps_tamara.aps import const as aps_const

# Odoo 19.0 or later: the payment framework's `_process` and child operations, no `mobile` on
# contacts, `request.cart`, `models.Constraint`, `payment`'s logger.
ODOO19 = version_info[0] >= 19

# The contact's field where a mobile number given at checkout is kept: 19 has no `mobile`.
PARTNER_MOBILE_FIELD = 'phone' if ODOO19 else 'mobile'


def get_partner_mobile(partner):
    """ Return the contact's mobile number field, read before its phone; False on 19, which has
    only `phone` (read separately by the callers). """
    return partner.mobile if not ODOO19 else False


def get_current_cart():
    """ Return the current visitor's cart (a sale order, possibly empty) in a website request. """
    if ODOO19:
        return request.cart
    return request.website.sale_get_order()


def get_payment_logger(name):
    """ Return the module's logger: on 19, `payment`'s, which masks the values of APS' secret
    parameters (the access code) in the dicts and JSON of its records; the module's own
    `aps.redact` masks them on both series. """
    if ODOO19:
        from odoo.addons.payment.logging import get_payment_logger as payment_logger  # noqa: PLC0415
        return payment_logger(name, sensitive_keys=set(aps_const.SECRET_PARAMETERS))
    return logging.getLogger(name)
