"""Set up the demo shop; run inside `odoo-bin shell` by tools/demo (`env` is Odoo's).

A company in Saudi Arabia selling in SAR (and in AED to the UAE), the website in English and
Arabic, the Tamara provider in test mode pointed at the local APS sandbox and published, and a demo
shopper with a Saudi mobile number. Safe to run again: it updates what exists.
"""
import os

from odoo import Command, fields

SANDBOX_URL = os.environ['APS_DEMO_SANDBOX_URL']
MERCHANT = os.environ['APS_DEMO_MERCHANT'].split(':')  # identifier:access:request:response:SHA


def _country_group(name, country):
    group = env['res.country.group'].search([('name', '=', name)], limit=1)
    return group or env['res.country.group'].create({
        'name': name, 'country_ids': [Command.set(country.ids)],
    })


def _pricelist(name, currency, country_group, sequence):
    pricelist = env['product.pricelist'].search([('name', '=', name)], limit=1)
    values = {
        'name': name,
        'currency_id': currency.id,
        'website_id': website.id,
        'selectable': True,
        'sequence': sequence,
        'country_group_ids': [Command.set(country_group.ids)],
    }
    if pricelist:
        pricelist.write(values)
        return pricelist
    return env['product.pricelist'].create(values)


saudi_arabia, uae = env.ref('base.sa'), env.ref('base.ae')
sar, aed = env.ref('base.SAR'), env.ref('base.AED')
company = env.company
website = env['website'].search([('company_id', '=', company.id)], limit=1)

company.write({
    'country_id': saudi_arabia.id,
    'street': 'King Fahd Road 1',
    'city': 'Riyadh',
    'zip': '12271',
})
(sar | aed).write({'active': True})
for currency, units_per_company_unit in ((sar, 3.75), (aed, 3.6725)):
    rate = currency.rate_ids.filtered(lambda r: r.name == fields.Date.today())
    if not rate and company.currency_id != currency:
        env['res.currency.rate'].create({
            'currency_id': currency.id,
            'company_id': company.id,
            'name': fields.Date.today(),
            'rate': units_per_company_unit,
        })

# SAR first: visitors whose country is unknown shop in SAR; Emirati customers in AED.
pricelist_sar = _pricelist("Saudi Arabia (SAR)", sar, _country_group("Saudi Arabia", saudi_arabia), 1)
pricelist_aed = _pricelist("United Arab Emirates (AED)", aed, _country_group("United Arab Emirates", uae), 2)
env['product.pricelist'].search([('id', '!=', pricelist_sar.id), ('currency_id', 'not in', (sar | aed).ids)]).write({
    'sequence': 50,
})
website.write({'add_to_cart_action': 'go_to_cart'})

# Arabic on the website (/ar/shop), with the translations of every installed module.
arabic = env['res.lang']._activate_lang('ar_001')
if arabic not in website.language_ids:
    env['ir.module.module'].search([('state', '=', 'installed')])._update_translations(['ar_001'])
    website.language_ids |= arabic

provider = env.ref('payment_aps_tamara.payment_provider_aps_tamara')
identifier, access_code, request_phrase, response_phrase, sha_label = MERCHANT
provider.write({
    # The sandbox credentials (used in test mode; the production set stays empty).
    'aps_tamara_merchant_identifier_test': identifier,
    'aps_tamara_access_code_test': access_code,
    'aps_tamara_sha_request_test': request_phrase,
    'aps_tamara_sha_response_test': response_phrase,
    'aps_tamara_sha_type_test': sha_label.lower().replace('-', ''),
    'aps_tamara_sandbox_url': SANDBOX_URL,
    'state': 'test',
    'is_published': True,
    'website_id': website.id,
})
# The administrator shops as a Saudi customer with Tamara's sandbox success identity.
env.ref('base.partner_admin').write({
    'street': 'Olaya Street 12',
    'city': 'Riyadh',
    'zip': '12211',
    'country_id': saudi_arabia.id,
    'state_id': False,
    # Odoo 19 has no `mobile` on contacts: the phone is the number Tamara gets there.
    'mobile' if 'mobile' in env['res.partner']._fields else 'phone': '+966 50 000 0001',
    'property_product_pricelist': pricelist_sar.id,
})
env.cr.commit()
print(f"demo: provider {provider.name} ({provider.state}) -> {SANDBOX_URL}; pricelists "
      f"{pricelist_sar.name} and {pricelist_aed.name}; website languages "
      f"{', '.join(website.language_ids.mapped('code'))}")
