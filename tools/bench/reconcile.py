#!/usr/bin/env python3
"""Reconciliation of 1,000 pending Tamara payments against the local APS sandbox.

Every payment went through the sandbox's hosted checkout and was approved (APS knows it as paid,
14000), but Odoo never got the answer: the transaction is left pending. The reconciliation cron
(`payment.transaction._cron_aps_tamara_reconcile`, as scheduled: batches of its default size back
to back for its time budget, run again while some are left, as its trigger does) checks each
payment with CHECK_STATUS over HTTP and sets it done; it triggers Odoo's payment post-processing
cron, which confirms the orders: that one is run next over the same payments and measured
separately. Printed: the reconciliation's total time, cron runs and batches, time and SQL queries
per transaction (with their spread: the count must not grow along the run), then the
post-processing's time and queries.

Odoo's `payment_aps` has no reconciliation; as a reference, half before and half after ours, the
same paid result is applied in-process to pending `payment_aps` transactions
(`_handle_notification_data`, then `_post_process`, no HTTP), and the ratios per transaction are
printed.

    tools/bench/reconcile.py [--txs 1000] [--core-txs 200] [--post-process-txs N] [--profile]

`--profile`: cProfile of the reconciliation's cron runs (cumulative).
"""
import benchlib as bl  # first: it runs the script again under Odoo's venv if needed # noqa: I001

import argparse
import cProfile
import io
import pstats
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


def count_triggers(env):
    env.cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s",
                   [env.ref('payment.cron_post_process_payment_tx').id])
    return env.cr.fetchone()[0]


