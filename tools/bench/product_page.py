#!/usr/bin/env python3
"""Product page with Tamara's widget placement on and off, on one database and one server.

1. Server render: a visitor's GET of a product page (SAR), rounds alternating the provider's
   "widget on product page" setting on and off: time and queries per page (Odoo's access log).
2. In Chromium (Debian's, driven by Playwright): DOMContentLoaded of the product page with the
   widget off, on with Tamara's script answered at once (a stub), and on with the script never
   answered (a hanging CDN), and when the script entered the page against the end of
   DOMContentLoaded (a MutationObserver set before the page's scripts); then, with the script
   hanging, that "Add to cart" still works: time from navigation to the cart counting the product.

    tools/bench/product_page.py [--rounds 6] [--pages 15] [--loads 8] [--no-browser]
"""
import benchlib as bl  # first: it runs the script again under Odoo's venv if needed # noqa: I001

import argparse
import time

import requests


CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update']
CDN = 'https://cdn-sandbox.tamara.co/**'
STUB = 'window.TamaraWidgetV2 = {refresh() {}};'
# Before the page's own scripts: when a <script> of Tamara's CDN enters the document, on the
# clock of the page's navigation timing, to set against the end of its DOMContentLoaded.
SCRIPT_WATCH = """
window.__apsTamaraScriptAt = null;
new MutationObserver((records, observer) => {
    for (const node of records.flatMap(record => [...record.addedNodes])) {
        if (node.tagName === 'SCRIPT' && (node.src || '').includes('tamara.co')) {
            window.__apsTamaraScriptAt = performance.now();
            observer.disconnect();
            return;
        }
    }
}).observe(document, {childList: true, subtree: true});
"""


def set_widget(bench, on):
    with bench.cursor() as cr:
        env = bench.env(cr)
        env.ref('payment_aps_tamara.payment_provider_aps_tamara').aps_tamara_widget_product = on
    # As at the end of the merchant's request: the server clears the Tamara settings it cached.
    bench.registry.signal_changes()


def server_render(bench, url, page, rounds, pages, log):
    session = requests.Session()
    times, order = {True: [], False: []}, []
    for on in (True, False):  # warm-up
        set_widget(bench, on)
        for _i in range(3):
            session.get(url + page, timeout=30)
            order.append(None)
    for r in range(rounds):
        for on in ((True, False) if r % 2 == 0 else (False, True)):
            set_widget(bench, on)
            for _i in range(pages):
                t0 = time.perf_counter()
                response = session.get(url + page, timeout=30)
                times[on].append((time.perf_counter() - t0) * 1000)
                order.append(on)
                shown = 'o_aps_tamara_product_widget' in response.text
                if response.status_code != 200 or shown != on:
                    bl.say(f"bench: unexpected page (status {response.status_code}, widget "
                           f"shown: {shown}, expected: {on})")
    counts = bl.access_log_queries(log, page)
    queries = {on: [q for q, o in zip(counts, order, strict=False) if o is on] for on in (True, False)}
    rows = [[label, f"{bl.median(times[on]):.1f}", f"{bl.pct(times[on], 90):.1f}",
             f"{bl.median(queries[on]):g}"] for label, on in (('widget on', True),
                                                              ('widget off', False))]
    bl.say(f"\n== product page server render ({rounds} alternating rounds x {pages} pages) ==")
    bl.table(rows, ['', 'median ms', 'p90 ms', 'queries'])
    bl.say(f"ratio on/off (median): {bl.median(times[True]) / bl.median(times[False]):.3f}")


