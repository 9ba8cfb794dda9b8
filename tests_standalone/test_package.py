"""The APS protocol package stays free of Odoo."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_protocol_modules_import_nothing_from_odoo():
    files = sorted((ROOT / 'aps').glob('*.py'))
    assert {path.name for path in files} >= {
        'const.py', 'signing.py', 'params.py', 'status.py', 'amounts.py', 'client.py', 'redact.py',
    }
    for path in files:
        tree = ast.parse(path.read_text())
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or '' for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(name.split('.')[0] == 'odoo' for name in imported), path.name
