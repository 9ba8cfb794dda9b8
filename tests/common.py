# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import contextlib
import hashlib

from odoo.fields import Command

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.payment_aps_tamara import compat
from odoo.addons.payment_aps_tamara.aps import signing

# The loggers that tests mute around the warnings they provoke on purpose.
PAYMENT_TX_LOGGER = 'odoo.addons.payment.models.payment_transaction'
TAMARA_TX_LOGGERS = tuple(f'odoo.addons.payment_aps_tamara.models.{name}' for name in (
    'payment_transaction', 'payment_transaction_processing', 'payment_transaction_operations',
    'payment_transaction_reconciliation', 'payment_transaction_capture',
))
TAMARA_API_LOGGER = 'odoo.addons.payment_aps_tamara.models.payment_provider_api'
CONTROLLER_LOGGER = 'odoo.addons.payment_aps_tamara.controllers.main'
# The names of the layout before the split by concern (the safety tests use them): muting the
# parent logger mutes the files under it.
TAMARA_TX_LOGGER = 'odoo.addons.payment_aps_tamara.models'
TAMARA_PROVIDER_LOGGER = TAMARA_API_LOGGER

# The contact's field holding its mobile number: `mobile` on 18, `phone` on 19 (no `mobile`).
MOBILE = compat.PARTNER_MOBILE_FIELD
# The users' groups field: renamed on 19.
USER_GROUPS = 'group_ids' if compat.ODOO19 else 'groups_id'


def partner_numbers(mobile=False, phone=False):
    """ Return the values of a contact's mobile and phone numbers: on 19, which keeps one number,
    the mobile if any, else the phone. """
    if compat.ODOO19:
        return {'phone': mobile or phone}
    return {'mobile': mobile, 'phone': phone}


def row_locks(queries):
    """ The queries that lock rows. """
    return [q for q in queries if 'FOR UPDATE' in q.upper() or 'FOR NO KEY UPDATE' in q.upper()]


