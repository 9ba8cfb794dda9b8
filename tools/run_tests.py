"""tools/test: every test of payment_aps_tamara, and the linters (README, "Tests").

Without Odoo: pytest (pyproject.toml), ruff, pylint-odoo. Then on each supported Odoo series found, Odoo's
own runner installs website_sale, payment_aps and the module in a new database and runs the module's tests,
and tests_multiprocess/ runs against that database. A skipped test of the module fails the run, and so does an
ERROR in the log or an unmuted WARNING of the module's loggers. The last line is "N passed, N failed".
"""
import argparse
import getpass
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

MODULE = 'payment_aps_tamara'
REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / '.artifacts'
SERIES = ('18.0', '19.0')  # the Odoo series the module supports: tools/test runs the Odoo suite on each
ODOO_DIRS = ('/opt/odoo18', '/opt/odoo19', '~/odoo18', '~/odoo19', f'{REPO.parent}/odoo18', f'{REPO.parent}/odoo19')
INSTALL = ('website_sale', 'payment_aps', MODULE)  # payment_aps (not a dependency): the hand-over tests
CORE_TAGS = '/payment,/payment_aps'  # --core: Odoo's own suites, with this module installed
DB_PREFIX = 'aps_tamara_test_'  # + the pid of the run: a database whose run has died is dropped
ODOO_TIMEOUT = 45 * 60
LOG_RECORD = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) \S+ ([\w.]+): (.*)', re.S)
CONSEQUENCE = re.compile(r'(FAIL|ERROR): |Module \w+: \d+ failures|At least one test failed|\d+ failed, \d+ err')


def say(text):
    print(f'[test] {text}', flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='tools/test', description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--odoo', action='append', metavar='DIR',
                        help=f"an Odoo source tree (repeatable; default: $ODOO_PATH, else {', '.join(ODOO_DIRS)})")
    parser.add_argument('--core', action='store_true', help="also run Odoo's payment and payment_aps suites")
    parser.add_argument('--test-tags', default=f'/{MODULE}', help="Odoo's --test-tags (default: %(default)s)")
    parser.add_argument('--keep-db', action='store_true', help='keep the test database and its odoo.conf')
    parser.add_argument('--no-odoo', action='store_true', help='only the Odoo-free part')
    parser.add_argument('--odoo-only', action='store_true', help='only the Odoo part')
    parser.add_argument('--which-odoo', action='store_true', help=argparse.SUPPRESS)  # for tools/demo
    parser.add_argument('pytest_args', nargs='*', help='for the Odoo-free pytest, after --')
    args, unknown = parser.parse_known_args(argv)  # tools/demo passes its own arguments with --which-odoo
    if unknown and not args.which_odoo:
        parser.error(f'unrecognized arguments: {" ".join(unknown)}')
    return args


def find_odoo(args):
    """Return ({series: Odoo source tree}, [where it looked]), the first tree of each series."""
    env_dirs = os.environ.get('ODOO_PATH')
    found, looked = {}, []
    for name in filter(None, args.odoo or (env_dirs.split(os.pathsep) if env_dirs is not None else ODOO_DIRS)):
        root = Path(name).expanduser().resolve()
        looked.append(str(root))
        release = root / 'odoo' / 'release.py'
        match = release.is_file() and re.search(r'^version_info = \((\d+), (\d+)', release.read_text(), re.M)
        if match and (root / 'odoo-bin').is_file():
            found.setdefault(f'{match[1]}.{match[2]}', root)
    return found, looked


def provision(*odoo):
    out = subprocess.run([REPO / 'tools' / 'provision', *map(str, odoo)], stdout=subprocess.PIPE, text=True)
    return Path(out.stdout.split()[-1]) if out.returncode == 0 else None


