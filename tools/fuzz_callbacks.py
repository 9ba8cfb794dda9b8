#!/usr/bin/env python3
"""Post hostile bodies to a running Odoo's Tamara callbacks and print what came back.

    tools/fuzz_callbacks.py --url http://127.0.0.1:8069 [--count 10000] [--reference S00042-1]

Bodies: form-encoded and JSON, with APS' parameter names and random ones, values of every JSON
type, deep nesting, huge fields, invalid UTF-8, wrong content types; none carries a valid
signature. `--reference` aims them at a real transaction (whose state must not change: check it
after). Seeded (`--seed`), so a run can be repeated. Prints the counts per kind and per HTTP
status, the 5xx seen (exit status 1 if any) and the rate. Only the standard library and requests.
"""
import argparse
import collections
import json
import random
import string
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

ROUTES = ('/payment/aps_tamara/webhook', '/payment/aps_tamara/return')
NAMES = ('merchant_reference', 'signature', 'status', 'response_code', 'response_message', 'amount',
         'currency', 'command', 'fort_id', 'merchant_identifier', 'access_code', 'maintenance_reference',
         'convenience_fee', 'payment_option', 'customer_email', 'language', 'query_command')
ALPHABETS = (string.printable, 'éàüß٠١٢٣مرحبا😀\u202e\u0000\ufeff', '0123456789abcdef')


class Generator:
    """Random hostile bodies: (kind, route, body bytes, content type)."""

    def __init__(self, seed, reference):
        self.random = random.Random(seed)
        self.reference = reference

    def text(self, limit=80):
        alphabet = self.random.choice(ALPHABETS)
        return ''.join(self.random.choice(alphabet) for _ in range(self.random.randint(0, limit)))

    def value(self, depth=0):
        kind = self.random.randint(0, 8 if depth < 4 else 5)
        if kind == 0:
            return self.text()
        if kind == 1:
            return self.random.randint(-10**20, 10**20)
        if kind == 2:
            return self.random.choice((0.5, -0.0, 1e308, float('inf'), float('nan')))
        if kind == 3:
            return self.random.choice((True, False, None))
        if kind == 4:
            return ''.join(self.random.choice('0123456789abcdef') for _ in range(64))
        if kind == 5:
            return 'x' * self.random.choice((1000, 70_000, 1_100_000))
        if kind in (6, 7):
            return [self.value(depth + 1) for _ in range(self.random.randint(0, 4))]
        return {self.text(10): self.value(depth + 1) for _ in range(self.random.randint(0, 4))}

    def fields(self):
        names = [self.random.choice(NAMES) if self.random.random() < 0.8 else self.text(20)
                 for _ in range(self.random.randint(0, 14))]
        fields = {name: self.value() for name in names}
        if self.reference and self.random.random() < 0.7:
            fields['merchant_reference'] = self.reference
        return fields

    def body(self):
        route = self.random.choice(ROUTES)
        kind = self.random.choice(('form', 'json', 'nested', 'bytes', 'wrong-type'))
        if kind == 'form':
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.fields().items()}
            return kind, route, requests.models.RequestEncodingMixin._encode_params(data).encode(
                'utf-8', 'surrogatepass'), 'application/x-www-form-urlencoded'
        if kind == 'json':
            return kind, route, json.dumps(self.fields()).encode(), 'application/json'
        if kind == 'nested':
            depth = self.random.choice((10, 500, 999, 1001, 5000, 100_000))
            inner = json.dumps({'merchant_reference': self.reference or 'X', 'signature': 'a'})
            body = inner[:-1] + ', "merchant_extra": ' + '[' * depth + ']' * depth + '}'
            return kind, route, body.encode(), 'application/json'
        raw = bytes(self.random.getrandbits(8) for _ in range(self.random.randint(0, 3000)))
        if kind == 'bytes':
            return kind, route, raw, self.random.choice(('application/json', 'application/x-www-form-urlencoded'))
        return kind, route, raw, self.random.choice(('text/plain', 'multipart/form-data', 'application/xml', ''))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', required=True, help="the running Odoo, e.g. http://127.0.0.1:8069")
    parser.add_argument('--count', type=int, default=10_000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--reference', default='', help="a real transaction reference to aim at")
    parser.add_argument('--concurrency', type=int, default=8)
    args = parser.parse_args()

    try:
        requests.get(args.url + '/web/login', timeout=30).raise_for_status()
    except requests.RequestException as error:
        print(f"{args.url} does not answer ({error}); start Odoo first.")
        return 2
    generator = Generator(args.seed, args.reference)
    bodies = [generator.body() for _ in range(args.count)]
    statuses, by_kind, server_errors = collections.Counter(), collections.Counter(), []
    session = requests.Session()
    session.mount('http://', requests.adapters.HTTPAdapter(pool_maxsize=args.concurrency))

    def post(item):
        kind, route, body, content_type = item
        headers = {'Content-Type': content_type} if content_type else {}
        try:
            response = session.post(args.url + route, data=body, headers=headers, timeout=60,
                                    allow_redirects=False)
            return kind, route, response.status_code, body
        except requests.RequestException as error:
            return kind, route, type(error).__name__, body

    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        for kind, route, status, body in pool.map(post, bodies):
            statuses[status] += 1
            by_kind[kind] += 1
            if not isinstance(status, int) or status >= 500:
                server_errors.append((kind, route, status, body[:100]))
    elapsed = time.monotonic() - started

    print(f"bodies tried: {len(bodies)} in {elapsed:.1f} s ({len(bodies) / elapsed:.0f}/s), "
          f"seed {args.seed}, reference {args.reference or '(none)'}")
    print("by kind:   " + ', '.join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    print("by status: " + ', '.join(f"{s} {n}" for s, n in sorted(statuses.items(), key=str)))
    print(f"5xx or no answer: {len(server_errors)}")
    for kind, route, status, body in server_errors[:10]:
        print(f"  {status} {kind} {route} {body!r}")
    return 1 if server_errors else 0


if __name__ == '__main__':
    sys.exit(main())
