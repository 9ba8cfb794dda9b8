# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import hashlib
import hmac
import json
import logging
from unittest.mock import patch

import psycopg2

from odoo import sql_db
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara import compat
from odoo.addons.payment_aps_tamara.aps import const as aps_const
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    PAYMENT_TX_LOGGER,
    TAMARA_TX_LOGGERS,
    APSTamaraCommon,
    partner_numbers,
)


@tagged('post_install', '-at_install')
class TestPaymentTransaction(APSTamaraCommon):

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_redirect_form_carries_the_signed_tamara_purchase(self):
        order = self._create_order()
        tx = self._create_order_transaction(order)

        form = self._get_form_values(tx)

        self.assertEqual(form['action'], aps_const.PAYMENT_PAGE_URLS['test'])
        self.assertEqual(form['method'], 'post')
        inputs = form['inputs']
        self.assertDictEqual({k: v for k, v in inputs.items() if k != 'signature'}, {
            'command': 'PURCHASE',
            'access_code': 'AWhDMzqUiHeYJXFiMgaX',
            'merchant_identifier': 'LbscwkFC',
            'merchant_reference': order.name,
            'amount': str(round(order.amount_total * 100)),
            'currency': 'SAR',
            'language': 'en',
            'customer_email': 'otp.success@tamara.ai',
            'payment_option': 'TAMARA',
            'phone_number': '+966500000001',
            'order_description': f'{order.name}: 1 x Desk Lamp',
            'customer_name': 'Sara Al-Qahtani',
            'return_url': self._build_url(APSTamaraController._return_url),
        })
        self.assertEqual(
            inputs['signature'], self._sha256_signature(inputs, self.sha_request),
            "The signature must recompute exactly from the posted fields and the request phrase.",
        )

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_signature_follows_the_configured_sha_type(self):
        tx = self._create_order_transaction()
        for sha_type, (algorithm, is_hmac) in aps_const.SHA_TYPES.items():
            with self.subTest(sha_type=sha_type):
                self.provider.aps_tamara_sha_type_test = sha_type
                inputs = self._get_form_values(tx)['inputs']
                body = ''.join(f'{k}={v}' for k, v in sorted(inputs.items()) if k != 'signature')
                message = f'{self.sha_request}{body}{self.sha_request}'.encode()
                expected = hmac.new(self.sha_request.encode(), message, algorithm).hexdigest() \
                    if is_hmac else hashlib.new(algorithm, message).hexdigest()
                self.assertEqual(inputs['signature'], expected)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_amount_is_sent_in_minor_units_of_the_currency(self):
        self.partner.country_id = self.env.ref('base.ae')  # Tamara takes AED from the UAE.
        tx = self._create_transaction('redirect', amount=1234.5, currency_id=self.currency_aed.id)
        inputs = self._get_form_values(tx)['inputs']
        self.assertEqual((inputs['amount'], inputs['currency']), ('123450', 'AED'))

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_language_is_arabic_for_arabic_customers_and_english_otherwise(self):
        self.env['res.lang']._activate_lang('ar_001')
        self.env['res.lang']._activate_lang('fr_FR')
        for lang, expected in (('ar_001', 'ar'), ('fr_FR', 'en'), ('en_US', 'en')):
            with self.subTest(lang=lang):
                self.partner.lang = lang
                tx = self._create_transaction('redirect', reference=f'TX-{lang}')
                self.assertEqual(self._get_form_values(tx)['inputs']['language'], expected)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_phone_number_is_formatted_internationally_preferring_the_mobile(self):
        cases = (
            (partner_numbers(phone='050 000 0001'), '+966500000001'),
            (partner_numbers(phone='0112345678', mobile='0544337866'), '+966544337866'),
            (partner_numbers(phone='+971 52 642 2337'), '+971526422337'),
        )
        for index, (values, expected) in enumerate(cases):
            with self.subTest(**values):
                self.partner.write(values)
                tx = self._create_transaction('redirect', reference=f'TX-PHONE-{index}')
                self.assertEqual(self._get_form_values(tx)['inputs']['phone_number'], expected)

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_missing_or_invalid_phone_stops_the_payment_before_aps(self):
        for index, phone in enumerate((False, '12')):
            with self.subTest(phone=phone):
                self.partner.write(partner_numbers(phone=phone))
                tx = self._create_transaction('redirect', reference=f'TX-NOPHONE-{index}')
                with self.assertRaises(ValidationError) as error:
                    tx._get_processing_values()
                self.assertIn('phone', str(error.exception))
                self.assertEqual(tx.state, 'draft')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_unsupported_currency_stops_the_payment_before_aps(self):
        tx = self._create_transaction('redirect', currency_id=self.currency_usd.id)
        with self.assertRaises(ValidationError) as error:
            tx._get_processing_values()
        self.assertIn('USD', str(error.exception))

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_order_description_names_the_order_and_items_within_aps_rules(self):
        chair = self.env['product.product'].create({'name': "Chaise «Élégante», bois", 'type': 'service'})
        order = self._create_order(order_line=[
            Command.create({'product_id': self.product.id, 'product_uom_qty': 2}),
            Command.create({'product_id': chair.id, 'product_uom_qty': 1.5}),
            Command.create({'display_type': 'line_note', 'name': "Gift wrap, please"}),
        ])
        tx = self._create_order_transaction(order)
        description = self._get_form_values(tx)['inputs']['order_description']
        self.assertEqual(description, f'{order.name}: 2 x Desk Lamp / 1.5 x Chaise Elegante bois')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_order_description_in_english_with_as_many_queries_for_any_number_of_lines(self):
        self.env['res.lang']._activate_lang('ar_001')
        self.product.with_context(lang='ar_001').name = "مصباح مكتب"
        self.partner.lang = 'ar_001'
        self._get_form_values(self._create_order_transaction())  # The form's template loaded.
        queries = {}
        for count in (1, 20):
            order = self._create_order(order_line=[
                Command.create({'product_id': self.product.id}) for _i in range(count)
            ])
            tx = self._create_order_transaction(order)
            self.env.flush_all()
            self.env.invalidate_all()
            before = sql_db.sql_counter
            inputs = self._extract_values_from_html_form(
                tx._get_processing_values()['redirect_form_html']
            )['inputs']
            queries[count] = sql_db.sql_counter - before
            self.assertTrue(inputs['order_description'].startswith(f'{order.name}: 1 x Desk Lamp'))
        self.assertEqual(queries[1], queries[20], "The lines are read in one query.")

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_redirect_form_writes_nothing_and_reads_no_country(self):
        """ The checkout's path: the account and the redirect time are recorded when the payment
        is created, the billing country is compared by id. """
        self._get_form_values(self._create_order_transaction())  # The form's template loaded.
        tx = self._create_order_transaction()
        self.assertEqual(tx.aps_tamara_environment, 'test')
        self.assertTrue(tx.aps_tamara_redirected_at)
        self.env.flush_all()
        self.env.invalidate_all()
        with self._recorded_queries() as queries:
            self._get_form_values(tx)
            self.env.flush_all()
        self.assertFalse([q for q in queries if q.lstrip().upper().startswith('UPDATE')])
        self.assertFalse([q for q in queries if '"res_country"' in q])

    def test_refund_records_no_redirect_time(self):
        tx = self._create_order_transaction()
        tx._set_done()
        refund = tx._create_child_transaction(tx.amount, is_refund=True)
        self.assertFalse(refund.aps_tamara_redirected_at)
        self.assertFalse(refund.aps_tamara_environment, "A refund goes with its payment's account.")

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_invoice_payment_describes_the_invoice_and_checks_its_products(self):
        invoice = self.env['account.move'].create({
            'move_type': 'out_invoice',
            'partner_id': self.partner.id,
            'currency_id': self.currency_sar.id,
            'invoice_line_ids': [Command.create({
                'product_id': self.product.id, 'quantity': 2, 'price_unit': 500.0,
                'tax_ids': [Command.clear()],
            })],
        })
        invoice.action_post()
        tx = self._create_transaction(
            'redirect', amount=invoice.amount_total, invoice_ids=[Command.set(invoice.ids)],
        )
        description = self._get_form_values(tx)['inputs']['order_description']
        self.assertEqual(description, f'{invoice.name}: 2 x Desk Lamp')
        self.provider.aps_tamara_excluded_product_ids = self.product.product_tmpl_id
        with self.assertRaises(ValidationError) as error:
            tx._get_processing_values()
        self.assertIn("excluded from Tamara: Desk Lamp", str(error.exception))

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_long_order_description_is_cut_at_150_characters(self):
        lines = [Command.create({'product_id': self.product.id}) for _i in range(20)]
        tx = self._create_order_transaction(self._create_order(order_line=lines))
        description = self._get_form_values(tx)['inputs']['order_description']
        self.assertLessEqual(len(description), 150)
        self.assertTrue(description.startswith(tx.sale_order_ids.name))

    def test_reference_is_a_valid_merchant_reference(self):
        for prefix in ('S00042', 'INV/2026/00001', 'Facture ééé'):
            with self.subTest(prefix=prefix):
                reference = self.env['payment.transaction']._compute_reference(
                    'aps_tamara', prefix=prefix
                )
                self.assertRegex(reference, r'^[A-Za-z0-9_.-]{1,40}$')
        self.assertEqual(
            self.env['payment.transaction']._compute_reference('aps_tamara', prefix='S00042'),
            'S00042',
        )

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_optional_parameters_are_sent_signed_and_checked(self):
        optional = {
            'merchant_extra': 'web;channel-1',
            'merchant_extra3': "o'brien@example",
            'settlement_reference': 'SETTLE-42',
            'convenience_fee': 500,
            'order_metadata': {'flight_reservation_details': {'pnr': 'TR9088999'}},
        }
        tx = self._create_order_transaction()
        with patch.object(
            type(tx), '_aps_tamara_get_optional_request_values', return_value=dict(optional)
        ):
            inputs = self._get_form_values(tx)['inputs']
        self.assertEqual(inputs['merchant_extra'], 'web;channel-1')
        self.assertEqual(inputs['convenience_fee'], '500')
        self.assertEqual(
            json.loads(inputs['order_metadata']), optional['order_metadata']
        )
        self.assertEqual(inputs['signature'], self._sha256_signature(inputs, self.sha_request))
        self.assertEqual(tx.aps_tamara_convenience_fee, 500)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_invalid_optional_parameter_stops_the_payment(self):
        tx = self._create_order_transaction()
        with patch.object(
            type(tx), '_aps_tamara_get_optional_request_values',
            return_value={'merchant_extra1': 'x' * 251},
        ), self.assertRaises(ValidationError) as error:
            tx._get_processing_values()
        self.assertIn('merchant_extra1', str(error.exception))

    @mute_logger('odoo.sql_db')
    def test_a_refund_reference_is_unique_per_payment(self):
        """ The database refuses a second refund with the same APS maintenance reference (the
        constraint of each series: `_sql_constraints` on 18, `models.Constraint` on 19). """
        tx = self._create_order_transaction()
        tx._create_child_transaction(10.0, is_refund=True, aps_tamara_maintenance_reference='R-1')
        self.env.flush_all()
        with self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            tx._create_child_transaction(
                10.0, is_refund=True, aps_tamara_maintenance_reference='R-1'
            )
            self.env.flush_all()

    def test_access_code_never_reaches_the_log(self):
        tx = self._create_order_transaction()
        records = []
        handler = logging.Handler(level=logging.INFO)
        handler.emit = records.append
        logger = logging.getLogger('odoo')  # Every logger of Odoo and its modules.
        logger.addHandler(handler)
        try:
            tx._get_processing_values()
        finally:
            logger.removeHandler(handler)
        logged = '\n'.join(record.getMessage() for record in records)
        if not compat.ODOO19:  # 18 logs the processing values, the rendering values' source.
            self.assertIn(tx.reference, logged)
        self.assertNotIn('AWhDMzqUiHeYJXFiMgaX', logged)

    def test_endpoint_override_is_honoured_in_test_state_only(self):
        self.provider.aps_tamara_sandbox_url = 'http://127.0.0.1:8070'
        self.assertEqual(
            self.provider._aps_tamara_get_payment_page_url(),
            'http://127.0.0.1:8070/FortAPI/paymentPage',
        )
        self.provider.state = 'enabled'
        self.assertEqual(
            self.provider._aps_tamara_get_payment_page_url(), aps_const.PAYMENT_PAGE_URLS['enabled']
        )
        self.assertEqual(
            self.provider._aps_tamara_get_api_url(), aps_const.PAYMENT_API_URLS['enabled']
        )
