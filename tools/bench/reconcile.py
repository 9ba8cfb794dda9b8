#!/usr/bin/env python3
"""Reconciliation of 1,000 pending Tamara payments against the local APS sandbox.

Every payment went through the sandbox's hosted checkout and was approved (APS knows it as paid,
14000), but Odoo never got the answer: the transaction is left pending. The reconciliation cron
(`payment.transaction._cron_aps_tamara_reconcile`, as scheduled: batches of its default size)
runs until none is left: each payment is checked with CHECK_STATUS over HTTP, set done and
post-processed (the order confirmed). Printed: total time, cron runs, time and SQL queries per
transaction (with their spread: the count must not grow along the batch).

Odoo's `payment_aps` has no reconciliation; as a reference, between two cron runs the same paid
result is applied in-process to pending `payment_aps` transactions (`_handle_notification_data`
and `_post_process`, no HTTP), and the ratio per transaction is printed.

    tools/bench/reconcile.py [--txs 1000] [--core-txs 200]
"""
import benchlib as bl  # first: it runs the script again under Odoo's venv if needed # noqa: I001

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from lxml import html



def redirect_form(tx):
    form = html.fromstring(tx._get_processing_values()['redirect_form_html']).xpath('//form')[0]
    return {'action': form.action, 'inputs': dict(form.form_values())}