class APSTamaraCommon(PaymentHttpCommon):
    """ A Saudi shop selling in SAR with the Tamara provider in test state. """

    sha_request = 'req-phrase-42'
    sha_response = 'resp-phrase-42'
    sha_request_production = 'prod-req-phrase'
    sha_response_production = 'prod-resp-phrase'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency_sar = cls._enable_currency('SAR')
        cls.currency_aed = cls._enable_currency('AED')
        cls.country_sa = cls.env.ref('base.sa')

        cls.provider = cls._prepare_provider('aps_tamara', update_values={
            'aps_tamara_merchant_identifier_test': 'LbscwkFC',
            'aps_tamara_access_code_test': 'AWhDMzqUiHeYJXFiMgaX',
            'aps_tamara_sha_request_test': cls.sha_request,
            'aps_tamara_sha_response_test': cls.sha_response,
            'aps_tamara_sha_type_test': 'sha256',
            # The production account: other credentials, used once the provider is enabled.
            'aps_tamara_merchant_identifier': 'ProdShop1',
            'aps_tamara_access_code': 'ProdAccess0000000001',
            'aps_tamara_sha_request': cls.sha_request_production,
            'aps_tamara_sha_response': cls.sha_response_production,
            'aps_tamara_sha_type': 'sha512',
            'is_published': True,
        })
        cls.payment_method = cls.env.ref('payment_aps_tamara.payment_method_tamara')
        cls.payment_method_id = cls.payment_method.id

        cls.partner = cls.env['res.partner'].create({
            'name': "Sara Al-Qahtani",
            'lang': 'en_US',
            'email': 'otp.success@tamara.ai',
            'phone': '0500000001',
            'street': 'King Fahd Road',
            'city': 'Riyadh',
            'zip': '12271',
            'country_id': cls.country_sa.id,
        })
        cls.currency = cls.currency_sar
        cls.amount = 1111.11
        cls.reference = 'S00042-1'

        cls.pricelist_sar = cls.env['product.pricelist'].create({
            'name': "Saudi Riyal",
            'currency_id': cls.currency_sar.id,
        })
        cls.product = cls.env['product.product'].create({
            'name': "Desk Lamp",
            'type': 'service',
            'list_price': 1111.11,
            'taxes_id': [Command.clear()],
            # 19 gives a product no category by default.
            'categ_id': cls.env['product.category'].create({'name': "Lamps"}).id,
        })

    def url_open(self, *args, **kwargs):
        """ Give the server a minute: the first page a test opens renders its asset bundles, which
        takes longer than Odoo's default of 12 s on a busy machine. """
        kwargs.setdefault('timeout', 60)
        return super().url_open(*args, **kwargs)

    @contextlib.contextmanager
    def _recorded_queries(self):
        """ Record the SQL of the queries run meanwhile, with Odoo's own recorder of
        `assertQueries`: those of the requests that the test's HTTP server serves as well (same
        process). The ORM's pending writes are flushed before and after.

        :return: The list that the queries' SQL is appended to.
        """
        yield from self._patchExecute([])

    def _allow_http(self):
        """ Let HTTP requests that this test does not make through `url_open` reach the server
        meanwhile (the sandbox's notifications, the shopper's return): 19 serves them only within
        `allow_requests`, which also hands the test cursor over; 18 serves them at any time. The
        test must not use the database within. """
        if compat.ODOO19:
            return self.allow_requests(all_requests=True)
        return contextlib.nullcontext()

    @staticmethod
    def _confirmations(action_confirm):
        """ Return how many times a patched `sale.order.action_confirm` confirmed orders: calls on
        no order are not counted (19's `delivery` makes one per post-processing). """
        return sum(1 for call in action_confirm.call_args_list if call.args[0])

    def _refund_tx(self, tx, amount=None):
        """ Refund the payment as the framework of each series does; return the refund. """
        if compat.ODOO19:
            return tx._refund(amount_to_refund=amount)
        return tx._send_refund_request(amount_to_refund=amount)

    def _capture_tx(self, tx, amount=None):
        """ Capture the authorization; return the capture transaction (19: always; 18: a partial
        one only). """
        if compat.ODOO19:
            return tx._capture(amount_to_capture=amount)
        return tx._send_capture_request(amount_to_capture=amount)

    def _void_tx(self, tx, amount=None):
        """ Void the authorization; return the void transaction (19: always; 18: a partial one
        only). """
        if compat.ODOO19:
            return tx._void(amount_to_void=amount)
        return tx._send_void_request(amount_to_void=amount)

    def _setup_sar_shop(self):
        """ Make the website sell in SAR: its only pricelist is the SAR one. """
        website = self.env['website'].get_current_website()
        self.env['product.pricelist'].search([('id', '!=', self.pricelist_sar.id)]).action_archive()
        self.pricelist_sar.write({'website_id': website.id, 'selectable': True})
        return website

    def _create_order(self, **values):
        return self.env['sale.order'].create(dict({
            'partner_id': self.partner.id,
            'pricelist_id': self.pricelist_sar.id,
            'order_line': [Command.create({'product_id': self.product.id, 'product_uom_qty': 1})],
        }, **values))

    def _create_order_transaction(self, order=None, **values):
        """ Create the draft Tamara transaction paying a sale order, as the checkout does. """
        order = order or self._create_order()
        return self._create_transaction(
            'redirect',
            reference=values.pop('reference', order.name),
            amount=order.amount_total,
            currency_id=order.currency_id.id,
            sale_order_ids=[Command.set(order.ids)],
            **values,
        )

    def _get_form_values(self, tx):
        """ Render the redirect form of the transaction as the shopper's browser receives it. """
        processing_values = tx._get_processing_values()
        return self._extract_values_from_html_form(processing_values['redirect_form_html'])

    @staticmethod
    def _sha256_signature(params, phrase):
        """ The documented SHA-256 APS signature, written out here independently of the module. """
        body = ''.join(f'{k}={v}' for k, v in sorted(params.items()) if k != 'signature')
        return hashlib.sha256(f'{phrase}{body}{phrase}'.encode()).hexdigest()

    def _aps_answer(self, tx, status='14', response_code='14000', response_message='Success',
                    **overrides):
        """ Build APS' signed answer about the transaction: every request parameter echoed, plus
        APS' own fields, signed with the SHA response phrase.
        """
        answer = {k: v for k, v in self._get_form_values(tx)['inputs'].items() if k != 'signature'}
        answer.update({
            'fort_id': '169996210006464984',
            'status': status,
            'response_code': response_code,
            'response_message': response_message,
            'eci': 'ECOMMERCE',
        })
        answer.update(overrides)
        answer['signature'] = signing.calculate_signature(answer, self.sha_response, 'sha256')
        return answer
