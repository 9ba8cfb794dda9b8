# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = 'account.move'

    aps_tamara_refundable_tx_id = fields.Many2one(
        string="Tamara Payment to Refund",
        help="The Tamara payment of the reversed invoice, from which this credit note can be "
             "refunded.",
        comodel_name='payment.transaction',
        compute='_compute_aps_tamara_refundable_tx_id',
    )

    @api.depends('move_type', 'state', 'payment_state', 'reversed_entry_id.transaction_ids.state')
    def _compute_aps_tamara_refundable_tx_id(self):
        for move in self:
            tx_sudo = self.env['payment.transaction']
            if move.move_type == 'out_refund' and move.state == 'posted' \
                    and move.payment_state in ('not_paid', 'partial'):
                tx_sudo = move.reversed_entry_id.sudo().transaction_ids \
                    ._aps_tamara_filter_refundable_payments().filtered('payment_id')[:1]
            move.aps_tamara_refundable_tx_id = tx_sudo

    def action_aps_tamara_refund(self):
        """ Open the refund of the Tamara payment of the reversed invoice, for the amount of this
        credit note; the refund's payment is then reconciled with the credit note. """
        self.ensure_one()
        tx_sudo = self.aps_tamara_refundable_tx_id.sudo()
        if not tx_sudo:  # Refunded or paid meanwhile, from another page.
            raise UserError(_("This credit note has no Tamara payment left to refund."))
        payment = tx_sudo.payment_id
        amount = min(
            self.amount_residual, payment.amount_available_for_refund,
            tx_sudo._aps_tamara_get_refundable_amount(),
        )
        return tx_sudo._aps_tamara_get_refund_wizard_action(
            default_amount_to_refund=amount, aps_tamara_credit_note_id=self.id,
        )
