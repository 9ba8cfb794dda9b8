#!/usr/bin/env python3
"""Notification throughput and latency: APS' server-to-server notifications, ours
(`/payment/aps_tamara/webhook`) against Odoo's `payment_aps` (`/payment/aps/webhook`), on one
database and one Odoo server at a time: the threaded server (--workers=0), then prefork
(--workers=4).

Each transaction is a draft with a sale order; its signed "paid" notification (14000, the request
echoed as APS does) is delivered twice, as APS retries: 8 clients take the messages in blocks of
8 originals followed by their 8 copies. Rounds alternate ours and core. Printed: throughput,
p50/p99 latency, queries per request (Odoo's access log), and the ratio ours/core.

    tools/bench/notifications.py [--rounds 5] [--txs 48] [--modes threaded,prefork]
                                 [--profile | --in-process]
"""
import benchlib as bl  # first: it runs the script again under Odoo's venv if needed # noqa: I001

import argparse
import cProfile
import io
import pstats
import threading
import time

import requests


PATHS = {'ours': '/payment/aps_tamara/webhook', 'core': '/payment/aps/webhook'}
MODES = {'threaded': 0, 'prefork': 4}


def make_batches(bench, count):
    """Committed draft transactions with their signed answers: {side: [answer, ...]} x count."""
    batches = []
    with bench.cursor() as cr:
        env = bench.env(cr)
        shop = bl.setup_shop(env)
        for _i in range(count):
            batch = {}
            for side in ('ours', 'core'):
                batch[side] = []
                for _t in range(TXS):
                    _order, tx = bl.create_order_tx(env, shop, side)
                    batch[side].append(bl.signed_answer(tx))
            batches.append(batch)
        cr.commit()
    return batches


def deliveries(answers, clients):
    """Blocks of `clients` originals followed by their copies: (answer, is_copy)."""
    out = []
    for i in range(0, len(answers), clients):
        block = answers[i:i + clients]
        out += [(a, False) for a in block] + [(a, True) for a in block]
    return out


