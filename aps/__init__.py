# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.
"""The Amazon Payment Services (APS) protocol for Tamara payments, without Odoo.

Nothing in this package imports `odoo`: it is tested on its own (`tests_standalone/`) and could be
reused by any Python code talking to APS.

- `const`: the protocol's facts (endpoints, SHA types, parameter rules, statuses and codes);
- `signing`: the request and response signatures;
- `params`: the parameter rules, checks and cleaning of the PURCHASE request;
- `status`: APS statuses and response codes mapped to payment states;
- `amounts`: amounts in minor units as APS confirms them;
- `client`: the `paymentApi` client on `requests`, with typed errors;
- `callbacks`: the messages received (return, notifications) decoded defensively;
- `redact`: secrets masked in logs, bounded excerpts without personal data.

Reference: https://paymentservices.amazon.com/docs/ (APS API documentation).
"""
