"""Bootstrap for the Odoo-free tests of payment_aps_tamara.

The repository root *is* the addon, and its ``__init__.py`` imports ``odoo``.
The standalone tests only exercise the Odoo-free package ``aps/`` (and the
sandbox's rules), so we register a bare package module named
``payment_aps_tamara`` whose ``__path__`` points at the repository root.
``import payment_aps_tamara.aps.signing`` then loads ``aps/signing.py`` (and its
relative imports such as ``from . import const``) without ever executing the
addon's ``__init__.py``.

NB: this directory must NOT contain an ``__init__.py``: the repository root
has one (the addon's), so pytest would otherwise import the tests as a
sub-package of the addon and run the Odoo-dependent ``__init__.py``.
"""
import importlib.machinery
import sys
import types
from pathlib import Path

MODULE_NAME = "payment_aps_tamara"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _register_bare_package():
    existing = sys.modules.get(MODULE_NAME)
    if existing is not None and list(getattr(existing, "__path__", [])) == [str(REPO_ROOT)]:
        return existing
    pkg = types.ModuleType(MODULE_NAME)
    pkg.__path__ = [str(REPO_ROOT)]
    pkg.__file__ = None
    pkg.__package__ = MODULE_NAME
    spec = importlib.machinery.ModuleSpec(MODULE_NAME, None, is_package=True)
    spec.submodule_search_locations = [str(REPO_ROOT)]
    pkg.__spec__ = spec
    # Drop any previously imported submodules that came from elsewhere.
    for name in list(sys.modules):
        if name.startswith(MODULE_NAME + "."):
            del sys.modules[name]
    sys.modules[MODULE_NAME] = pkg
    return pkg


_register_bare_package()
