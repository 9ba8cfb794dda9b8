#!/usr/bin/env python3
"""Test harness of the payment_aps_tamara Odoo 18 addon.

Usage: tools/test [--only-standalone | --only-odoo] [--core] [--keep-db]

Part A (always, no Odoo needed)
    pytest over tests_standalone/ and aps_sandbox/tests/ in a venv
    (~/.cache/payment_aps_tamara/venv) provisioned from requirements-test.txt.

Part B (whenever an Odoo 18 source tree is found)
    Installs website_sale + payment_aps_tamara in a throwaway database with
    Odoo's own test runner (--test-tags /payment_aps_tamara) and scans the log:
    failed/errored tests, ERROR/CRITICAL lines, tracebacks, WARNINGs of
    odoo.addons.payment_aps_tamara, install failures and *skipped* tests of
    the module are all failures.

The last line printed is always "N passed, N failed". Exit status is 0 only
when everything that ran passed (and the Odoo part ran if Odoo was found).
Only the Python standard library is used here; this script runs under any
python3 >= 3.8 and creates/uses the venv itself.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

MODULE = "payment_aps_tamara"
REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / ".artifacts"
CACHE = Path.home() / ".cache" / MODULE
DEFAULT_VENV = CACHE / "venv"
ODOO_SERIES = (18, 0)
# installed together with the module; payment_aps (not a dependency) for the hand-over tests
ODOO_DEPS = ["website_sale", "payment_aps"]
CORE_MODULES = ["payment", "payment_aps"]  # --core: Odoo's own suites
ODOO_TIMEOUT = 45 * 60                # hard limit for one Odoo run (seconds)


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------
def say(msg: str = "") -> None:
    print(msg, flush=True)


def step(msg: str) -> None:
    say(f"[test] {msg}")


def rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def fmt_secs(secs: float) -> str:
    secs = int(round(secs))
    return f"{secs // 60}m{secs % 60:02d}s" if secs >= 60 else f"{secs}s"


def tail(text: str, n: int) -> str:
    return "\n".join(text.splitlines()[-n:])


class HarnessError(Exception):
    """A problem that prevents a part from running (reported, not a crash)."""


class Summary:
    def __init__(self):
        self.rows = []        # (label, passed, failed, extra text)
        self.not_run = []     # human readable reasons
        self.notes = []
        self.passed = 0
        self.failed = 0

    def add(self, label, passed, failed, extra=""):
        self.rows.append((label, passed, failed, extra))
        self.passed += passed
        self.failed += failed

    def fail(self, label, reason):
        """Something that should have run could not: counts as one failure."""
        self.rows.append((label, 0, 1, f"COULD NOT RUN: {reason}"))
        self.failed += 1

    def print(self):
        say()
        say("== summary ==")
        for label, passed, failed, extra in self.rows:
            line = f"{label}: {passed} passed, {failed} failed"
            if extra:
                line += f", {extra}" if not extra.startswith("COULD") else f" -- {extra}"
            say(line)
        for note in self.notes:
            say(f"note: {note}")
        if self.not_run:
            say("not run: " + self.not_run[0])
            for reason in self.not_run[1:]:
                say("         " + reason)
        else:
            say("not run: —")
        say(f"{self.passed} passed, {self.failed} failed")


# --------------------------------------------------------------------------
# venv / requirements
# --------------------------------------------------------------------------
class FileLock:
    """Serialise venv creation/installs between concurrent harness runs."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            step(f"waiting for lock {self.path} (another harness run is installing)")
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(packages, log: Path) -> bool:
    """apt-get install as root on Debian/Ubuntu; returns success."""
    if not (is_root() and shutil.which("apt-get")):
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    step(f"apt-get install {' '.join(packages)} (log: {rel(log)})")
    with open(log, "a") as fh:
        for cmd in (["apt-get", "update"],
                    ["apt-get", "install", "-y", "--no-install-recommends", *packages]):
            rc = subprocess.call(cmd, stdout=fh, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env)
            if rc:
                step(f"  {' '.join(cmd)} failed (rc={rc})")
                return False
    return True


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def python_works(py: Path) -> bool:
    try:
        return subprocess.call([str(py), "-c", "import sys, venv"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0
    except OSError:
        return False


def ensure_venv(venv: Path) -> Path:
    py = venv_python(venv)
    if py.exists() and python_works(py):
        return py
    if venv.exists():
        step(f"venv {venv} is broken: recreating it")
        shutil.rmtree(venv)
    step(f"creating venv {venv} with {sys.executable}")
    venv.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "venv", str(venv)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode and apt_install([f"python3.{sys.version_info[1]}-venv"],
                                      ARTIFACTS / "apt.log"):
        shutil.rmtree(venv, ignore_errors=True)
        res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        raise HarnessError(f"cannot create a venv with {sys.executable} -m venv "
                           f"(install python3-venv?): {tail(res.stderr or res.stdout, 3)}")
    return py


def relaxed_odoo_requirements(odoo_root: Path) -> str:
    """Odoo's requirements.txt with `name==x` relaxed to `name~=x`, no python-ldap."""
    out = []
    for line in (odoo_root / "requirements.txt").read_text().splitlines():
        if re.match(r"^\s*python-ldap\b", line, re.I):
            continue
        out.append(re.sub(r"^([A-Za-z0-9_.-]+)==", r"\1~=", line))
    return "\n".join(out) + "\n"


def ensure_requirements(py: Path, venv: Path, stages, import_check: str) -> str:
    """pip install requirement texts, stage by stage, unless already done.

    stages: list of stages, each a list of (label, requirements text); every
    stage is one `pip install -r` run, so a later stage (the project's own
    requirements-test.txt) wins over an earlier one (Odoo's pins) when they
    conflict -- pip then only warns, and the warning is reported as a note.
    A marker file in the venv records the hash of what was installed; pip is
    skipped when the hash is recorded AND `import_check` succeeds in the venv.
    """
    texts = ["".join(f"# --- {label}\n{body}\n" for label, body in chunks)
             for chunks in stages]
    pyver = subprocess.run([str(py), "-c", "import sys; print(sys.version)"],
                           capture_output=True, text=True).stdout.strip()
    digest = hashlib.sha256("\n#=====\n".join([pyver] + texts).encode()).hexdigest()[:16]
    marker = venv / ".payment_aps_tamara-requirements"
    done = set(marker.read_text().split()) if marker.exists() else set()

    def imports_ok() -> bool:
        return subprocess.call([str(py), "-c", import_check],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0

    labels = ", then ".join(", ".join(label for label, _ in chunks) for chunks in stages)
    if digest in done and imports_ok():
        step(f"venv {venv}: requirements up to date ({labels})")
        return digest
    log = ARTIFACTS / "pip-install.log"
    step(f"pip install into {venv}: {labels} (log: {rel(log)}) ...")
    t0 = time.time()
    conflicts = []
    for text in texts:
        req = venv / f"requirements-{digest}-{texts.index(text)}.txt"
        req.write_text(text)
        res = subprocess.run([str(py), "-m", "pip", "install", "--disable-pip-version-check",
                              "-r", str(req)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        with open(log, "a") as fh:
            fh.write(f"\n===== {time.ctime()} pip install -r {req}\n{text}\n{res.stdout}")
        if res.returncode:
            say(tail(res.stdout, 25))
            raise HarnessError(f"pip install failed (rc={res.returncode}), see {rel(log)}")
        conflicts = [l.strip() for l in res.stdout.splitlines() if "which is incompatible" in l]
    # pip only warns when a later stage breaks an earlier pin (e.g. playwright
    # needs greenlet>=3.1 while Odoo pins greenlet~=2.0.2). Make the project's
    # own requirements win, deterministically: install what they require.
    fixes = []
    for line in conflicts:
        m = CONFLICT_RE.match(line)
        if m:
            fixes.append(m.group("spec"))
    if fixes:
        res = subprocess.run([str(py), "-m", "pip", "install", "--disable-pip-version-check",
                              *fixes], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, text=True)
        with open(log, "a") as fh:
            fh.write(f"\n===== {time.ctime()} pip install {' '.join(fixes)}\n{res.stdout}")
        conflicts = [f"installed {spec} so that: {line}"
                     for spec, line in zip(fixes, conflicts)]
        conflicts += [l.strip() for l in res.stdout.splitlines() if "which is incompatible" in l]
    if not imports_ok():
        res = subprocess.run([str(py), "-c", import_check], capture_output=True, text=True)
        raise HarnessError("requirements installed but import check fails: "
                           + tail(res.stderr, 5))
    step(f"  installed in {fmt_secs(time.time() - t0)}")
    (venv / f".payment_aps_tamara-conflicts-{digest}").write_text("\n".join(conflicts))
    for c in conflicts:
        step(f"  pip: {c}")
    with open(marker, "a") as fh:
        fh.write(digest + "\n")
    return digest


CONFLICT_RE = re.compile(r"^(?P<pkg>\S+) (?P<ver>\S+) requires (?P<spec>[^,]+(?:,[<>=!~][^,]+)*), "
                         r"but you have (?P<have>\S+) (?P<havever>\S+) which is incompatible")


def pip_conflicts(venv: Path, digest: str):
    p = venv / f".payment_aps_tamara-conflicts-{digest}"
    return p.read_text().split("\n") if p.exists() else []


# --------------------------------------------------------------------------
# Part A: pytest suites without Odoo
# --------------------------------------------------------------------------
def parse_junit(path: Path):
    tests = failures = errors = skipped = 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for s in suites:
        tests += int(s.get("tests", 0))
        failures += int(s.get("failures", 0))
        errors += int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0))
    return tests, failures, errors, skipped


def run_pytest(py: Path, label: str, path: Path, summary: Summary, pytest_args) -> None:
    if not path.is_dir():
        summary.not_run.append(f"{label}: folder {rel(path)}/ does not exist")
        step(f"{label}: {rel(path)}/ does not exist, skipped")
        return
    junit = ARTIFACTS / f"junit-{label.split()[0]}.xml"
    if junit.exists():
        junit.unlink()
    # --rootdir=<the tests folder>: pytest >= 8 otherwise builds Package nodes for
    # every folder with an __init__.py up to the rootdir and imports them -- the
    # repository root is the addon, whose __init__.py imports odoo.
    cmd = [str(py), "-m", "pytest", rel(path), f"--rootdir={rel(path)}",
           "-p", "no:odoo", "-p", "no:cacheprovider",
           "-q", "-rfEs", f"--junitxml={junit}", *pytest_args]
    step(f"{label}: {' '.join(cmd[1:])}")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    t0 = time.time()
    rc = subprocess.call(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL)
    elapsed = time.time() - t0
    tests = failures = errors = skipped = 0
    if junit.exists():
        try:
            tests, failures, errors, skipped = parse_junit(junit)
        except ET.ParseError:
            pass
    failed = failures + errors
    extra = f"{skipped} skipped, {fmt_secs(elapsed)}"
    if rc == 5:
        extra = f"nothing collected in {rel(path)}/, {fmt_secs(elapsed)}"
        failed = 0
    elif rc not in (0, 1):
        extra += f", pytest exit code {rc} (collection/usage error)"
        failed = max(failed, 1)
    elif rc == 1 and failed == 0:
        failed = 1
    summary.add(label, tests - failures - errors - skipped, failed, extra)


# --------------------------------------------------------------------------
# Part B: Odoo
# --------------------------------------------------------------------------
def odoo_version(root: Path):
    release = root / "odoo" / "release.py"
    try:
        m = re.search(r"^version_info\s*=\s*\(\s*(\d+)\s*,\s*(\d+)",
                      release.read_text(errors="replace"), re.M)
    except OSError:
        return None
    return (int(m.group(1)), int(m.group(2))) if m else None


def odoo_launcher(root: Path):
    for cand in (root / "odoo-bin", root / "setup" / "odoo"):
        if cand.is_file():
            return cand
    if root == Path("/usr/lib/python3/dist-packages") and Path("/usr/bin/odoo").is_file():
        return Path("/usr/bin/odoo")      # Debian/Ubuntu "odoo" package
    return None


def odoo_candidates():
    home = Path.home()
    cands = []
    env = os.environ.get("ODOO_PATH")
    if env:
        cands.append(Path(env))
    cands += [Path("/opt/odoo18"), Path("/opt/odoo"), Path("/opt/odoo/odoo18"),
              Path("/opt/odoo/odoo"), Path("/opt/odoo-18.0"), Path("/opt/odoo/18.0"),
              home / "odoo18", home / "odoo", home / "odoo-18.0", home / "src" / "odoo",
              home / "src" / "odoo18"]
    parent = REPO.parent   # siblings of the clone: ../odoo18 etc.
    cands += [parent / "odoo18", parent / "odoo", parent / "odoo-18.0", parent / "OCB"]
    cands.append(Path("/usr/lib/python3/dist-packages"))
    seen, out = set(), []
    for c in cands:
        key = str(c)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def find_odoo(explicit: str | None):
    """Return (root, launcher) of an Odoo 18 tree, or (None, probed-list)."""
    cands = [Path(explicit)] if explicit else odoo_candidates()
    probed = []
    for root in cands:
        probed.append(str(root))
        if not (root / "odoo" / "release.py").is_file():
            continue
        launcher = odoo_launcher(root)
        if launcher and odoo_version(root) == ODOO_SERIES:
            return root.resolve(), launcher
    return None, probed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chrome_path():
    for name in ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


PG_PROBE = r"""
import json, os, sys, getpass
import psycopg2
me = getpass.getuser()
cands = [{}, {"host": "127.0.0.1"}, {"host": "localhost"}]
errors = []
def conn(kw, user=None):
    kw = dict(kw, dbname="postgres", connect_timeout=5)
    if user:
        kw["user"] = user
    return psycopg2.connect(**kw)
for kw in cands:
    try:
        conn(kw).close()
        print(json.dumps({"ok": kw})); sys.exit(0)
    except Exception as e:
        errors.append(f"{kw or 'socket'} as {os.environ.get('PGUSER') or me}: {e}".strip())
# Our own role may be missing: create it through the 'postgres' superuser
# (Odoo refuses to run as 'postgres' itself).
for kw in cands:
    try:
        c = conn(kw, "postgres")
    except Exception as e:
        errors.append(f"{kw or 'socket'} as postgres: {e}".strip())
        continue
    c.autocommit = True
    c.cursor().execute('CREATE ROLE "%s" LOGIN SUPERUSER' % me.replace('"', ''))
    c.close()
    conn(kw).close()
    print(json.dumps({"ok": kw, "created_role": me})); sys.exit(0)
print(json.dumps({"errors": errors}))
"""


def pg_connect_params(py: Path, logdir: Path):
    """Find how to reach PostgreSQL (starting it if needed). Returns dict."""
    def probe():
        res = subprocess.run([str(py), "-c", PG_PROBE], capture_output=True, text=True)
        try:
            return json.loads(res.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"errors": [tail(res.stderr, 3)]}

    out = probe()
    if "ok" in out:
        return out
    started = False
    if shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir() and is_root():
        for ver in sorted(os.listdir("/etc/postgresql")):
            for cluster in sorted(os.listdir(f"/etc/postgresql/{ver}")):
                step(f"starting PostgreSQL cluster {ver}/{cluster}")
                subprocess.call(["pg_ctlcluster", "--skip-systemctl-redirect", ver, cluster,
                                 "start"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                started = True
    elif not shutil.which("pg_ctlcluster") and not shutil.which("postgres"):
        if apt_install(["postgresql"], logdir / "apt.log"):
            started = True
            ver = sorted(os.listdir("/etc/postgresql"))[-1]
            subprocess.call(["pg_ctlcluster", "--skip-systemctl-redirect", ver, "main", "start"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if started:
        for _ in range(30):
            out = probe()
            if "ok" in out:
                return out
            time.sleep(1)
    raise HarnessError("cannot connect to PostgreSQL: " + "; ".join(out.get("errors", [])))


def pg_args(params) -> list:
    host = params.get("ok", {}).get("host")
    return [f"--db_host={host}"] if host else []


SQL_HELPER = r"""
import sys, psycopg2
host, action, db, module = sys.argv[1:5]
kw = {"dbname": "postgres" if action == "drop" else db}
if host:
    kw["host"] = host
c = psycopg2.connect(**kw)
c.autocommit = True
cr = c.cursor()
if action == "drop":
    cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
else:
    cr.execute("SELECT state FROM ir_module_module WHERE name=%s", (module,))
    row = cr.fetchone()
    print(row[0] if row else "absent")
"""


def sql_helper(py: Path, params, action: str, db: str) -> str:
    host = params.get("ok", {}).get("host") or ""
    res = subprocess.run([str(py), "-c", SQL_HELPER, host, action, db, MODULE],
                         capture_output=True, text=True)
    if res.returncode:
        return "error: " + tail(res.stderr, 1)
    return res.stdout.strip()


LOG_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ "
                    r"(?P<level>[A-Z?]+) (?P<db>\S+) (?P<logger>[\w.\-]+): (?P<msg>.*)$")
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
ADDON_LOGGER_RE = re.compile(r"^odoo\.addons\.(\w+)(\.|$)")
TEST_LOGGER_RE = re.compile(r"^odoo\.addons\.(\w+)\.tests(\.|$)")
CONSEQUENCE_RE = re.compile(r"^(Module \w+: \d+ failures, \d+ errors of \d+ tests|"
                            r"At least one test failed when loading the modules\.)$")
HOLDER_RE = re.compile(r"^\w+ \(odoo\.addons\.(\w+)\.")   # setUpClass (odoo.addons.x....)


class OdooLogScan:
    """Incremental parser of an Odoo 18 server log (one record = header + continuation)."""

    def __init__(self, modules):
        self.modules = set(modules)
        self.started = {}       # module -> tests started
        self.failed = {}        # module -> FAIL/ERROR results
        self.skipped = {}       # module -> list of "test : reason"
        self.skipped_started = {}
        self.results = []       # (failed, errors, tests) from result lines
        self.problems = []      # list of (kind, record text)
        self.test_failures = []  # record texts of FAIL:/ERROR: results
        self.consequences = []  # "Module x: n failures..." summary lines
        self.record = None      # (match, lines)
        self.last_progress = ""

    def feed(self, line: str):
        m = LOG_RE.match(line)
        if m:
            self.flush()
            self.record = (m, [line])
        elif self.record is not None:
            self.record[1].append(line)
        else:
            self.record = (None, [line])

    def flush(self):
        if self.record is None:
            return
        m, lines = self.record
        self.record = None
        text = "\n".join(lines)
        traceback = any(l.startswith("Traceback (most recent call last)") for l in lines)
        if m is None:
            if traceback:
                self.problems.append(("traceback", text))
            return
        level, logger, msg = m.group("level"), m.group("logger"), m.group("msg").rstrip()
        test_mod = None
        tm = TEST_LOGGER_RE.match(logger)
        if tm:
            test_mod = tm.group(1)
        if not test_mod and logger.startswith("odoo.tests"):
            hm = HOLDER_RE.match(msg.split(": ", 1)[-1] if msg.startswith(("FAIL: ", "ERROR: ")) else
                                 msg[len("skipped "):] if msg.startswith("skipped ") else msg)
            if hm:
                test_mod = hm.group(1)

        rm = RESULT_RE.search(msg)
        if rm and logger == "odoo.tests.result":
            self.results.append(tuple(int(x) for x in rm.groups()))
            return
        if test_mod and level == "INFO" and msg.startswith("Starting ") and msg.endswith(" ..."):
            self.started[test_mod] = self.started.get(test_mod, 0) + 1
            self.last_progress = f"{test_mod}: {msg[len('Starting '):-4]}"
            return
        if test_mod and msg.startswith("skipped "):
            self.skipped.setdefault(test_mod, []).append(msg[len("skipped "):])
            if not msg.startswith("skipped setUpClass") and not msg.startswith("skipped setUpModule"):
                self.skipped_started[test_mod] = self.skipped_started.get(test_mod, 0) + 1
            return
        if test_mod and level == "ERROR" and msg.startswith(("FAIL: ", "ERROR: ")):
            self.failed[test_mod] = self.failed.get(test_mod, 0) + 1
            self.test_failures.append(text)
            return
        if logger == "odoo.modules.loading" and (CONSEQUENCE_RE.match(msg)):
            self.consequences.append(text)   # follows from failed tests counted above
            return
        if level in ("ERROR", "CRITICAL"):
            self.problems.append((level, text))
            return
        if traceback:
            self.problems.append(("traceback", text))
            return
        am = ADDON_LOGGER_RE.match(logger)
        if level == "WARNING" and am and am.group(1) == MODULE:
            self.problems.append(("WARNING of " + MODULE, text))
            return
        if logger == "odoo.modules.loading" and level == "INFO":
            if msg.startswith(("loading ", "Modules loaded", "init db")):
                self.last_progress = msg


def compact_record(text: str, keep_tail: int = 14) -> str:
    """Header line, the traceback frames inside this addon, then the tail."""
    lines = text.splitlines()
    head, body = lines[:1], lines[1:]
    if len(body) <= keep_tail + 16:
        return "\n".join(lines)
    picked = []
    for i, line in enumerate(body[:-keep_tail]):
        if line.lstrip().startswith("File ") and f"/addons/{MODULE}/" in line:
            picked += body[i:i + 2]
    return "\n".join(head + picked + ["  ..."] + body[-keep_tail:])


def run_odoo(args, odoo_root, launcher, py, pg, addon_dir, summary):
    """One Odoo run: install deps + module in a throwaway DB, run tests, scan log."""
    modules_tested = [MODULE] + (CORE_MODULES if args.core else [])
    install = ODOO_DEPS + [MODULE] + ([m for m in CORE_MODULES
                                       if m != "payment" and m not in ODOO_DEPS]
                                      if args.core else [])
    tags = ",".join(f"/{m}" for m in modules_tested)
    db = f"aps_tamara_test_{os.getpid()}_{secrets.token_hex(2)}"
    tmp = Path(tempfile.mkdtemp(prefix="aps_tamara_odoo_"))
    addons = tmp / "addons"
    addons.mkdir()
    (addons / MODULE).symlink_to(addon_dir)
    conf = tmp / "odoo.conf"
    conf.write_text("[options]\n")   # never read the developer's ~/.odoorc
    addons_path = [p for p in (odoo_root / "addons", odoo_root / "odoo" / "addons") if p.is_dir()]
    addons_path.append(addons)
    port = free_port()
    log_path = ARTIFACTS / f"odoo-{db}.log"
    cmd = [str(py), str(launcher), "-c", str(conf), "-d", db,
           "--addons-path=" + ",".join(str(p) for p in addons_path),
           "-i", ",".join(install), "--test-tags", tags, "--stop-after-init",
           "--http-port", str(port), "--http-interface=127.0.0.1",
           "--data-dir", str(tmp / "data"), "--max-cron-threads=0", "--workers=0",
           "--log-level=test", "--db-filter", f"^{db}$", *pg_args(pg)]
    if args.without_demo:
        cmd.append("--without-demo=all")
    label = f"odoo 18 ({odoo_root}, db {db})"
    step(f"odoo: {' '.join(cmd[2:])}")
    step(f"odoo: full log in {rel(log_path)}")
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    env.pop("ODOO_RC", None)
    scan = OdooLogScan(modules_tested)
    t0 = time.time()
    rc = None
    timed_out = False
    proc = None
    try:
        with open(log_path, "w") as logf:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=tmp, env=env,
                                    start_new_session=True, text=True, errors="replace",
                                    bufsize=1)
            def _watchdog():
                nonlocal timed_out
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            watchdog = threading.Timer(args.odoo_timeout, _watchdog)
            watchdog.daemon = True
            watchdog.start()
            last_say = time.time()
            for line in proc.stdout:
                logf.write(line)
                scan.feed(line.rstrip("\n"))
                now = time.time()
                if now - last_say >= 30:
                    last_say = now
                    step(f"odoo: {fmt_secs(now - t0)} ... {scan.last_progress[:110]}")
            scan.flush()
            watchdog.cancel()
            try:
                rc = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        state = sql_helper(py, pg, "state", db)
        if args.keep_db:
            step(f"odoo: --keep-db: database {db} and data dir {tmp} kept")
        else:
            drop = sql_helper(py, pg, "drop", db)
            if drop.startswith("error"):
                step(f"odoo: could not drop database {db}: {drop}")
            shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.time() - t0
    step(f"odoo: finished in {fmt_secs(elapsed)} (exit code {rc}, module state: {state})")

    # ---- verdict -------------------------------------------------------
    issues = []
    if timed_out:
        issues.append(f"odoo run killed after {fmt_secs(args.odoo_timeout)}")
    if state != "installed":
        issues.append(f"module {MODULE} not installed (state: {state})")
    if not scan.results:
        issues.append("no 'N failed, N error(s) of N tests when loading database' line in the log")
    res_failed = sum(r[0] + r[1] for r in scan.results)
    if rc not in (0, None) and not timed_out and not (rc == 1 and res_failed):
        issues.append(f"odoo-bin exited with code {rc}")
    res_failed = sum(r[0] + r[1] for r in scan.results)
    res_tests = sum(r[2] for r in scan.results)

    problems = scan.problems
    rows = []
    for mod in modules_tested:
        started = scan.started.get(mod, 0)
        failed = scan.failed.get(mod, 0)
        skips = scan.skipped.get(mod, [])
        passed = max(0, started - failed - scan.skipped_started.get(mod, 0))
        rows.append((mod, passed, failed, skips, started))
    # result line is authoritative for the total number of failures
    attributed = sum(r[2] for r in rows)
    if res_failed > attributed:
        issues.append(f"{res_failed - attributed} test failure(s)/error(s) not attributed "
                      "to a module (see log)")
    own = rows[0]
    if own[4] == 0 and state == "installed":
        issues.append(f"no test of {MODULE} ran (tag /{MODULE}); did the module get tests?")
    for mod, passed, failed, skips, started in rows:
        is_own = mod == MODULE
        lbl = label if is_own else f"odoo core /{mod} (same db)"
        nfail = failed + (len(skips) if is_own else 0)
        if is_own:
            nfail += len(problems) + len(issues)
        extra = f"{len(skips)} skipped"
        if is_own:
            extra += f" ({'counted as failures' if skips else 'skips fail the run'})"
            if problems:
                extra += f", {len(problems)} log problem(s)"
            if state != "installed":
                extra += f", MODULE NOT INSTALLED ({state})"
            extra += f", {fmt_secs(elapsed)}"
        summary.add(lbl, passed, nfail, extra)
    step(f"odoo: result line(s): {res_tests} tests, {res_failed} failed/errors in total"
         f" (full log: {rel(log_path)})")

    # ---- report details --------------------------------------------------
    own_skips = scan.skipped.get(MODULE, [])
    if own_skips:
        say(f"\n-- skipped tests of {MODULE} (every skip is a failure) --")
        for s in own_skips:
            say("  skipped " + s[:300])
    for mod in modules_tested[1:]:
        for s in scan.skipped.get(mod, [])[:10]:
            say(f"  ({mod}) skipped {s[:200]}")
    if scan.test_failures:
        say(f"\n-- failed tests ({len(scan.test_failures)}) --")
        for text in scan.test_failures[:8]:
            say(compact_record(text))
            say("")
    if problems:
        say(f"\n-- log problems ({len(problems)}: ERROR/CRITICAL, tracebacks, "
            f"WARNINGs of {MODULE}) --")
        for kind, text in problems[:10]:
            lines = text.splitlines()
            more = ["  ..."] if len(lines) > 9 else []
            say(f"[{kind}] " + "\n".join(lines[:1] + more + lines[1:][-8:]))
        if len(problems) > 10:
            say(f"... and {len(problems) - 10} more, see {rel(log_path)}")
    if issues:
        say("\n-- odoo run issues --")
        for i in issues:
            say("  " + i)
    if issues and not problems and not scan.test_failures:
        say(f"\n-- last lines of {rel(log_path)} --")
        lines = [l for l in log_path.read_text(errors="replace").splitlines()
                 if " INFO " not in l[:60] or " werkzeug: " not in l]
        say("\n".join(l[:400] for l in lines[-25:]))
        say("")


def ensure_rtlcss(notes) -> None:
    """Odoo builds the right-to-left (Arabic) stylesheets with the `rtlcss` npm tool."""
    if shutil.which("rtlcss"):
        return
    if is_root() and shutil.which("npm"):
        step("odoo: no rtlcss found, trying npm install -g rtlcss")
        with open(ARTIFACTS / "npm.log", "a") as fh:
            subprocess.call(["npm", "install", "-g", "rtlcss"], stdout=fh,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if not shutil.which("rtlcss"):
        notes.append("no rtlcss available: Arabic pages are rendered without Odoo's "
                     "right-to-left stylesheet")


def prepare_odoo_environment(root: Path, venv: Path, notes):
    """Everything an Odoo 18 run needs besides the addon: the Python environment (venv with
    Odoo's and the project's requirements), Chromium, rtlcss and PostgreSQL.

    Returns (python, PostgreSQL connection parameters); raises HarnessError.
    Used by the test harness and by tools/demo.
    """
    if str(root) == "/usr/lib/python3/dist-packages":  # Debian's odoo package
        py = Path("/usr/bin/python3")
        if subprocess.call([str(py), "-c", "import websocket"], stderr=subprocess.DEVNULL):
            apt_install(["python3-websocket"], ARTIFACTS / "apt.log")
    else:
        with FileLock(CACHE / "venv.lock"):
            py = ensure_venv(venv)
            stages = [[("odoo requirements.txt (relaxed)", relaxed_odoo_requirements(root))],
                      [("requirements-test.txt", (REPO / "requirements-test.txt").read_text())]
                      + extra_requirements()]
            check = (f"import sys; sys.path.insert(0, {str(root)!r}); import odoo, "
                     "odoo.tests.common, websocket, pytest, requests, phonenumbers, psycopg2")
            digest = ensure_requirements(py, venv, stages, check)
            for c in filter(None, pip_conflicts(venv, digest)):
                notes.append("pip: " + c)
    if chrome_path() is None:
        step("odoo: no Chrome/Chromium found, trying apt-get install chromium")
        apt_install(["chromium"], ARTIFACTS / "apt.log")
    chrome = chrome_path()
    if chrome is None:
        notes.append("no Chrome/Chromium available: browser tests will be skipped "
                     "(and counted as failures)")
    else:
        step(f"odoo: browser {chrome}")
    ensure_rtlcss(notes)
    pg = pg_connect_params(py, ARTIFACTS)
    if pg.get("created_role"):
        step(f"odoo: created PostgreSQL role {pg['created_role']!r}")
    step(f"odoo: PostgreSQL reachable via {pg['ok'].get('host', 'unix socket')}")
    return py, pg


def part_odoo(args, summary: Summary, venv: Path):
    if args.no_odoo:
        root, probed = None, [str(c) for c in odoo_candidates()] + ["(all ignored: --no-odoo)"]
    else:
        root, probed = find_odoo(args.odoo)
    if root is None:
        why = ("NOT RUN, no Odoo 18 installation found (needs odoo-bin + odoo/release.py "
               "with version_info (18, 0, ...); looked in: " + ", ".join(probed) +
               "). Set ODOO_PATH or pass --odoo DIR to point at an Odoo 18 source tree.")
        if args.odoo:
            summary.fail("odoo 18", f"--odoo {args.odoo} is not an Odoo 18 tree")
        else:
            summary.not_run.append("odoo suite: " + why)
            step("odoo: " + why)
        return None
    launcher = odoo_launcher(root)
    step(f"odoo: found Odoo {'.'.join(map(str, ODOO_SERIES))} at {root} ({launcher.name})")
    addon_dir = Path(args.addon_dir).resolve() if args.addon_dir else REPO
    try:
        if not (addon_dir / "__manifest__.py").is_file():
            raise HarnessError(f"{addon_dir}/__manifest__.py does not exist: "
                               "the addon cannot be installed")
        if sys.version_info < (3, 10):
            raise HarnessError(f"Odoo 18 needs Python >= 3.10, harness runs {sys.version.split()[0]}")
        py, pg = prepare_odoo_environment(root, venv, summary.notes)
    except HarnessError as e:
        step(f"odoo: cannot run: {e}")
        summary.fail(f"odoo 18 ({root})", str(e))
        return None
    run_odoo(args, root, launcher, py, pg, addon_dir, summary)
    return root


def extra_requirements():
    """Requirement files of the standalone sandbox, if it has any."""
    chunks = []
    for name in ("aps_sandbox/requirements.txt", "aps_sandbox/requirements-test.txt"):
        p = REPO / name
        if p.is_file():
            chunks.append((name, p.read_text()))
    return chunks


# --------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="tools/test",
        description="Run all payment_aps_tamara tests: (A) Odoo-free pytest suites, "
                    "(B) the Odoo 18 suite in a throwaway database when Odoo 18 is found.")
    part = ap.add_mutually_exclusive_group()
    part.add_argument("--only-standalone", "-A", action="store_true",
                      help="run only part A (pytest, no Odoo)")
    part.add_argument("--only-odoo", "-B", action="store_true",
                      help="run only part B (Odoo test suite)")
    ap.add_argument("--core", action="store_true",
                    help="also run Odoo's own payment and payment_aps suites "
                         "(with this module installed, same database)")
    ap.add_argument("--keep-db", action="store_true",
                    help="do not drop the throwaway database / data dir (debugging)")
    ap.add_argument("--odoo", metavar="DIR", default=None,
                    help="Odoo 18 source tree (default: $ODOO_PATH or auto-detected)")
    ap.add_argument("--without-demo", action="store_true",
                    help="install without demo data (faster; browser tours need demo data)")
    ap.add_argument("--venv", default=str(DEFAULT_VENV), help=argparse.SUPPRESS)
    ap.add_argument("--addon-dir", default=None, help=argparse.SUPPRESS)   # dev only
    ap.add_argument("--no-odoo", action="store_true", help=argparse.SUPPRESS)  # simulate
    ap.add_argument("--odoo-timeout", type=int, default=ODOO_TIMEOUT, help=argparse.SUPPRESS)
    ap.add_argument("pytest_args", nargs="*",
                    help="extra arguments for pytest (part A), after `--`")
    args = ap.parse_args(argv)

    ARTIFACTS.mkdir(exist_ok=True)
    old_logs = sorted(ARTIFACTS.glob("odoo-aps_tamara_test_*.log"), key=lambda p: p.stat().st_mtime)
    for stale in old_logs[:-10]:      # keep the 10 most recent Odoo logs
        stale.unlink()
    venv = Path(args.venv)
    summary = Summary()
    t_start = time.time()
    step(f"repository: {REPO}")

    # Decide early whether Odoo exists, so part A can share Odoo's venv.
    if args.only_odoo:
        summary.not_run.append("standalone suites: skipped by --only-odoo")
    else:
        t0 = time.time()
        try:
            with FileLock(CACHE / "venv.lock"):
                py = ensure_venv(venv)
                chunks = [("requirements-test.txt", (REPO / "requirements-test.txt").read_text())]
                chunks += extra_requirements()
                ensure_requirements(py, venv, [chunks],
                                    "import pytest, requests, phonenumbers, websocket")
        except HarnessError as e:
            step(f"standalone: cannot run: {e}")
            summary.fail("standalone (no Odoo)", str(e))
        else:
            run_pytest(py, "standalone (no Odoo)", REPO / "tests_standalone", summary,
                       args.pytest_args)
            run_pytest(py, "aps_sandbox tests", REPO / "aps_sandbox" / "tests", summary,
                       args.pytest_args)
        step(f"part A took {fmt_secs(time.time() - t0)}")

    if args.only_standalone:
        summary.not_run.append("odoo suite: skipped by --only-standalone")
    else:
        t0 = time.time()
        part_odoo(args, summary, venv)
        step(f"part B took {fmt_secs(time.time() - t0)}")

    step(f"total {fmt_secs(time.time() - t_start)}")
    summary.print()
    return 1 if summary.failed else 0


if __name__ == "__main__":
    def _term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _term)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\n[test] interrupted", flush=True)
        sys.exit(130)