def pytest(python, name, *args, env=None):
    """(passed, failed) of a pytest run; a skipped test is a failure, and so is a failed run with no result."""
    junit = ARTIFACTS / f'junit-{name}.xml'
    junit.unlink(missing_ok=True)
    say(' '.join(['pytest', *args]))
    rc = subprocess.call([python, '-m', 'pytest', f'--junitxml={junit}', *args], cwd=REPO, env=env)
    try:
        suite = ET.parse(junit).getroot().find('testsuite')
        tests, *failed = (int(suite.get(key)) for key in ('tests', 'failures', 'errors', 'skipped'))
    except (OSError, ET.ParseError, AttributeError):
        return 0, 1
    return tests - sum(failed), max(sum(failed), int(rc != 0))


def odoo_free(args, rows):
    python = provision()
    if python is None:
        return rows.append(('Odoo-free suites: provisioning failed (see above)', 0, 1))
    rows.append(('pytest (tests_standalone, aps_sandbox/tests)', *pytest(python, 'odoo-free', *args.pytest_args)))
    for label, command in (('ruff', ['ruff', 'check', '.']), ('pylint-odoo', ['pylint', '.'])):
        say(' '.join(command))
        failed = int(subprocess.call([python.parent / command[0], *command[1:]], cwd=REPO) != 0)
        rows.append((label, 1 - failed, failed))


def psql(sql):
    return subprocess.run(['psql', '-X', '-qAt', '-d', 'postgres', '-c', sql], capture_output=True, text=True).stdout


def drop_database(db):
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(Path(tempfile.gettempdir()) / db, ignore_errors=True)


def drop_stale_databases():
    for db in psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{DB_PREFIX}%'").split():
        pid = db[len(DB_PREFIX):].split('_')[0]
        if pid.isdigit() and not Path(f'/proc/{pid}').exists():
            say(f'dropping {db}, left by a run that died')
            drop_database(db)


def write_odoo_conf(root, db):
    """The odoo.conf of a run, also handed to tests_multiprocess/ (APS_TAMARA_ODOO_CONF)."""
    run_dir = Path(tempfile.gettempdir()) / db
    (run_dir / 'addons').mkdir(parents=True)
    (run_dir / 'addons' / MODULE).symlink_to(REPO)
    with socket.socket() as free:
        free.bind(('127.0.0.1', 0))
        port = free.getsockname()[1]
    addons = ','.join(str(path) for path in (root / 'addons', root / 'odoo' / 'addons', run_dir / 'addons'))
    pg = {'host': os.environ.get('PGHOST', ''), 'port': os.environ.get('PGPORT', '5432'),  # '' is the local socket
          'user': os.environ.get('PGUSER', getpass.getuser()), 'password': os.environ.get('PGPASSWORD', '')}
    (run_dir / 'odoo.conf').write_text(
        '[options]\n' + ''.join(f'db_{key} = {value}\n' for key, value in pg.items())
        + f'addons_path = {addons}\ndata_dir = {run_dir / "data"}\nhttp_interface = 127.0.0.1\n'
        f'http_port = {port}\nmax_cron_threads = 0\nworkers = 0\n')
    return run_dir / 'odoo.conf'


def check_odoo_log(text):
    """Return (tests run, failed, skipped, module tests started, problems) from an Odoo log; a problem
    is a skipped test of the module, an ERROR, or a WARNING of the module's loggers."""
    run = failed = skipped = started = 0
    problems = []
    for record in re.split(r'\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )', text):
        if not (match := LOG_RECORD.match(record)):
            continue
        level, logger, message = match.groups()
        ours = logger.startswith(f'odoo.addons.{MODULE}')
        if result := logger == 'odoo.tests.result' and re.match(r'(\d+) failed, (\d+) error\(s\) of (\d+)', message):
            failed, run = failed + int(result[1]) + int(result[2]), run + int(result[3])
        started += ours and '.tests' in logger and message.startswith('Starting ')
        if message.startswith('skipped '):
            skipped += 1
            problems += [f'a skipped test of {MODULE}: {record}'] * (f'addons.{MODULE}.' in f'{logger}. {message}')
        elif message.startswith(('FAIL: ', 'ERROR: ')):
            print(record[:4000], flush=True)
        elif (level in ('ERROR', 'CRITICAL') or ours and level == 'WARNING') and not CONSEQUENCE.match(message):
            problems.append(f'logged by {logger}: {record}')
    return run, failed, skipped, started, problems


