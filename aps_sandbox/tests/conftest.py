"""Fixtures: a sandbox on a free loopback port and a notification receiver."""
import dataclasses

import pytest
import requests

from aps_sandbox.server import Sandbox
from aps_sandbox.tests.helpers import DEFERRED, SHOP, Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def sandbox(tmp_path, receiver):
    merchants = [dataclasses.replace(m, notification_url=receiver.url) for m in (SHOP, DEFERRED)]
    app = Sandbox(str(tmp_path / 'sandbox.sqlite3'), merchants, '127.0.0.1', 0).start()
    yield app
    app.stop()


@pytest.fixture
def session():
    with requests.Session() as browser:
        yield browser
