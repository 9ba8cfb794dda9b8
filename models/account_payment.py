# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo import api, models

from odoo.addons.payment_aps_tamara import const


class AccountPayment(models.Model):
    _inherit = 'account.payment'

    @api.depends('payment_transaction_id')
    def _compute_amount_available_for_refund(self):
        """ Override of `account_payment` to offer no more than what is left to refund of a Tamara
        payment: a refund in progress (on hold at APS, or whose outcome is unknown) may already
        have gone through, so it counts as well. """
        super()._compute_amount_available_for_refund()
        for payment in self:
            tx_sudo = payment.payment_transaction_id.sudo()
            if tx_sudo.provider_code == const.PROVIDER_CODE and tx_sudo.operation != 'refund':
                payment.amount_available_for_refund = min(
                    payment.amount_available_for_refund, tx_sudo._aps_tamara_get_refundable_amount()
                )
