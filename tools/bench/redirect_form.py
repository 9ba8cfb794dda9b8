#!/usr/bin/env python3
"""Redirect-form build: what the checkout does before the shopper leaves for APS.

`payment.transaction._get_processing_values()` (the provider's values, the signature and the
rendered redirect form), ours (`aps_tamara`) against Odoo's `payment_aps` on the same database,
for orders of 1 and of 20 lines: time and SQL queries per build (ORM cache cleared before each
build, as in the request that created the transaction; deferred writes flushed and counted).

    tools/bench/redirect_form.py [--rounds 6] [--builds 15] [--profile]
"""
import benchlib as bl  # first: it runs the script again under Odoo's venv if needed # noqa: I001

import argparse
import cProfile
import io
import pstats
import time



def build(env, shop, side, lines):
    """One build: (milliseconds, queries)."""
    _order, tx = bl.create_order_tx(env, shop, side, lines=lines)
    env.flush_all()
    env.invalidate_all()
    q0, t0 = bl.queries(), time.perf_counter()
    tx._get_processing_values()
    env.flush_all()
    return (time.perf_counter() - t0) * 1000, bl.queries() - q0


def profile(env, shop, side, lines, builds):
    profiler = cProfile.Profile()
    for _i in range(builds):
        _order, tx = bl.create_order_tx(env, shop, side, lines=lines)
        env.flush_all()
        env.invalidate_all()
        profiler.enable()
        tx._get_processing_values()
        env.flush_all()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats('cumulative').print_stats(r'payment_aps|payment/models|qweb|orm/|models\.py|'
                                                r'fields\.py|phonenumbers|phone_validation', 45)
    bl.say(f"\n== cProfile, {side}, {lines} line(s), {builds} builds (cumulative) ==")
    bl.say(out.getvalue()[-12000:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=6)
    parser.add_argument('--builds', type=int, default=15, help="builds per side and round")
    parser.add_argument('--lines', default='1,20')
    parser.add_argument('--profile', action='store_true', help="cProfile ours and core")
    parser.add_argument('--db', help="reuse this database (kept)")
    parser.add_argument('--keep-db', action='store_true')
    args = parser.parse_args()
    bench = bl.Bench('form', db=args.db, keep_db=args.keep_db)
    results = {}
    with bench.cursor() as cr:
        env = bench.env(cr)
        shop = bl.setup_shop(env)
        cr.commit()
        for lines in map(int, args.lines.split(',')):
            for side in ('ours', 'core', 'ours', 'core'):  # warm-up: templates, caches
                build(env, shop, side, lines)
            for r in range(args.rounds):
                for side in (('ours', 'core') if r % 2 == 0 else ('core', 'ours')):
                    for _b in range(args.builds):
                        results.setdefault((lines, side), []).append(build(env, shop, side, lines))
                cr.rollback()
        if args.profile:
            for side in ('ours', 'core'):
                profile(env, shop, side, 20, 100)
            cr.rollback()
    rows = []
    for lines in map(int, args.lines.split(',')):
        ms = {s: bl.median([m for m, _q in results[lines, s]]) for s in ('ours', 'core')}
        qs = {s: bl.median([q for _m, q in results[lines, s]]) for s in ('ours', 'core')}
        spread = {s: sorted({q for _m, q in results[lines, s]}) for s in ('ours', 'core')}
        rows.append([lines, f"{ms['ours']:.2f}", f"{ms['core']:.2f}",
                     f"{ms['ours'] / ms['core']:.2f}", f"{qs['ours']:g}", f"{qs['core']:g}",
                     f"{spread['ours']}"])
    bl.say(f"\n== redirect-form build ({args.rounds} alternating rounds x {args.builds} builds "
           f"per side; {bl.machine()}) ==")
    bl.table(rows, ['lines', 'ours ms', 'core ms', 'ratio ours/core', 'ours queries',
                    'core queries', 'ours queries seen'])
    bl.noise_note()


if __name__ == '__main__':
    main()
