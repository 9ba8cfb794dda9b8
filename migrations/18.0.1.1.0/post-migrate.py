# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""The credentials became two sets: production (the former fields) and sandbox (new `_test`
fields, used in test mode). A provider in test mode keeps working: its credentials are copied to
the sandbox set."""


def migrate(cr, version):
    cr.execute("""
        UPDATE payment_provider
           SET aps_tamara_merchant_identifier_test = aps_tamara_merchant_identifier,
               aps_tamara_access_code_test = aps_tamara_access_code,
               aps_tamara_sha_request_test = aps_tamara_sha_request,
               aps_tamara_sha_response_test = aps_tamara_sha_response,
               aps_tamara_sha_type_test = aps_tamara_sha_type
         WHERE code = 'aps_tamara' AND state = 'test'
           AND aps_tamara_merchant_identifier_test IS NULL
    """)
