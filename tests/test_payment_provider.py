# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from odoo.exceptions import AccessError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from odoo.addons.payment_aps_tamara.tests.common import APSTamaraCommon

SECRET_FIELDS = (
    'aps_tamara_access_code', 'aps_tamara_sha_request', 'aps_tamara_sha_response',
    'aps_tamara_access_code_test', 'aps_tamara_sha_request_test', 'aps_tamara_sha_response_test',
)


@tagged('post_install', '-at_install')
class TestPaymentProvider(APSTamaraCommon):

    def test_supported_currencies_are_sar_and_aed(self):
        self.assertEqual(
            set(self.provider._get_supported_currencies().mapped('name')), {'SAR', 'AED'}
        )

    def test_tamara_is_offered_in_sar_and_not_in_usd(self):
        self.provider.available_currency_ids = self.provider._get_supported_currencies()
        compatible = self.env['payment.provider']._get_compatible_providers(
            self.company_id, self.partner.id, self.amount, currency_id=self.currency_sar.id
        )
        self.assertIn(self.provider, compatible)
        compatible = self.env['payment.provider']._get_compatible_providers(
            self.company_id, self.partner.id, self.amount, currency_id=self.currency_usd.id
        )
        self.assertNotIn(self.provider, compatible)

    def test_activating_the_provider_activates_the_tamara_method(self):
        provider = self.provider.copy()
        self.payment_method.active = False
        provider.write({
            'state': 'test',
            'aps_tamara_merchant_identifier_test': 'm', 'aps_tamara_access_code_test': 'a',
            'aps_tamara_sha_request_test': 'r', 'aps_tamara_sha_response_test': 's',
        })
        self.assertTrue(self.payment_method.active)

    def test_enabling_without_credentials_is_refused(self):
        provider = self.provider.copy()
        with self.assertRaises(ValidationError):
            provider.write({'state': 'test', 'aps_tamara_sha_response_test': False})

    def test_secrets_are_for_system_administrators_only(self):
        for field_name in SECRET_FIELDS:
            self.assertEqual(self.provider._fields[field_name].groups, 'base.group_system')
        self._prepare_user(self.internal_user, 'base.group_erp_manager')
        provider_as_user = self.provider.with_user(self.internal_user)
        for field_name in SECRET_FIELDS:
            with self.assertRaises(AccessError):
                provider_as_user.read([field_name])

    def test_neutralization_wipes_the_credentials(self):
        queries = get_neutralization_queries(['payment_aps_tamara'])
        for query in queries:
            self.env.cr.execute(query)
        self.provider.invalidate_recordset()
        for field_name in SECRET_FIELDS + (
            'aps_tamara_merchant_identifier', 'aps_tamara_merchant_identifier_test',
        ):
            self.assertFalse(self.provider[field_name], field_name)

    def test_sandbox_override_must_be_an_http_address(self):
        with self.assertRaises(ValidationError):
            self.provider.aps_tamara_sandbox_url = 'file:///etc/passwd'

    def test_widget_provider_cache_follows_created_and_deleted_providers(self):
        website = self.env['website'].get_current_website()

        def widget_provider():
            return self.env['payment.provider']._aps_tamara_get_widget_provider(
                'product', self.env.company, website
            )

        self.provider.state = 'disabled'
        self.assertFalse(widget_provider())  # Cached: none.
        other = self.provider.copy({
            'state': 'test', 'website_id': False,
            'aps_tamara_merchant_identifier_test': 'm', 'aps_tamara_access_code_test': 'a',
            'aps_tamara_sha_request_test': 'r', 'aps_tamara_sha_response_test': 's',
        })
        self.assertEqual(widget_provider(), other)
        other.unlink()
        self.assertFalse(widget_provider())