def run(url, path, answers, clients):
    """Deliver the messages with `clients` concurrent clients; return (seconds, [(ms, is_copy,
    status)])."""
    queue = deliveries(answers, clients)
    lock, results, index = threading.Lock(), [], [0]

    def client():
        session = requests.Session()
        while True:
            with lock:
                if index[0] >= len(queue):
                    return
                data, is_copy = queue[index[0]]
                index[0] += 1
            t0 = time.perf_counter()
            status = session.post(url + path, data=data, timeout=60).status_code
            with lock:
                results.append(((time.perf_counter() - t0) * 1000, is_copy, status))

    threads = [threading.Thread(target=client) for _c in range(clients)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - t0, results


def measure_mode(bench, mode, batches, clients, rounds):
    url, log = bench.start_server(MODES[mode])
    warm = batches.pop()
    for side in ('ours', 'core'):
        run(url, PATHS[side], warm[side], clients)
    figures = {'ours': [], 'core': []}
    for r in range(rounds):
        batch = batches.pop()
        for side in (('ours', 'core') if r % 2 == 0 else ('core', 'ours')):
            figures[side].append(run(url, PATHS[side], batch[side], clients))
    bench.stop_servers()
    return figures, {side: bl.access_log_queries(log, PATHS[side]) for side in PATHS}


def report(mode, figures, log_queries):
    stats = {}
    for side, runs in figures.items():
        lat = [ms for _s, res in runs for ms, _c, _st in res]
        stats[side] = {
            'tput': bl.median([len(res) / secs for secs, res in runs]),
            'p50': bl.pct(lat, 50), 'p99': bl.pct(lat, 99),
            'first': bl.median([ms for _s, res in runs for ms, c, _st in res if not c]),
            'copy': bl.median([ms for _s, res in runs for ms, c, _st in res if c]),
            'non200': sum(st != 200 for _s, res in runs for _ms, _c, st in res),
            'queries': bl.median(log_queries[side]) if log_queries[side] else float('nan'),
        }
    o, c = stats['ours'], stats['core']
    rows = [[name, fmt.format(o[key]), fmt.format(c[key]),
             f"{o[key] / c[key]:.2f}" if c[key] else '-']
            for name, key, fmt in (
                ('throughput (msg/s)', 'tput', '{:.1f}'),
                ('p50 latency (ms)', 'p50', '{:.1f}'),
                ('p99 latency (ms)', 'p99', '{:.1f}'),
                ('median, first copy (ms)', 'first', '{:.1f}'),
                ('median, second copy (ms)', 'copy', '{:.1f}'),
                ('queries/request (median)', 'queries', '{:g}'),
                ('answers not 200', 'non200', '{}'),
            )]
    bl.say(f"\n== notifications, {mode} server ({MODES[mode]} workers) ==")
    bl.table(rows, ['measure', 'ours', 'core', 'ratio ours/core'])


def check_states(bench, references):
    """Print the states the notified transactions ended in (all should be done)."""
    with bench.cursor() as cr:
        cr.execute("SELECT p.code, t.state, count(*) FROM payment_transaction t "
                   "JOIN payment_provider p ON p.id = t.provider_id WHERE t.reference IN %s "
                   "GROUP BY 1, 2 ORDER BY 1, 2", [tuple(references)])
        bl.say("notified transactions by provider and state: " + ", ".join(
            f"{p} {s}: {n}" for p, s, n in cr.fetchall()))


def in_process(bench, batches):
    """Every notification twice through Odoo's WSGI application in this process (no socket, one
    thread, no profiler), sides alternating batch by batch (the first batch warms up): the median
    time and queries of a first delivery and of a copy, and their ratio."""
    from werkzeug.test import Client

    import odoo.http
    client = Client(odoo.http.root)
    figures = {(side, label): [] for side in PATHS for label in ('first', 'copy')}
    for r, batch in enumerate(batches):
        for side in (('ours', 'core') if r % 2 == 0 else ('core', 'ours')):
            for label in ('first', 'copy'):
                for answer in batch[side]:
                    q0, t0 = bl.queries(), time.perf_counter()
                    status = client.post(PATHS[side], data=answer).status_code
                    assert status == 200, status
                    if r:
                        figures[side, label].append(
                            ((time.perf_counter() - t0) * 1000, bl.queries() - q0))
    rows = []
    for label, name in (('first', 'first delivery'), ('copy', 'second delivery (copy)')):
        ms = {side: bl.median([t for t, _q in figures[side, label]]) for side in PATHS}
        queries = {side: bl.median([q for _t, q in figures[side, label]]) for side in PATHS}
        rows.append([name, f"{ms['ours']:.2f} ms, {queries['ours']:g} q",
                     f"{ms['core']:.2f} ms, {queries['core']:g} q", f"{ms['ours'] / ms['core']:.3f}"])
    bl.say(f"\n== notifications in-process ({len(batches) - 1} alternating batches x {TXS} "
           "transactions per side, each delivered twice) ==")
    bl.table(rows, ['delivery', 'ours', 'core', 'ratio ours/core'])


def profile(bench, batch):
    """Every notification of the batch twice through Odoo's WSGI application in this process
    (no socket, one thread): queries and time of a first delivery and of a copy, and cProfile."""
    from werkzeug.test import Client

    import odoo.http
    client = Client(odoo.http.root)
    for side in ('ours', 'core'):
        for label, profiler in (('first', cProfile.Profile()), ('copy', cProfile.Profile())):
            counts, times = [], []
            for answer in batch[side]:
                q0, t0 = bl.queries(), time.perf_counter()
                profiler.enable()
                status = client.post(PATHS[side], data=answer).status_code
                profiler.disable()
                times.append((time.perf_counter() - t0) * 1000)
                counts.append(bl.queries() - q0)
                assert status == 200, status
            bl.say(f"\n== in-process {side}, {label} delivery: median {bl.median(times):.2f} ms, "
                   f"queries {sorted(set(counts))} (median {bl.median(counts):g}) ==")
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats('cumulative').print_stats(
                r'payment|http\.py|sql_db|models\.py|fields\.py|logging|pprint|mail|sale', 40)
            bl.say(out.getvalue()[-9000:])


TXS = 48


def main():
    global TXS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--txs', type=int, default=48, help="transactions per side and round")
    parser.add_argument('--clients', type=int, default=8)
    parser.add_argument('--modes', default='threaded,prefork')
    parser.add_argument('--profile', action='store_true',
                        help="profile in-process instead of measuring servers")
    parser.add_argument('--in-process', action='store_true',
                        help="time in-process, without servers nor profiler")
    parser.add_argument('--db', help="reuse this database (kept)")
    parser.add_argument('--keep-db', action='store_true')
    args = parser.parse_args()
    TXS = args.txs
    bench = bl.Bench('notif', db=args.db, keep_db=args.keep_db)
    if args.profile:
        batch = make_batches(bench, 1)[0]
        profile(bench, batch)
        return
    if args.in_process:
        in_process(bench, make_batches(bench, args.rounds + 1))
        bl.say(bl.machine())
        return
    modes = args.modes.split(',')
    bl.say(f"bench: preparing {(args.rounds + 1) * len(modes) * 2 * TXS} transactions")
    batches = make_batches(bench, (args.rounds + 1) * len(modes))
    references = [a['merchant_reference'] for b in batches for side in b for a in b[side]]
    for mode in modes:
        figures, log_queries = measure_mode(bench, mode, batches, args.clients, args.rounds)
        report(mode, figures, log_queries)
    check_states(bench, references)
    bl.say(f"{args.rounds} alternating rounds x {TXS} transactions x 2 deliveries per side, "
           f"{args.clients} clients; {bl.machine()}")
    bl.noise_note()


if __name__ == '__main__':
    main()
