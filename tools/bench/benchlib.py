"""Shared setup of the benchmarks: Odoo 18 found as `tools/test` finds it, a database of their
own (website_sale, Odoo's payment_aps and this module), servers on free loopback ports, the
shop's data, statistics and the printed table. Everything started here is stopped and dropped
on exit.

The scripts run under the Python of the test harness' virtual environment; when started with
another Python they run themselves again under it.
"""
import argparse
import atexit
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tools'))
import run_tests as harness  # noqa: E402  (one home for finding Odoo, its venv and PostgreSQL)

MODULE = harness.MODULE
INSTALL = list(harness.INSTALL)
SHA_REQUEST, SHA_RESPONSE = 'bench-request-phrase', 'bench-response-phrase'
AMOUNT = 1111.11  # SAR, taxes excluded
# Odoo's data dir, kept with a kept database (its filestore holds the asset bundles).
DATA_DIR = Path.home() / '.cache' / MODULE / 'bench-data'


def _odoo_root():
    """(series, source tree) of the first supported Odoo, found as `tools/test` finds it
    (ODOO_PATH, else the usual places)."""
    found, looked = harness.find_odoo(argparse.Namespace(odoo=None))
    series = next((series for series in harness.SERIES if series in found), None)
    if series is None:
        sys.exit(f"bench: no Odoo {' or '.join(harness.SERIES)} in {', '.join(looked)}; set ODOO_PATH.")
    return series, found[series]


SERIES, ODOO_ROOT = _odoo_root()
VENV = Path.home() / '.cache' / MODULE / f'venv-{SERIES}'  # where tools/provision puts this series' venv