def browser(bench, url, page, loads):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
    results, hanging, answered, requested, script_after_dcl = {}, [], [], {}, []
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for r in range(-1, loads):  # -1: warm-up (asset bundles)
            scenarios = ['off', 'on, script answered', 'on, script hanging']
            for scenario in (scenarios if r % 2 == 0 else scenarios[::-1]):
                set_widget(bench, scenario != 'off')
                context = chromium.new_context()
                context.add_init_script(SCRIPT_WATCH)
                if scenario == 'on, script answered':
                    context.route(CDN, lambda route: (answered.append(route), route.fulfill(
                        status=200, content_type='text/javascript', body=STUB)))
                else:
                    context.route(CDN, lambda route: hanging.append(route))  # not answered yet
                tab = context.new_page()
                tab.goto(url + page, wait_until='domcontentloaded', timeout=60000)
                # DOMContentLoaded counted from the page's first byte: the server's render time
                # is measured above, this is what the browser does with the page.
                dcl = tab.evaluate("(n => n.domContentLoadedEventEnd - n.responseStart)"
                                   "(performance.getEntriesByType('navigation')[0])")
                # "Add to cart" while the script is still loading (or hanging); a click before
                # the page's scripts started is lost: click again until the cart counts it.
                for _attempt in range(30):
                    tab.click('#add_to_cart', timeout=30000)
                    try:
                        tab.wait_for_function(
                            "() => [...document.querySelectorAll('.my_cart_quantity')]"
                            ".some(e => parseInt(e.textContent) >= 1)", timeout=2000)
                        break
                    except PlaywrightTimeout:
                        continue
                cart = tab.evaluate('performance.now()')
                # How long after the end of DOMContentLoaded Tamara's script was inserted.
                after_dcl = tab.evaluate(
                    "window.__apsTamaraScriptAt === null ? null : window.__apsTamaraScriptAt"
                    " - performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
                if r >= 0:
                    results.setdefault(scenario, []).append((dcl, cart))
                    if scenario != 'off':
                        script_after_dcl.append(after_dcl)
                requested[scenario] = requested.get(scenario, 0) + bool(hanging or answered)
                answered.clear()
                for route in hanging:
                    route.abort()
                hanging.clear()
                context.close()
        chromium.close()
    rows = [[s, f"{bl.median([d for d, _c in v]):.0f}", f"{bl.median([c for _d, c in v]):.0f}"]
            for s, v in results.items()]
    bl.say(f"\n== product page in Chromium ({loads} alternating loads per scenario) ==")
    bl.table(rows, ['scenario', 'DOMContentLoaded after first byte, ms',
                    'cart updated after "Add to cart" ms'])
    bl.say("loads in which Tamara's script was requested: " + ", ".join(
        f"{s}: {n}" for s, n in requested.items()))
    inserted = [ms for ms in script_after_dcl if ms is not None]
    bl.say(f"Tamara's script inserted after the end of DOMContentLoaded in "
           f"{sum(ms >= 0 for ms in inserted)} of {len(script_after_dcl)} 'on' loads"
           + (f" (at the earliest {min(inserted):.0f} ms after)" if inserted else ""))
    off = bl.median([d for d, _c in results['off']])
    for s in ('on, script answered', 'on, script hanging'):
        ratio = bl.median([d for d, _c in results[s]]) / off
        bl.say(f"DOMContentLoaded (after first byte) ratio {s} / off: {ratio:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=6)
    parser.add_argument('--pages', type=int, default=15, help="pages per setting and round")
    parser.add_argument('--loads', type=int, default=8, help="Chromium loads per scenario")
    parser.add_argument('--no-browser', action='store_true')
    parser.add_argument('--db', help="reuse this database (kept)")
    parser.add_argument('--keep-db', action='store_true')
    args = parser.parse_args()
    bench = bl.Bench('page', db=args.db, keep_db=args.keep_db)
    with bench.cursor() as cr:
        env = bench.env(cr)
        shop = bl.setup_shop(env)
        page = shop['products'][0].product_tmpl_id.website_url
        cr.commit()
    url, log = bench.start_server(0)
    server_render(bench, url, page, args.rounds, args.pages, log)
    if not args.no_browser:
        browser(bench, url, page, args.loads)
    bl.say(bl.machine())
    bl.noise_note('on, off, off, on')


if __name__ == '__main__':
    main()
