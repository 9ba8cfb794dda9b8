"""tools/demo: a demo shop taking Tamara payments against the built-in APS sandbox.

Starts, on this machine: the local APS sandbox (aps_sandbox/) and Odoo (18.0 or 19.0: the first
found where tools/test looks, or --odoo DIR) on a database with
website_sale (demo products), this module, a company in Saudi Arabia selling in SAR (and in AED to
the UAE), the website in English and Arabic, and the Tamara provider in test mode pointed at the
sandbox. Stop with Ctrl-C.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODULE = "payment_aps_tamara"
REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = Path.home() / ".cache" / MODULE / "demo"
MERCHANT = "DemoTamara:DemoAccessCode2026:demo-request-phrase:demo-response-phrase:SHA-256"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="tools/demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="database (default: aps_tamara_demo_<series>, e.g. aps_tamara_demo_18)")
    parser.add_argument("--port", type=int, default=8069, help="Odoo's port (default: %(default)s)")
    parser.add_argument("--sandbox-port", type=int, default=8070,
                        help="the APS sandbox's port (default: %(default)s)")
    parser.add_argument("--reset", action="store_true", help="start again from a new database")
    parser.add_argument("--odoo", metavar="DIR",
                        help="an Odoo 18.0 or 19.0 source tree (default: the first found where tools/test looks)")
    return parser.parse_args(argv)


def odoo_major(root):
    """The major version of an Odoo source tree (18, 19), from its odoo/release.py."""
    for line in (root / "odoo" / "release.py").read_text().splitlines():
        if line.startswith("version_info = ("):
            return int(line.split("(")[1].split(",")[0])
    raise SystemExit(f"demo: no version_info in {root}/odoo/release.py")


def free_port():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


def module_state(db):
    sql = f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'"
    result = subprocess.run(["psql", "-X", "-qAt", "-d", db, "-c", sql], capture_output=True, text=True)
    return result.stdout.strip() or "absent"


def odoo_command(py, launcher, root, db, port, *extra, subcommand=()):
    addons = DEMO_DIR / "addons"
    addons.mkdir(parents=True, exist_ok=True)
    link = addons / MODULE
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(REPO)
    conf = DEMO_DIR / "odoo.conf"
    conf.write_text("[options]\n")
    addons_path = [p for p in (root / "addons", root / "odoo" / "addons") if p.is_dir()] + [addons]
    return [str(py), str(launcher), *subcommand, "-c", str(conf), "-d", db, "--db-filter", f"^{db}$",
            "--addons-path=" + ",".join(map(str, addons_path)), "--data-dir", str(DEMO_DIR / "data"),
            "--http-interface=127.0.0.1", "--http-port", str(port), *extra]


def wait_for(url, process, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"demo: {what} stopped (exit code {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"demo: {what} did not answer on {url} within {timeout}s")


def main(argv=None):
    args = parse_args(argv)
    # tools/demo finds Odoo where tools/test looks and provisions it (tools/provision).
    if not os.environ.get("APS_TAMARA_ODOO"):
        print("demo: no supported Odoo is available, so the demo shop cannot start.\n"
              "  put an Odoo source tree where tools/test looks (or pass --odoo DIR).\n"
              "  The APS sandbox alone runs without Odoo:\n"
              f"  python3 -m aps_sandbox --db /tmp/aps_sandbox.sqlite3 --merchant {MERCHANT}",
              file=sys.stderr)
        return 2
    root, py = Path(os.environ["APS_TAMARA_ODOO"]), os.environ["APS_TAMARA_PYTHON"]
    launcher = root / "odoo-bin"
    major = odoo_major(root)
    args.db = args.db or f"aps_tamara_demo_{major}"
    DEMO_DIR.mkdir(parents=True, exist_ok=True)

    state = module_state(args.db) if not args.reset else "absent"
    if args.reset or state not in ("installed", "absent"):
        subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=True)
        state = "absent"
    if state != "installed":
        print(f"demo: installing website_sale and {MODULE} on database {args.db} (a minute)")
        subprocess.run(odoo_command(py, launcher, root, args.db, free_port(),
                                    "-i", f"website_sale,{MODULE}", "--stop-after-init",
                                    "--log-level=warn", *(["--with-demo"] if major >= 19 else [])),
                       check=True)

    sandbox_url = f"http://127.0.0.1:{args.sandbox_port}"
    shop_url = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ, APS_DEMO_SANDBOX_URL=sandbox_url, APS_DEMO_MERCHANT=MERCHANT)
    with open(REPO / "tools" / "demo_setup.py") as setup:
        subprocess.run(odoo_command(py, launcher, root, args.db, free_port(),
                                    "--no-http", "--log-level=warn", subcommand=("shell",)),
                       stdin=setup, env=env, check=True)

    # Stop both servers on SIGTERM as on Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sandbox = subprocess.Popen(
        [str(py), "-m", "aps_sandbox", "--db", str(DEMO_DIR / "sandbox.sqlite3"),
         "--port", str(args.sandbox_port), "--merchant", MERCHANT,
         "--notification-url", f"{shop_url}/payment/aps_tamara/webhook"],
        cwd=REPO,
    )
    odoo = subprocess.Popen(odoo_command(py, launcher, root, args.db, args.port,
                                         "--log-level=info"))
    try:
        wait_for(f"{sandbox_url}/_sandbox/merchants", sandbox, "the APS sandbox")
        wait_for(f"{shop_url}/web/login", odoo, "Odoo")
        print(f"\n  Odoo {major} ({root}), database {args.db}\n"
              f"  shop:        {shop_url}/shop   (log in as admin / admin, or shop as a guest)\n"
              f"  in Arabic:   {shop_url}/ar/shop\n"
              f"  backend:     {shop_url}/odoo/action-payment.action_payment_provider\n"
              f"  APS sandbox: {sandbox_url}/   (payments and notification deliveries)\n"
              "  Tamara test identity: otp.success@tamara.ai / 500000001 "
              "(otp.failure@tamara.ai declines)\n  Ctrl-C stops both.\n", flush=True)
        while odoo.poll() is None and sandbox.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (odoo, sandbox):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (odoo, sandbox):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
