# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""Odoo's "Capture Amount Manually" and "Maximum Amount" are hidden for Tamara: its own "Capture
Immediately" and per-currency minimum and maximum are the one home of these settings. A value set
before would keep acting unseen (Odoo hides a provider above its maximum amount): reset both."""


def migrate(cr, version):
    cr.execute("""
        UPDATE payment_provider
           SET maximum_amount = 0, capture_manually = FALSE
         WHERE code = 'aps_tamara'
           AND (COALESCE(maximum_amount, 0) != 0 OR capture_manually)
    """)
