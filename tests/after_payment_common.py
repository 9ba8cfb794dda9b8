# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import time

from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.sandbox_common import APSTamaraSandboxCommon


class APSTamaraAfterPaymentCommon(APSTamaraSandboxCommon):
    """ Paid orders against the local APS sandbox over HTTP, for the tests of what comes after the
    payment: refunds, capture, void and reconciliation. """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enable_post_process_patcher = False  # Refunds are made from the recorded payment.
        # Payments are recorded in a bank journal, from which the merchant refunds them.
        cls.provider.journal_id = cls.env['account.journal'].search([
            *cls.env['account.journal']._check_company_domain(cls.provider.company_id),
            ('type', '=', 'bank'),
        ], limit=1)

    def setUp(self):
        super().setUp()
        self.sandbox.configure(api_fault='none', capture='immediate')
        self.provider.write({
            'aps_tamara_capture_immediately': True,
            'aps_tamara_check_after': 0,
            'aps_tamara_abandon_after': 24,
        })

    def _pay(self, deliveries=1, **values):
        """ Pay an order through the sandbox, shopper coming back; return the settled payment. """
        tx, form = self._start_payment(**values)
        self.shopper.come_back(self.shopper.pay(form))
        self._settle(tx, deliveries)
        return tx

    def _pay_invoice_and_credit_part(self, credited=200.0):
        """ Pay an order invoiced on order through the sandbox, its payment recorded on the
        posted invoice, and post a credit note of `credited` on it; return the payment, the invoice
        and the credit note. """
        self.product.invoice_policy = 'order'
        tx = self._pay()
        tx._post_process()  # The order is confirmed and the payment recorded.
        invoice = tx.sale_order_ids._create_invoices()
        invoice.action_post()
        tx.invoice_ids = invoice
        credit_note = invoice._reverse_moves()
        credit_note.invoice_line_ids.price_unit = credited  # A partial credit note.
        credit_note.action_post()
        return tx, invoice, credit_note

    def _after_api_call(self, tx, deliveries):
        """ Let the sandbox deliver its notifications about the payment (the HTTP workers share
        this test's cursor: nothing may use it meanwhile), then read what they wrote. """
        self.env.flush_all()
        self._settle(tx, deliveries)

    def _refunds(self, tx):
        return tx.child_transaction_ids.filtered(lambda t: t.operation == 'refund')

    def _aps_operations(self, tx, command):
        return [op for op in self.sandbox.transaction(tx.reference)['operations']
                if op['command'] == command]

    def _send_to_sandbox(self, tx, payload):
        """ Send an operation to APS as another system (its back office) would. """
        answer = self.provider._aps_tamara_make_request(payload)
        self.assertEqual(answer['response_code'], '06000')
        return answer

    def _last_notification(self, tx):
        return self.sandbox.transaction(tx.reference)['deliveries'][-1]['payload']

    def _post_notification(self, payload):
        self.env.flush_all()
        return self._make_http_post_request(
            self._build_url(APSTamaraController._webhook_url), data=payload
        )


    def _wait_for_refunded(self, tx, amount, timeout=10):
        deadline = time.monotonic() + timeout
        while self.sandbox.transaction(tx.reference)['refunded_amount'] != amount:
            self.assertLess(time.monotonic(), deadline, "APS never made the refund.")
            time.sleep(0.1)
