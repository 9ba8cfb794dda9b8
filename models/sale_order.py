# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo import _, models
from odoo.exceptions import RedirectWarning, UserError


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    def _action_cancel(self):
        """ Override of `sale` to lead the merchant to the refund of a Tamara payment that is done,
        rather than cancel the order and leave the customer charged.

        :raise RedirectWarning: If an order has a Tamara payment not fully refunded; its button
                                opens the refund of the payment.
        """
        for order in self:
            tx_sudo = order.sudo().transaction_ids._aps_tamara_filter_refundable_payments()[:1]
            if not tx_sudo:
                continue
            message = _(
                "%(order)s was paid with Tamara (payment %(reference)s) and %(amount)s %(currency)s "
                "of it is not refunded. Refund the payment first, so that the customer is not left "
                "charged; then cancel the order.",
                order=order.name, reference=tx_sudo.reference,
                amount=tx_sudo._aps_tamara_get_refundable_amount(),
                currency=tx_sudo.currency_id.name,
            )
            payment = tx_sudo.payment_id
            if not payment:
                raise UserError(message + " " + _(
                    "The payment is still being recorded: try again in a few minutes."
                ))
            action = dict(tx_sudo._aps_tamara_get_refund_wizard_action(), views=[(False, 'form')])
            raise RedirectWarning(message, action, _("Refund the Payment"))
        return super()._action_cancel()
