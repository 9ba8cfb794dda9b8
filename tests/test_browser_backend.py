# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import re
from datetime import timedelta

from playwright.sync_api import expect

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.tests.browser_common import ChromiumMixin
from odoo.addons.payment_aps_tamara.tests.common import APSTamaraCommon


@tagged('post_install', '-at_install')
class TestBrowserBackend(ChromiumMixin, APSTamaraCommon):
    """ What the merchant reads in the backend, in Chromium, as an administrator: the provider
    form's go-live checklist against the server's state, in English and Arabic, the Tamara part of
    a transaction and the messages exchanged with APS. Screenshots go to
    `.artifacts/screenshots/backend_*.png`.
    """

    screenshot_prefix = 'backend'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The provider's journal is set when first read; read it here, not in a read-only request.
        cls.provider.journal_id  # noqa: B018  pylint: disable=pointless-statement
        # Some steps done, some not: sandbox credentials and connection test, a successful
        # payment; no notification, no declined payment, no widget key, no production test.
        cls.provider.aps_tamara_connected_test_at = fields.Datetime.now() - timedelta(days=1)
        cls.tx = cls._create_transaction(
            cls, 'redirect', reference='S00042-1', state='done',
            provider_reference='169996210006464984',
        )
        cls.tx.write({'aps_tamara_response_code': '14000', 'aps_tamara_response_message': 'Success'})
        log_model = cls.env['payment.aps_tamara.log']
        received = {'merchant_reference': cls.tx.reference, 'command': 'PURCHASE',
                    'response_code': '14000', 'response_message': 'Success', 'status': '14'}
        log_model._aps_tamara_record('return', 'accepted', tx=cls.tx, received=received)
        log_model._aps_tamara_record('webhook', 'accepted', tx=cls.tx, received=received)
        log_model._aps_tamara_record(
            'api', 'accepted', tx=cls.tx,
            sent={'query_command': 'CHECK_STATUS', 'merchant_reference': cls.tx.reference},
            received={'query_command': 'CHECK_STATUS', 'merchant_reference': cls.tx.reference,
                      'response_code': '12000', 'response_message': 'Success',
                      'transaction_status': '14'},
        )

    def _admin_page(self, browser, height=900):
        """ A page of the backend as the administrator; the backend scrolls inside its content,
        so the viewport is as tall as what the screenshots must show. """
        context = self._new_context(browser, 'admin', viewport={'width': 1440, 'height': height})
        # No bus: its worker's bundle would be generated concurrently with the test's requests
        # (an aborted request would put the web client offline, greying the form).
        context.route('**/bus/websocket_worker_bundle*', lambda route: route.fulfill(
            status=200, content_type='application/javascript', body='',
        ))
        return context.new_page()

    def _check_checklist(self, page, lang):
        """ Open the provider form and check each step of the go-live checklist against the
        server's, and that the list is laid out as a readable list. """
        # The server's state, read before the page's requests share the test's cursor.
        expected = self.provider.with_context(lang=lang)._aps_tamara_get_go_live_checklist()
        page.goto(f'{self.base_url()}/odoo/action-payment.action_payment_provider/{self.provider.id}')
        checklist = page.locator('.o_aps_tamara_go_live')
        # The first page in a language waits for its assets (right to left ones are slow to build).
        expect(checklist).to_be_visible(timeout=60000)
        self.assertIn(True, [bool(done) for _label, done in expected])
        self.assertIn(False, [bool(done) for _label, done in expected])
        steps = checklist.locator('li.o_aps_tamara_go_live_step')
        expect(steps).to_have_count(len(expected))
        for index, (label, done) in enumerate(expected):
            step = steps.nth(index)
            expect(step).to_have_text(label)
            expect(step).to_have_attribute('data-done', '1' if done else '0')
            # What the eye sees: one icon per step, ticked only when done.
            expect(step.locator('.fa')).to_have_count(1)
            expect(step.locator('.fa-check-square-o')).to_have_count(1 if done else 0)
            expect(step.locator('.fa-square-o')).to_have_count(0 if done else 1)
        # Readable: as wide as the form's column, a line or two per step (not a tall thin column).
        box = checklist.locator('ul').bounding_box()
        self.assertGreater(box['width'], 400)
        self.assertLess(box['height'], 50 * len(expected))
        checklist.scroll_into_view_if_needed()
        return expected

    def test_go_live_checklist_in_english(self):
        with self._browser() as browser:
            page = self._admin_page(browser, height=2000)
            expected = self._check_checklist(page, 'en_US')
            done_step = next(i for i, (_label, done) in enumerate(expected) if done)
            todo_step = next(i for i, (_label, done) in enumerate(expected) if not done)
            steps = page.locator('.o_aps_tamara_go_live li.o_aps_tamara_go_live_step')
            expect(steps.nth(done_step).locator('[role="img"]')).to_have_attribute('aria-label', "Done")
            expect(steps.nth(todo_step).locator('[role="img"]')).to_have_attribute('aria-label', "To do")
            # One setting for each thing: Odoo's own manual capture and maximum amount are hidden.
            page.locator('a[name="configuration"], .nav-link:has-text("Configuration")').first.click()
            expect(page.locator('div[name="capture_manually"]')).to_have_count(0)
            expect(page.locator('div[name="maximum_amount"]')).to_have_count(0)
            page.locator('.nav-link:has-text("Credentials")').first.click()
            self._screenshot(page, 'provider_en')

    @mute_logger('odoo.addons.base.models.assetsbundle')  # No rtlcss here: it says so.
    def test_go_live_checklist_in_arabic(self):
        self.env['res.lang']._activate_lang('ar_001')
        self.env['ir.module.module']._load_module_terms(
            ['base', 'web', 'account', 'website', 'payment', 'payment_aps_tamara'], ['ar_001']
        )
        self.env.ref('base.user_admin').lang = 'ar_001'
        self._build_rtl_stylesheets('web.assets_web', 'web.assets_web_print')
        with self._browser() as browser:
            page = self._admin_page(browser, height=2000)
            self._check_checklist(page, 'ar_001')
            expect(page.locator('body')).to_have_class(re.compile(r'\bo_rtl\b'))
            self._screenshot(page, 'provider_ar')

    def test_transaction_and_messages(self):
        with self._browser() as browser:
            page = self._admin_page(browser)
            page.goto(f'{self.base_url()}/odoo/action-payment.action_payment_transaction/{self.tx.id}')
            page.locator('.nav-link:has-text("Amazon Payment Services")').click()
            expect(page.locator('div[name="aps_tamara_log_ids"] .o_data_row')).to_have_count(3)
            self._screenshot(page, 'transaction')

            page.goto(f'{self.base_url()}/odoo/action-payment.action_payment_provider/{self.provider.id}')
            page.locator('button[name="action_aps_tamara_view_messages"]').click()
            # Every kind of message is listed at first: returns and requests too.
            rows = page.locator('.o_list_view .o_data_row')
            expect(rows).to_have_count(3)
            expect(page.locator('.o_searchview_facet')).to_have_count(0)
            self._screenshot(page, 'messages')
            rows.first.locator('td[name="reference"]').click()
            expect(page.locator('.o_form_view div[name="response_data"]')).to_contain_text('12000')
            self._screenshot(page, 'message')
