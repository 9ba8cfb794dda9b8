"""Fixtures: a sandbox on a free loopback port and a notification receiver.

NB: this folder has no ``__init__.py``.  The repository root is an Odoo addon whose
``__init__.py`` imports ``odoo``, and pytest imports the ``__init__.py`` of every package
above a test module; ``_shield_repository_package`` registers a bare module for the
root package instead, so the Odoo-free sandbox tests never execute the addon.
"""
import dataclasses
import importlib.machinery
import sys
import types
from pathlib import Path

import pytest
import requests



def _shield_repository_package():
    """Put an empty package module named after the repository folder into ``sys.modules``."""
    root = Path(__file__).resolve().parents[2]
    if not (root / '__init__.py').is_file() or not root.name.isidentifier() or root.name in sys.modules:
        return
    spec = importlib.machinery.ModuleSpec(root.name, None, is_package=True)
    spec.submodule_search_locations = [str(root)]
    package = types.ModuleType(root.name)
    package.__path__ = [str(root)]
    package.__spec__ = spec
    sys.modules[root.name] = package


_shield_repository_package()

from aps_sandbox.server import Sandbox  # noqa: E402
from aps_sandbox.tests.helpers import DEFERRED, SHOP, Receiver  # noqa: E402


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
