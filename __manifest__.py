# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

{
    'name': "Payment Provider: Tamara (Amazon Payment Services)",
    'version': '1.2.0',
    'category': 'Accounting/Payment Providers',
    'sequence': 350,
    'summary': "Tamara Buy Now, Pay Later in Saudi Arabia and the UAE, through Amazon Payment "
               "Services.",
    'description': " ",  # Non-empty string to avoid loading the README file.
    'author': "payment_aps_tamara contributors",
    'depends': ['payment', 'phone_validation', 'website_sale'],
    'external_dependencies': {'python': ['phonenumbers']},
    'data': [
        'security/ir.model.access.csv',
        'security/payment_aps_tamara_security.xml',

        'views/payment_aps_tamara_templates.xml',
        'views/payment_aps_tamara_widget_templates.xml',
        'views/payment_provider_views.xml',
        'views/account_move_views.xml',
        'views/payment_transaction_views.xml',
        'views/payment_aps_tamara_log_views.xml',

        'data/ir_asset_data.xml',
        'data/ir_cron_data.xml',
        'data/payment_method_data.xml',
        'data/payment_provider_data.xml',  # Depends on `redirect_form` and `payment_method_tamara`.
    ],
    'assets': {
        'web.assets_frontend': [
            'payment_aps_tamara/static/src/common/**/*',
        ],
    },
    'images': [
        'static/description/screenshot_1_product.png',
        'static/description/screenshot_2_checkout.png',
        'static/description/screenshot_3_tamara_page.png',
        'static/description/screenshot_4_confirmation.png',
        'static/description/screenshot_5_provider.png',
        'static/description/screenshot_6_provider_ar.png',
    ],
    'post_load': 'post_load',
    'post_init_hook': 'post_init_hook',
    'uninstall_hook': 'uninstall_hook',
    'license': 'LGPL-3',
}