def _ensure_python():
    """Run again under this Odoo's venv (tools/provision makes it, as for `tools/test`)."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = harness.provision(ODOO_ROOT)
    if python is None:
        sys.exit("bench: tools/provision failed (see above)")
    os.execv(str(python), [str(python), *sys.argv])


_ensure_python()
sys.path.insert(0, str(ODOO_ROOT))
import odoo  # noqa: E402
from odoo import sql_db  # noqa: E402


def free_port():
    with socket.socket() as free:
        free.bind(('127.0.0.1', 0))
        return free.getsockname()[1]


def tail(text, lines):
    return '\n'.join(text.splitlines()[-lines:])


class Bench:
    """A database with the shop, the Odoo configuration of this process, servers; cleaned up at
    exit. `db`: reuse an existing database (made by a previous run with keep_db)."""

    def __init__(self, name, db=None, keep_db=False):
        self.db = db or f'aps_tamara_bench_{name}_{os.getpid()}_{secrets.token_hex(2)}'
        self.keep_db = keep_db or bool(db)
        self.reused = bool(db)
        # The odoo.conf of `tools/test` (PostgreSQL, addons path with this module), in a folder of
        # its own that `harness.drop_database` removes; a reused database's previous one goes first.
        shutil.rmtree(Path(tempfile.gettempdir()) / self.db, ignore_errors=True)
        self.conf = harness.write_odoo_conf(ODOO_ROOT, self.db)
        self.tmp = self.conf.parent
        self.servers = []
        self.common_args = ['-c', str(self.conf), '-d', self.db, '--db-filter', f'^{self.db}$',
                            '--data-dir', str(DATA_DIR)]
        atexit.register(self.close)
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
        if not self.reused:
            self._install()
        odoo.tools.config.parse_config(self.common_args + ['--log-level=warn'])
        self.registry = odoo.modules.registry.Registry(self.db)

    def _odoo_cmd(self, *extra):
        return [sys.executable, str(ODOO_ROOT / 'odoo-bin'), *self.common_args, *extra]

    def _install(self):
        say(f"bench: installing {', '.join(INSTALL)} in database {self.db} (a few minutes)")
        t0 = time.time()
        log = self.tmp / 'install.log'
        with open(log, 'w') as fh:
            rc = subprocess.call(self._odoo_cmd(
                '-i', ','.join(INSTALL), '--stop-after-init', '--without-demo=all',
                '--max-cron-threads=0', '--http-port', str(free_port()),
            ), stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if rc:
            sys.exit(f"bench: install failed (rc={rc}):\n{tail(log.read_text(), 30)}")
        say(f"bench: installed in {time.time() - t0:.0f}s")

    def env(self, cr):
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

    def cursor(self):
        return self.registry.cursor()

    def start_server(self, workers=0):
        """Start Odoo on a free loopback port; return its base URL. Its log is kept to read the
        number of queries of each request (Odoo's access log line)."""
        port = free_port()
        log = self.tmp / f'server-{port}.log'
        fh = open(log, 'w')
        proc = subprocess.Popen(self._odoo_cmd(
            '--http-interface=127.0.0.1', '--http-port', str(port),
            '--gevent-port', str(free_port()), f'--workers={workers}',
            '--max-cron-threads=0', '--log-level=info',
        ), stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        url = f'http://127.0.0.1:{port}'
        self.servers.append((proc, fh, log))
        deadline = time.time() + 120
        while time.time() < deadline:
            if proc.poll() is not None:
                sys.exit(f"bench: Odoo stopped:\n{tail(log.read_text(), 30)}")
            try:
                urllib.request.urlopen(url + '/web/health', timeout=2)
                return url, log
            except OSError:
                time.sleep(0.3)
        sys.exit(f"bench: Odoo did not answer on {url}")

    def stop_servers(self):
        for proc, fh, _log in self.servers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            fh.close()
        self.servers = []

    def close(self):
        self.stop_servers()
        if getattr(self, 'registry', None):
            sql_db.close_all()
        if self.keep_db:
            say(f"bench: database {self.db} kept (--db {self.db} to reuse it)")
        else:
            harness.drop_database(self.db)
            say(f"bench: database {self.db} dropped")
            shutil.rmtree(DATA_DIR / 'filestore' / self.db, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def access_log_queries(log, path):
    """The query count of each request to `path`, from Odoo's access log lines
    (`"POST /path HTTP/1.1" 200 - <queries> <query time> <other time>`)."""
    counts = []
    for line in Path(log).read_text(errors='replace').splitlines():
        if f'"POST {path} ' in line or f'"GET {path} ' in line:
            parts = line.rsplit(' ', 3)
            if len(parts) == 4 and parts[1].isdigit():
                counts.append(int(parts[1]))
    return counts


def queries():
    """The number of SQL queries run by this process so far."""
    return sql_db.sql_counter


# === The shop === #

def setup_shop(env):
    """A Saudi shop selling in SAR: our provider and Odoo's APS provider in test mode, both
    published and signing with SHA-256; a Saudi customer with a mobile number. Idempotent."""
    from odoo import Command
    sar = env.ref('base.SAR')
    sar.action_unarchive()
    if not sar.rate_ids:
        env['res.currency.rate'].create({'currency_id': sar.id, 'rate': 3.75})
    company = env.company
    company.write({'country_id': env.ref('base.sa').id, 'city': 'Riyadh'})
    website = env['website'].search([('company_id', '=', company.id)], limit=1)
    pricelist = env['product.pricelist'].search([('name', '=', 'Bench SAR')], limit=1) or \
        env['product.pricelist'].create({'name': 'Bench SAR', 'currency_id': sar.id})
    env['product.pricelist'].search([('id', '!=', pricelist.id)]).action_archive()
    pricelist.write({'website_id': website.id, 'selectable': True, 'sequence': 1})
    ours = env.ref('payment_aps_tamara.payment_provider_aps_tamara')
    ours.write({
        'aps_tamara_merchant_identifier_test': 'BenchShop1',
        'aps_tamara_access_code_test': 'BenchAccessCode00001',
        'aps_tamara_sha_request_test': SHA_REQUEST,
        'aps_tamara_sha_response_test': SHA_RESPONSE,
        'aps_tamara_sha_type_test': 'sha256',
        'aps_tamara_public_key_sandbox': 'bench-public-key',
        'state': 'test', 'is_published': True, 'website_id': website.id,
    })
    tamara = env.ref('payment_aps_tamara.payment_method_tamara')
    tamara.write({'active': True, 'provider_ids': [Command.link(ours.id)]})
    core = env.ref('payment.payment_provider_aps')
    core.write({
        'aps_merchant_identifier': 'BenchShop1', 'aps_access_code': 'BenchAccessCode00001',
        'aps_sha_request': SHA_REQUEST, 'aps_sha_response': SHA_RESPONSE,
        'state': 'test', 'is_published': True, 'website_id': website.id,
    })
    card = env.ref('payment.payment_method_card')
    card.write({'active': True, 'provider_ids': [Command.link(core.id)]})
    partner = env['res.partner'].search([('email', '=', 'bench.buyer@example.com')], limit=1) or \
        env['res.partner'].create({'name': 'Sara Al-Qahtani', 'email': 'bench.buyer@example.com'})
    partner.write({
        'lang': 'en_US', 'mobile': '+966 50 000 0001', 'street': 'King Fahd Road',
        'city': 'Riyadh', 'zip': '12271', 'country_id': env.ref('base.sa').id,
    })
    products = env['product.product'].search([('default_code', '=like', 'BENCH-%')])
    for i in range(len(products), 20):
        products |= env['product.product'].create({
            'name': f'Bench Desk Lamp {i}', 'default_code': f'BENCH-{i:02d}',
            'type': 'service', 'list_price': AMOUNT, 'taxes_id': [Command.clear()],
        })
    products.product_tmpl_id.write({'type': 'service', 'is_published': True,
                                    'website_id': website.id})
    # The order confirmation e-mail without its PDF: wkhtmltopdf's cost is neither side's.
    for xmlid in ('sale.mail_template_sale_confirmation', 'sale.email_template_edi_sale'):
        if template := env.ref(xmlid, raise_if_not_found=False):
            template.report_template_ids = False
    return {'ours': ours, 'core': core, 'partner': partner, 'pricelist': pricelist,
            'products': products, 'website': website, 'sar': sar}


def create_order_tx(env, shop, side, lines=1, reference=None):
    """A sale order of `lines` lines and its draft transaction with our provider ('ours') or
    Odoo's APS provider ('core'), as the checkout creates them."""
    from odoo import Command
    products = shop['products']
    order = env['sale.order'].create({
        'partner_id': shop['partner'].id, 'pricelist_id': shop['pricelist'].id,
        'order_line': [Command.create({
            'product_id': products[i % len(products)].id,
            'product_uom_qty': 1,
            'price_unit': round(AMOUNT / lines, 2) if i else AMOUNT - round(AMOUNT / lines, 2)
            * (lines - 1),
        }) for i in range(lines)],
    })
    provider = shop[side]
    method = env.ref('payment_aps_tamara.payment_method_tamara' if side == 'ours'
                     else 'payment.payment_method_card')
    tx = env['payment.transaction'].create({
        'provider_id': provider.id, 'payment_method_id': method.id,
        'reference': reference or env['payment.transaction']._compute_reference(
            provider.code, prefix=order.name),
        'amount': order.amount_total, 'currency_id': order.currency_id.id,
        'partner_id': shop['partner'].id, 'operation': 'online_redirect',
        'sale_order_ids': [Command.set(order.ids)],
    })
    return order, tx


def form_inputs(processing_values):
    """The fields of the redirect form the shopper's browser posts to APS."""
    from lxml import html
    form = html.fromstring(processing_values['redirect_form_html'])
    return dict(form.xpath('//form')[0].form_values())


def signed_answer(tx, status='14', response_code='14000', message='Success'):
    """APS' signed answer (return or notification) about the transaction: the request echoed
    with APS' own fields, as APS and the local sandbox send it."""
    answer = {k: v for k, v in form_inputs(tx._get_processing_values()).items()
              if k != 'signature'}
    answer.update({'fort_id': str(169996210000000000 + tx.id), 'status': status,
                   'response_code': response_code, 'response_message': message,
                   'eci': 'ECOMMERCE'})
    if tx.provider_code == 'aps':
        answer['payment_option'] = 'VISA'  # APS names the card brand the shopper used.
        answer['signature'] = tx.provider_id._aps_calculate_signature(answer, incoming=True)
    else:
        answer['signature'] = tx.provider_id._aps_tamara_calculate_signature(answer, incoming=True)
    return answer


# === Figures === #

def say(msg=''):
    print(msg, flush=True)


def pct(values, p):
    """The p-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def median(values):
    return statistics.median(values) if values else float('nan')


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ['-' * w for w in widths], *rows]:
        say('  '.join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))


def machine():
    return (f"{os.cpu_count()} CPU(s), {os.uname().machine}, Python {sys.version.split()[0]}, "
            f"Odoo {odoo.release.version} at {ODOO_ROOT}")


def noise_note(sides='ours, core, core, ours'):
    say(f"Figures are medians over alternating rounds ({sides}, ...) on one database; a shared "
        "machine makes single figures noisy: compare ratios.")
