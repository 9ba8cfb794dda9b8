"""Command line: ``python -m aps_sandbox --config merchants.json --db sandbox.sqlite3``."""
import argparse
import logging
import signal
import sys
import threading

from .merchants import load_config, parse_merchant_spec
from .server import Sandbox


def build_parser():
    """The argument parser (see README.md)."""
    parser = argparse.ArgumentParser(prog='python -m aps_sandbox', description=__doc__)
    parser.add_argument('--config', help='JSON file with {"merchants": [...]} (see merchants.example.json)')
    parser.add_argument('--db', required=True, help='SQLite file; kept across restarts')
    parser.add_argument('--host', default='127.0.0.1', help='bind address (default: loopback only)')
    parser.add_argument('--port', type=int, default=8070)
    parser.add_argument('--merchant', action='append', default=[], metavar='IDENT:ACCESS:REQ:RESP[:SHA]',
                        help='add a merchant (repeatable); SHA-256, SHA-512, HMAC-256 or HMAC-512')
    parser.add_argument('--notification-url', default='', help='notification URL of --merchant merchants')
    parser.add_argument('--notification-format', choices=('form', 'json'), default='form')
    parser.add_argument('--capture', choices=('immediate', 'deferred'), default='immediate')
    parser.add_argument('--retries', type=int, default=10)
    parser.add_argument('--retry-interval', type=float, default=10.0)
    parser.add_argument('--pending-delay', type=float, default=5.0)
    return parser


def merchants_from(args):
    """Merchants of the config file followed by those given with ``--merchant``."""
    merchants = load_config(args.config) if args.config else []
    defaults = dict(notification_url=args.notification_url, notification_format=args.notification_format,
                    capture=args.capture, retries=args.retries, retry_interval=args.retry_interval,
                    pending_delay=args.pending_delay)
    merchants += [parse_merchant_spec(spec, **defaults) for spec in args.merchant]
    return merchants


def main(argv=None):
    """Start the sandbox and serve until SIGTERM/SIGINT."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    try:
        merchants = merchants_from(args)
    except (OSError, ValueError) as error:
        logging.error('aps_sandbox: %s', error)
        return 2
    sandbox = Sandbox(args.db, merchants, args.host, args.port)

    def stop(signum, frame):
        logging.info('signal %s: shutting down', signum)
        threading.Thread(target=sandbox.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.info('APS sandbox on %s (paymentPage %s/FortAPI/paymentPage)', sandbox.url, sandbox.url)
    try:
        sandbox.serve_forever()
    finally:
        sandbox.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
