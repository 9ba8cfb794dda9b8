# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from . import controllers
from . import models

from odoo.addons.payment import setup_provider, reset_payment_provider

from .aps.redact import install_access_log_filter


def post_load():
    """ Keep the access code out of the HTTP access log, once per server process: a return by GET
    carries APS' echo of every request parameter, the access code included, in its query string.
    """
    install_access_log_filter()


def post_init_hook(env):
    setup_provider(env, 'aps_tamara')


def uninstall_hook(env):
    reset_payment_provider(env, 'aps_tamara')
