# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import re

from playwright.sync_api import expect

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.tests.after_payment_common import APSTamaraAfterPaymentCommon
from odoo.addons.payment_aps_tamara.tests.browser_common import ChromiumMixin
from odoo.addons.payment_aps_tamara.tests.common import PAYMENT_TX_LOGGER


@tagged('post_install', '-at_install')
class TestBrowserAfterPayment(ChromiumMixin, APSTamaraAfterPaymentCommon):
    """ What the merchant reads in the backend after a Tamara payment, in Chromium, in English
    and Arabic: the payment with its Refund button and wizard, the credit note with its "Refund
    with Tamara" button and wizard (amount of the credit note). Nothing is refunded here (the
    refunds themselves are tested in `test_transaction_operations`). Screenshots go to
    `.artifacts/screenshots/after_payment_*.png`.
    """

    screenshot_prefix = 'after_payment'

    def _paid_invoice_and_credit_note(self):
        """ A Tamara payment recorded on a posted invoice, and a posted partial credit note. """
        tx, _invoice, credit_note = self._pay_invoice_and_credit_part()
        self.assertEqual(credit_note.aps_tamara_refundable_tx_id, tx)
        self.env.invalidate_all()  # The pages compute it again, from the database.
        return tx, credit_note

    def _admin_page(self, browser):
        context = self._new_context(browser, 'admin', viewport={'width': 1440, 'height': 1000})
        # No bus: its worker's bundle would be generated concurrently with the test's requests.
        context.route('**/bus/websocket_worker_bundle*', lambda route: route.fulfill(
            status=200, content_type='application/javascript', body='',
        ))
        return context.new_page()

    def _check_forms(self, lang, refund_label, refund_with_tamara_label):
        tx, credit_note = self._paid_invoice_and_credit_note()
        payment = tx.payment_id
        # Read before the browser runs: its requests share this test's cursor.
        available = payment.amount_available_for_refund
        credit_note_total = credit_note.amount_total
        with self._browser() as browser:
            page = self._admin_page(browser)

            page.goto(f'{self.base_url()}/odoo/action-account.action_account_payments/{payment.id}')
            refund_button = page.locator('button[name="action_refund_wizard"]')
            expect(refund_button).to_be_visible(timeout=60000)  # Once the web client is up.
            expect(refund_button).to_contain_text(refund_label)
            self._screenshot(page, f'payment_{lang}')
            refund_button.click()
            dialog = page.locator('.modal-dialog')
            expect(dialog.locator('div[name="amount_to_refund"] input')).to_have_value(
                re.compile(re.escape(f'{available:,.2f}'))
            )
            self._screenshot(page, f'payment_refund_wizard_{lang}')
            dialog.locator('button[special="cancel"]').click()
            expect(dialog).to_have_count(0)

            page.goto(f'{self.base_url()}/odoo/action-account.action_move_out_refund_type/'
                      f'{credit_note.id}')
            tamara_button = page.locator('button[name="action_aps_tamara_refund"]')
            expect(tamara_button).to_be_visible(timeout=60000)
            expect(tamara_button).to_have_text(refund_with_tamara_label)
            self._screenshot(page, f'credit_note_{lang}')
            tamara_button.click()
            expect(dialog.locator('div[name="amount_to_refund"] input')).to_have_value(
                re.compile(re.escape(f'{credit_note_total:,.2f}'))
            )
            self._screenshot(page, f'credit_note_refund_wizard_{lang}')
            dialog.locator('button[special="cancel"]').click()
        self.assertFalse(self._refunds(tx), "Nothing is refunded by opening the wizards.")

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_payment_and_credit_note_in_english(self):
        self._check_forms('en', "Refund", "Refund with Tamara")

    @mute_logger(PAYMENT_TX_LOGGER, 'odoo.addons.base.models.assetsbundle')  # No rtlcss: it says so.
    def test_payment_and_credit_note_in_arabic(self):
        self.env['res.lang']._activate_lang('ar_001')
        self.env['ir.module.module']._load_module_terms(
            ['base', 'web', 'account', 'account_payment', 'payment', 'payment_aps_tamara'],
            ['ar_001'],
        )
        self.env.ref('base.user_admin').lang = 'ar_001'
        self._build_rtl_stylesheets('web.assets_web', 'web.assets_web_print')
        # Core's "Refund" in Arabic, and the module's own term (i18n/ar.po).
        self._check_forms('ar', "استرداد", "الاسترداد عبر تمارا")