def prepare(bench, sandbox, count, core_count):
    """Pay `count` orders on the sandbox without telling Odoo, and leave them pending."""
    from odoo.addons.payment_aps_tamara.tests.sandbox_common import Shopper
    with bench.cursor() as cr:
        env = bench.env(cr)
        shop = bl.setup_shop(env)
        shop['ours'].aps_tamara_sandbox_url = sandbox.url
        forms, ours_ids = [], []
        for _i in range(count):
            _order, tx = bl.create_order_tx(env, shop, 'ours')
            forms.append(redirect_form(tx))
            ours_ids.append(tx.id)
        core = []
        for _i in range(core_count):
            _order, tx = bl.create_order_tx(env, shop, 'core')
            core.append((tx.id, bl.signed_answer(tx)))
        cr.commit()
        bl.say(f"bench: paying {count} orders on the sandbox (its notifications switched off)")
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda form: Shopper().pay(form).status_code, forms))
        bl.say(f"bench: sandbox answers: {sorted(set(statuses))}")
        cr.execute("UPDATE payment_transaction SET state = 'pending', "
                   "last_state_change = now() at time zone 'UTC' - interval '1 day' "
                   "WHERE id IN %s", [tuple(ours_ids + [i for i, _a in core])])
        cr.commit()
    return ours_ids, core


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--txs', type=int, default=1000)
    parser.add_argument('--core-txs', type=int, default=200)
    parser.add_argument('--db', help="reuse this database (kept)")
    parser.add_argument('--keep-db', action='store_true')
    args = parser.parse_args()
    bench = bl.Bench('reconcile', db=args.db, keep_db=args.keep_db)
    from odoo.addons.payment_aps_tamara.tests.sandbox_common import SandboxProcess
    sandbox = SandboxProcess({
        'merchant_identifier': 'BenchShop1', 'access_code': 'BenchAccessCode00001',
        'request_phrase': bl.SHA_REQUEST, 'response_phrase': bl.SHA_RESPONSE,
        'sha_type': 'SHA-256'}, '')
    try:
        ours_ids, core = prepare(bench, sandbox, args.txs, args.core_txs)
        per_tx, core_per_tx, post_processing, runs = [], [], [], 0
        with bench.cursor() as cr:
            env = bench.env(cr)
            tx_model = type(env['payment.transaction'])
            reconcile_one = tx_model._aps_tamara_reconcile

            def measured(self, *a, **kw):  # Instrumentation only: time and queries of each.
                q0, t0 = bl.queries(), time.perf_counter()
                result = reconcile_one(self, *a, **kw)
                self.env.flush_all()
                per_tx.append(((time.perf_counter() - t0) * 1000, bl.queries() - q0))
                return result
            post_process_now = tx_model._aps_tamara_post_process_now

            def measured_post_process(self, *a, **kw):  # The order confirmation's share.
                q0, t0 = bl.queries(), time.perf_counter()
                result = post_process_now(self, *a, **kw)
                post_processing.append(((time.perf_counter() - t0) * 1000, bl.queries() - q0))
                return result
            tx_model._aps_tamara_reconcile = measured
            tx_model._aps_tamara_post_process_now = measured_post_process
            core_step = max(1, len(core) // max(1, args.txs // 50))
            t_total, q_total = 0.0, 0
            try:
                while True:
                    q0, t0 = bl.queries(), time.perf_counter()
                    env['payment.transaction']._cron_aps_tamara_reconcile()
                    t_total += time.perf_counter() - t0
                    q_total += bl.queries() - q0
                    runs += 1
                    for tx_id, answer in core[:core_step]:  # the reference, interleaved
                        q1, t1 = bl.queries(), time.perf_counter()
                        tx = env['payment.transaction'].browse(tx_id)
                        tx._handle_notification_data('aps', answer)
                        tx._post_process()
                        cr.commit()
                        core_per_tx.append(((time.perf_counter() - t1) * 1000,
                                            bl.queries() - q1))
                    core = core[core_step:]
                    cr.execute("SELECT count(*) FROM payment_transaction WHERE id IN %s "
                               "AND state IN ('draft', 'pending')", [tuple(ours_ids)])
                    if not cr.fetchone()[0] or runs > args.txs:
                        break
            finally:
                tx_model._aps_tamara_reconcile = reconcile_one
                tx_model._aps_tamara_post_process_now = post_process_now
            cr.execute("SELECT state, count(*) FROM payment_transaction WHERE id IN %s "
                       "GROUP BY 1", [tuple(ours_ids)])
            states = dict(cr.fetchall())
            cr.execute("SELECT count(*) FROM sale_order o JOIN sale_order_transaction_rel r "
                       "ON r.sale_order_id = o.id WHERE r.transaction_id IN %s "
                       "AND o.state = 'sale'", [tuple(ours_ids)])
            confirmed = cr.fetchone()[0]
    finally:
        sandbox.stop()
    ms, qs = [m for m, _q in per_tx], [q for _m, q in per_tx]
    core_ms = [m for m, _q in core_per_tx]
    bl.say(f"\n== reconciliation of {args.txs} pending Tamara payments ({bl.machine()}) ==")
    bl.table([
        ['total time (s)', f"{t_total:.1f}"],
        ['cron runs (batches)', runs],
        ['transactions checked', len(per_tx)],
        ['ms per transaction (median / p90)', f"{bl.median(ms):.1f} / {bl.pct(ms, 90):.1f}"],
        ['queries per transaction (median)', f"{bl.median(qs):g}"],
        ['queries per transaction (min / max)', f"{min(qs)} / {max(qs)}"],
        ['queries per transaction, first / last 100', f"{bl.median(qs[:100]):g} / "
                                                       f"{bl.median(qs[-100:]):g}"],
        ['of which post-processing (order confirmed): ms / queries (median)',
         f"{bl.median([m for m, _q in post_processing]):.1f} / "
         f"{bl.median([q for _m, q in post_processing]):g}" if post_processing else '-'],
        ['queries in total, per transaction', f"{q_total / max(1, len(per_tx)):.1f}"],
        ['end states', ', '.join(f"{s}: {n}" for s, n in sorted(states.items()))],
        ['orders confirmed', confirmed],
        [f'core reference: ms per transaction ({len(core_ms)}, no HTTP)',
         f"{bl.median(core_ms):.1f}" if core_ms else '-'],
        ['ratio per transaction ours/core', f"{bl.median(ms) / bl.median(core_ms):.2f}"
         if core_ms else '-'],
    ], ['measure', 'value'])
    bl.say("A shared machine makes single figures noisy.")


if __name__ == '__main__':
    main()
