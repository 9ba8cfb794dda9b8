"""pytest plugin (see pyproject.toml): the repository root is the addon, whose ``__init__.py`` imports
``odoo``. pytest imports the ``__init__.py`` of the packages above a test, and the Odoo-free tests import
``payment_aps_tamara.<pure module>``: both get this bare package instead, with the root as its path."""
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
