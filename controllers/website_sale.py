# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo.http import request, route

from odoo.addons.payment_aps_tamara import compat, const
from odoo.addons.website_sale.controllers.main import WebsiteSale


class WebsiteSaleTamara(WebsiteSale):

    @route()
    def shop_payment_validate(self, sale_order_id=None, **post):
        """ Override of `website_sale` to bring the shopper back to the checkout, cart kept, after a
        Tamara payment that failed or was canceled; the payment step then shows the reason.
        """
        if sale_order_id is None:
            order = compat.get_current_cart()
            tx_sudo = order and order.get_portal_last_transaction()
            if tx_sudo and tx_sudo.provider_code == const.PROVIDER_CODE \
                    and tx_sudo.state in ('cancel', 'error'):
                return request.redirect('/shop/payment')
        return super().shop_payment_validate(sale_order_id=sale_order_id, **post)
