# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import importlib.util

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


def _load_migration(version, name):
    path = f"{get_module_path('payment_aps_tamara')}/migrations/{version}/{name}.py"
    spec = importlib.util.spec_from_file_location(f'payment_aps_tamara_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged('post_install', '-at_install')
class TestMigrations(TransactionCase):

    def test_odoo_settings_hidden_for_tamara_are_reset(self):
        provider = self.env.ref('payment_aps_tamara.payment_provider_aps_tamara')
        other = self.env['payment.provider'].search([('code', '!=', 'aps_tamara')], limit=1)
        # As a database of the previous version may hold them: in SQL, past the constraints (on
        # 19, an active method without manual capture forbids it, one provider at a time).
        self.env.cr.execute(SQL(
            "UPDATE payment_provider SET maximum_amount = 50, capture_manually = TRUE WHERE id IN %s",
            (provider | other)._ids,
        ))
        _load_migration('18.0.1.2.0', 'post-migrate').migrate(self.env.cr, '18.0.1.1.0')
        (provider | other).invalidate_recordset()
        self.assertEqual(provider.maximum_amount, 0.0)
        self.assertFalse(provider.capture_manually)
        self.assertEqual(other.maximum_amount, 50.0)  # Other providers keep their settings.
        self.assertTrue(other.capture_manually)
