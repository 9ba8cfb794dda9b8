# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import os
import resource
from contextlib import contextmanager, nullcontext

from playwright.sync_api import expect, sync_playwright

from odoo.modules.module import get_module_path
from odoo.tests import HOST
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

CHROMIUM = '/usr/bin/chromium'
# The payment step's "Pay now": 19 renders it more than once (the summary's, for each layout).
PAY_BUTTON = 'button[name="o_payment_submit_button"]:visible'
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
]


class ChromiumMixin:
    """ Debian's Chromium driven by Playwright, for HttpCase tests of what a shopper sees.

    Screenshots go to `.artifacts/screenshots/<screenshot_prefix>_<name>.png` in the repository.
    """

    screenshot_prefix = 'browser'

    @contextmanager
    def _browser(self):
        """ Chromium, spawned without the address-space limit that Odoo's server sets on itself
        (Chromium cannot start under it, see `odoo.tests.common.ChromeBrowser`). On 19, the test's
        HTTP workers serve requests only inside `allow_requests`, which the browser's whole life
        is; all requests, as the local APS sandbox's notifications carry no test cookie.
        """
        allow_requests = getattr(self, 'allow_requests', None)  # Odoo 19
        with allow_requests(all_requests=True) if allow_requests else nullcontext():
            limits = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (limits[1], limits[1]))
            try:
                playwright = sync_playwright().start()
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            finally:
                resource.setrlimit(resource.RLIMIT_AS, limits)
            # What the shopper waits for (Odoo's answers) can take more than Playwright's 5 s on a
            # busy machine; a broken page still fails, later.
            expect.set_options(timeout=20000)
            try:
                yield browser
            finally:
                expect.set_options(timeout=5000)
                browser.close()
                playwright.stop()

    def _new_context(self, browser, login, **context_options):
        """ A browser context logged in as `login` (password = login), whose requests reach this
        test's HTTP workers. """
        self.authenticate(login, login)
        self.env.flush_all()
        context = browser.new_context(**context_options)
        context.add_cookies([
            {'name': name, 'value': value, 'domain': HOST, 'path': '/'}
            for name, value in (
                ('session_id', self.opener.cookies['session_id']),
                (TEST_CURSOR_COOKIE_NAME, self.http_request_key),
            )
        ])
        context.set_default_timeout(30000)
        # The first page to need a bundle in a language builds it (right to left ones without
        # rtlcss here), which can take a minute on a busy machine.
        context.set_default_navigation_timeout(120000)
        return context

    def _build_rtl_stylesheets(self, *bundles, website=None):
        """ Build right-to-left stylesheets here, before a page asks for them. Built by the page's
        request (without rtlcss here, on a busy machine), one can hold the test cursor longer than
        the page's other requests wait for it (20 s on 19), which then fail. """
        assets_params = {'website_id': website.id if website else False}
        for bundle in bundles:
            self.env['ir.qweb']._get_asset_bundle(
                bundle, js=False, rtl=True, assets_params=assets_params
            ).css()

    def _open_product_page(self, page, url):
        """ Open a product page and return once its scripts run: when website_sale starts on it, it
        asks the server for the shown combination (both series), and only then are its buttons
        ("Add to cart", quantities) handled. """
        with page.expect_response(
            lambda response: '/website_sale/get_combination_info' in response.url, timeout=120000
        ):
            page.goto(url)

    def _screenshot(self, page, name):
        directory = os.path.join(
            os.path.realpath(get_module_path('payment_aps_tamara')), '.artifacts', 'screenshots'
        )
        os.makedirs(directory, exist_ok=True)
        page.screenshot(
            path=os.path.join(directory, f'{self.screenshot_prefix}_{name}.png'), full_page=True
        )
