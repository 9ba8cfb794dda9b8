"""The command line: starts from a config file and --merchant, exits cleanly on SIGTERM."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PACKAGE_PARENT = Path(__file__).resolve().parents[2]
EXAMPLE = PACKAGE_PARENT / 'aps_sandbox' / 'merchants.example.json'


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def wait_ready(url, process, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.05)
    pytest.fail('the sandbox did not start')


@pytest.mark.parametrize('stop_signal', [signal.SIGTERM, signal.SIGINT])
def test_run_and_stop(tmp_path, stop_signal):
    port = free_port()
    command = [sys.executable, '-m', 'aps_sandbox', '--config', str(EXAMPLE), '--db', str(tmp_path / 'db.sqlite3'),
               '--port', str(port), '--merchant', 'CliShop:CliAccess:in:out:hmac-256',
               '--notification-format', 'json', '--capture', 'deferred']
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_PARENT))
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        response = wait_ready(f'http://127.0.0.1:{port}/_sandbox/merchants', process)
        merchants = {m['merchant_identifier']: m for m in response.json()['merchants']}
        example = json.loads(EXAMPLE.read_text())['merchants']
        assert set(merchants) == {m['merchant_identifier'] for m in example} | {'CliShop'}
        cli = merchants['CliShop']
        assert (cli['sha_type'], cli['notification_format'], cli['capture']) == ('HMAC-256', 'json', 'deferred')
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_bad_merchant_spec_exits_with_an_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_PARENT))
    result = subprocess.run([sys.executable, '-m', 'aps_sandbox', '--db', str(tmp_path / 'db.sqlite3'),
                             '--merchant', 'only:three:parts'], env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 2 and '--merchant' in result.stderr
