# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader


@tagged('post_install', '-at_install')
class TestTranslations(TransactionCase):

    def test_template_holds_every_translatable_term_of_the_module(self):
        """ The shipped `.pot` (translated in full in `ar.po`, see tests_standalone/test_i18n.py)
        holds every term Odoo extracts from the module's code, views and data: regenerate it with
        `--i18n-export` (README) after adding a user-facing string. """
        pot = polib.pofile(file_path('payment_aps_tamara/i18n/payment_aps_tamara.pot'))
        extracted = {
            source for module, _type, _name, _res_id, source, _value, _comments
            in TranslationModuleReader(self.env.cr, modules=['payment_aps_tamara'])
            if module == 'payment_aps_tamara'
        }
        self.assertFalse(extracted - {entry.msgid for entry in pot}, "terms missing from the .pot")