def odoo_series(args, series, root, rows):
    label = f'Odoo {series} ({root})'
    python = provision(root)
    if python is None:
        return rows.append((f'{label}: provisioning failed (see above)', 0, 1))
    db = f'{DB_PREFIX}{os.getpid()}_{secrets.token_hex(3)}'
    conf = write_odoo_conf(root, db)
    log = ARTIFACTS / f'odoo-{series}.log'
    tags = args.test_tags + (f',{CORE_TAGS}' if args.core else '')
    demo = ['--with-demo'] if series >= '19' else []  # 19 loads demo data only when asked; the browser tests need it
    say(f'{label}: installing {", ".join(INSTALL)} in {db}, then --test-tags {tags} (log: {log})')
    with open(log, 'w') as out:
        odoo = subprocess.Popen([python, root / 'odoo-bin', '-c', conf, '-d', db, '-i', ','.join(INSTALL),
                                 '--test-tags', tags, '--stop-after-init', *demo], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            rc = odoo.wait(ODOO_TIMEOUT)
        except subprocess.TimeoutExpired:
            rc = f'killed after {ODOO_TIMEOUT}s'
        finally:  # also when this run is interrupted: Odoo and its browsers go with it
            if odoo.poll() is None:
                os.killpg(odoo.pid, signal.SIGKILL)
    run, failed, skipped, started, problems = check_odoo_log(log.read_text(errors='replace'))
    problems += [f'odoo-bin exited with {rc}'] * (rc != 0 and not failed)
    problems += [f'no test of {MODULE} ran (is it installable? see {log})'] * (not started)
    for problem in problems:
        print(problem[:4000], flush=True)
    rows.append((f'{label} {tags}', max(run - failed - skipped, 0), failed + len(problems)))
    if (REPO / 'tests_multiprocess').is_dir() and started:
        env = dict(os.environ, APS_TAMARA_ODOO_BIN=str(root / 'odoo-bin'), APS_TAMARA_ODOO_CONF=str(conf),
                   APS_TAMARA_DB=db, APS_TAMARA_ODOO_SERIES=series)
        rows.append((f'Odoo {series} tests_multiprocess',
                     *pytest(python, f'multiprocess-{series}', 'tests_multiprocess', env=env)))
    if args.keep_db:
        say(f'kept database {db} and {conf}')
    else:
        drop_database(db)


def main(argv):
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    args = parse_args(argv)
    rows, not_run = [], []
    found, looked = find_odoo(args)
    if args.which_odoo:  # tools/demo: the first supported Odoo found
        root = next((found[series] for series in SERIES if series in found), None)
        print(root or f'no Odoo {" or ".join(SERIES)} in {", ".join(looked)}', file=sys.stdout if root else sys.stderr)
        return 0 if root else 2
    ARTIFACTS.mkdir(exist_ok=True)
    if not args.odoo_only:
        odoo_free(args, rows)
    if not args.no_odoo:
        drop_stale_databases()
        for series in SERIES:
            if series in found:
                odoo_series(args, series, found[series], rows)
            else:
                not_run.append(f'the Odoo {series} suite: no Odoo {series} source tree (odoo-bin, odoo/release.py) in '
                               f'{", ".join(looked) or "nowhere"}; point at one with ODOO_PATH=DIR[:DIR] or --odoo DIR')
        not_run += [f'Odoo {series} at {root}: {series} is not a supported series yet (SERIES in tools/run_tests.py)'
                    for series, root in found.items() if series not in SERIES]
        rows += [(f'--odoo {name}: not an Odoo source tree', 0, 1) for name in args.odoo or ()
                 if Path(name).expanduser().resolve() not in found.values()]
    print('\n== summary ==')
    for label, passed, failed in rows:
        print(f'{label}: {passed} passed, {failed} failed')
    for reason in not_run:
        print(f'not run: {reason}')
    print(f'{sum(row[1] for row in rows)} passed, {sum(row[2] for row in rows)} failed', flush=True)
    return 1 if any(row[2] for row in rows) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
