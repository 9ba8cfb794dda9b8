"""pytest plugin (pyproject.toml loads it): the Odoo-free suites import the addon's pure modules
without running the addon's ``__init__.py``, which imports ``odoo``.

The repository root is the addon. pytest imports the ``__init__.py`` of every package between its
rootdir and a test, and the tests import ``payment_aps_tamara.<pure module>``; both find this bare
package instead, whose path is the repository root.
"""
import importlib.machinery
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

for name in {'payment_aps_tamara', ROOT.name}:
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [str(ROOT)]
    package = sys.modules[name] = types.ModuleType(name)
    package.__path__, package.__spec__ = [str(ROOT)], spec