def core_reference(env, core, out):
    """Core's processing of the same paid result, in-process: its notification applied, then its
    post-processing (the order confirmed), each timed with its queries."""
    for tx_id, answer in core:
        tx = env['payment.transaction'].browse(tx_id)
        q0, t0 = bl.queries(), time.perf_counter()
        tx._handle_notification_data('aps', answer)
        env.cr.commit()
        q1, t1 = bl.queries(), time.perf_counter()
        tx._post_process()
        env.cr.commit()
        out.append(((t1 - t0) * 1000, q1 - q0, (time.perf_counter() - t1) * 1000, bl.queries() - q1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--txs', type=int, default=1000)
    parser.add_argument('--core-txs', type=int, default=200)
    parser.add_argument('--db', help="reuse this database (kept)")
    parser.add_argument('--keep-db', action='store_true')
    parser.add_argument('--profile', action='store_true', help="cProfile the cron runs")
    parser.add_argument('--post-process-txs', type=int, default=0,
                        help="post-process only this many of ours (default: all)")
    args = parser.parse_args()
    bench = bl.Bench('reconcile', db=args.db, keep_db=args.keep_db)
    from odoo.addons.payment_aps_tamara.tests.sandbox_common import SandboxProcess
    sandbox = SandboxProcess({
        'merchant_identifier': 'BenchShop1', 'access_code': 'BenchAccessCode00001',
        'request_phrase': bl.SHA_REQUEST, 'response_phrase': bl.SHA_RESPONSE,
        'sha_type': 'SHA-256'}, '')
    profiler = cProfile.Profile() if args.profile else None
    try:
        ours_ids, core = prepare(bench, sandbox, args.txs, args.core_txs)
        per_tx, core_per_tx, batches, runs = [], [], [], 0
        with bench.cursor() as cr:
            env = bench.env(cr)
            tx_model = type(env['payment.transaction'])
            reconcile_one, reconcile_batch = tx_model._aps_tamara_reconcile, \
                tx_model._aps_tamara_reconcile_batch

            def measured(self, *a, **kw):  # Instrumentation only: time and queries of each.
                q0, t0 = bl.queries(), time.perf_counter()
                result = reconcile_one(self, *a, **kw)
                self.env.flush_all()
                per_tx.append(((time.perf_counter() - t0) * 1000, bl.queries() - q0))
                return result

            def measured_batch(self, *a, **kw):
                batches.append(len(self))
                return reconcile_batch(self, *a, **kw)
            tx_model._aps_tamara_reconcile = measured
            tx_model._aps_tamara_reconcile_batch = measured_batch
            # The reference in two halves, before and after ours (on a shared machine).
            core_reference(env, core[:len(core) // 2], core_per_tx)
            t_total, q_total = 0.0, 0
            triggers_before = count_triggers(env)
            try:
                while True:  # As the cron's own trigger would, while some are left.
                    q0, t0 = bl.queries(), time.perf_counter()
                    if profiler:
                        profiler.enable()
                    env['payment.transaction']._cron_aps_tamara_reconcile()
                    if profiler:
                        profiler.disable()
                    t_total += time.perf_counter() - t0
                    q_total += bl.queries() - q0
                    runs += 1
                    cr.execute("SELECT count(*) FROM payment_transaction WHERE id IN %s "
                               "AND state IN ('draft', 'pending')", [tuple(ours_ids)])
                    if not cr.fetchone()[0] or runs > args.txs:
                        break
            finally:
                tx_model._aps_tamara_reconcile = reconcile_one
                tx_model._aps_tamara_reconcile_batch = reconcile_batch
            post_process_triggers = count_triggers(env) - triggers_before
            ms, qs = [m for m, _q in per_tx], [q for _m, q in per_tx]
            n = max(1, len(per_tx))
            bl.say(f"\n== reconciliation of {args.txs} pending Tamara payments ({bl.machine()}) ==")
            bl.table([
                ['total time (s)', f"{t_total:.1f}"],
                ['cron runs / batches', f"{runs} / {len(batches)}"],
                ['transactions checked', len(per_tx)],
                ['ms per transaction (median / p90)', f"{bl.median(ms):.1f} / {bl.pct(ms, 90):.1f}"],
                ['queries per transaction (median)', f"{bl.median(qs):g}"],
                ['queries per transaction (min / max)', f"{min(qs)} / {max(qs)}" if qs else '-'],
                ['queries per transaction, first / last 100', f"{bl.median(qs[:100]):g} / "
                                                               f"{bl.median(qs[-100:]):g}"],
                ['queries in total (cron runs), per transaction', f"{q_total / n:.1f}"],
                ['post-processing cron triggers added', post_process_triggers],
            ], ['measure', 'value'])
            # Then what the triggered post-processing cron does with them: the orders confirmed.
            post_ids = ours_ids[:args.post_process_txs] if args.post_process_txs else ours_ids
            q0, t0 = bl.queries(), time.perf_counter()
            env['payment.transaction'].browse(post_ids)._cron_post_process()
            t_post, q_post = time.perf_counter() - t0, bl.queries() - q0
            core_reference(env, core[len(core) // 2:], core_per_tx)
            cr.execute("SELECT state, count(*) FROM payment_transaction WHERE id IN %s "
                       "GROUP BY 1", [tuple(ours_ids)])
            states = dict(cr.fetchall())
            cr.execute("SELECT count(*) FROM sale_order o JOIN sale_order_transaction_rel r "
                       "ON r.sale_order_id = o.id WHERE r.transaction_id IN %s "
                       "AND o.state = 'sale'", [tuple(ours_ids)])
            confirmed = cr.fetchone()[0]
    finally:
        sandbox.stop()
    core_ms = [m for m, *_r in core_per_tx]
    core_post_ms = [m for *_r, m, _q in core_per_tx]
    post = max(1, len(post_ids))
    bl.say(f"\n== then Odoo's post-processing cron over {len(post_ids)} of them "
           "(orders confirmed), and core's reference ==")
    bl.table([
        ['post-processing: total (s)', f"{t_post:.1f}"],
        ['post-processing: ms / queries per transaction (mean)',
         f"{t_post * 1000 / post:.1f} / {q_post / post:.1f}"],
        ['end states', ', '.join(f"{s}: {c}" for s, c in sorted(states.items()))],
        ['orders confirmed', confirmed],
        [f'core reference ({len(core_ms)}, no HTTP): ms per transaction, processing / '
         'post-processing (median)',
         f"{bl.median(core_ms):.1f} / {bl.median(core_post_ms):.1f}" if core_ms else '-'],
        ['ratio per transaction ours/core, processing (ours with HTTP)',
         f"{bl.median(ms) / bl.median(core_ms):.2f}" if core_ms else '-'],
        ['ratio per transaction ours/core, post-processing',
         f"{t_post * 1000 / post / bl.median(core_post_ms):.2f}" if core_ms else '-'],
    ], ['measure', 'value'])
    bl.say("A shared machine makes single figures noisy.")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats('cumulative').print_stats(
            r'payment|sale|mail|requests|urllib3|http|socket|sql_db|orm/|models\.py|fields\.py', 60)
        bl.say("\n== cProfile of the cron runs (cumulative) ==")
        bl.say(out.getvalue()[-16000:])


if __name__ == '__main__':
    main()
