-- wipe the APS credentials of the Tamara provider (production and sandbox sets)
UPDATE payment_provider
   SET aps_tamara_merchant_identifier = NULL,
       aps_tamara_access_code = NULL,
       aps_tamara_sha_request = NULL,
       aps_tamara_sha_response = NULL,
       aps_tamara_merchant_identifier_test = NULL,
       aps_tamara_access_code_test = NULL,
       aps_tamara_sha_request_test = NULL,
       aps_tamara_sha_response_test = NULL,
       aps_tamara_sandbox_url = NULL;

-- forget the messages exchanged with APS (references, amounts and codes of real payments)
DELETE FROM payment_aps_tamara_log;
