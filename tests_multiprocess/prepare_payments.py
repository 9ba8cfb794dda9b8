"""Create Tamara payments to race over; run inside `odoo-bin shell` after tools/demo_setup.py.

Environment: APS_MP_COUNT (how many), APS_MP_ADMIN_PASSWORD (set on the administrator, for
XML-RPC). Prints one line `APS_MP_JSON {...}`: per payment its sale order, transaction and the
redirect form (action and fields) that the shopper's browser would post to APS.
"""
import json
import os

from lxml import html

from odoo import Command

count = int(os.environ['APS_MP_COUNT'])
# Confirming an order mails it with its PDF, which needs wkhtmltopdf; a test machine may have none.
env['mail.template'].search([('model', '=', 'sale.order')]).report_template_ids = False
env.ref('base.user_admin').password = os.environ['APS_MP_ADMIN_PASSWORD']
provider = env.ref('payment_aps_tamara.payment_provider_aps_tamara')
method = env.ref('payment_aps_tamara.payment_method_tamara')
partner = env.ref('base.partner_admin')
pricelist = env['product.pricelist'].search([('currency_id', '=', env.ref('base.SAR').id)], limit=1)
product = env['product.product'].create({
    'name': "Concurrency Lamp", 'type': 'service', 'list_price': 500.0, 'taxes_id': [Command.clear()],
})
payments = []
for index in range(count):
    order = env['sale.order'].create({
        'partner_id': partner.id,
        'pricelist_id': pricelist.id,
        'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 1})],
    })
    tx = env['payment.transaction'].create({
        'provider_id': provider.id,
        'payment_method_id': method.id,
        'reference': f'{order.name}-MP{index}',
        'amount': order.amount_total,
        'currency_id': order.currency_id.id,
        'partner_id': partner.id,
        'operation': 'online_redirect',
        'sale_order_ids': [Command.set(order.ids)],
    })
    form = html.fromstring(tx._get_processing_values()['redirect_form_html'])
    payments.append({
        'order_id': order.id,
        'tx_id': tx.id,
        'reference': tx.reference,
        'amount': order.amount_total,
        'action': form.get('action'),
        'inputs': {i.get('name'): i.get('value') or '' for i in form.xpath('//input[@name]')},
    })
cron = env.ref('payment.cron_post_process_payment_tx')
env.cr.commit()
print('APS_MP_JSON ' + json.dumps({'payments': payments, 'post_process_cron_id': cron.id}))
