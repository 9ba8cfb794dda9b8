# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

import logging
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_aps_tamara.aps import signing
from odoo.addons.payment_aps_tamara.controllers.main import APSTamaraController
from odoo.addons.payment_aps_tamara.tests.common import (
    CONTROLLER_LOGGER,
    PAYMENT_TX_LOGGER,
    TAMARA_TX_LOGGERS,
    APSTamaraCommon,
    row_locks,
)


@tagged('post_install', '-at_install')
class TestProcessingFlows(APSTamaraCommon):

    def setUp(self):
        super().setUp()
        self.return_url = self._build_url(APSTamaraController._return_url)
        self.webhook_url = self._build_url(APSTamaraController._webhook_url)

    def _post_return(self, data):
        return self._make_http_post_request(self.return_url, data=data)

    def _assert_untouched(self, tx, order):
        self.assertEqual(tx.state, 'draft')
        self.assertFalse(tx.provider_reference)
        self.assertIn(order.state, ('draft', 'sent'))

    # === RETURN === #

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_signed_success_on_return_confirms_the_order(self):
        tx = self._create_order_transaction()
        order = tx.sale_order_ids

        response = self._post_return(self._aps_answer(tx))

        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith('/payment/status'))
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.provider_reference, '169996210006464984')
        self.assertEqual(tx.aps_tamara_response_code, '14000')
        tx._post_process()
        self.assertEqual(order.state, 'sale')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_return_by_get_is_accepted_and_its_access_code_not_logged(self):
        tx = self._create_order_transaction()
        records = []
        handler = logging.Handler(level=logging.INFO)
        handler.emit = lambda record: records.append(record.getMessage())
        access_logger = logging.getLogger('werkzeug')
        access_logger.addHandler(handler)
        try:
            response = self._make_http_get_request(self.return_url, params=self._aps_answer(tx))
        finally:
            access_logger.removeHandler(handler)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, 'done')
        access_lines = [line for line in records if '/payment/aps_tamara/return?' in line]
        self.assertTrue(access_lines, "The access log must show the return.")
        self.assertIn('access_code=***', access_lines[0])
        self.assertNotIn(self.provider.aps_tamara_access_code_test, '\n'.join(records))

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_forged_or_unsigned_return_changes_nothing(self):
        tx = self._create_order_transaction()
        order = tx.sale_order_ids
        forged = self._aps_answer(tx)
        forged['signature'] = forged['signature'][::-1]
        unsigned = dict(self._aps_answer(tx))
        del unsigned['signature']
        tampered = self._aps_answer(tx)
        tampered['status'] = '14' if tampered['status'] != '14' else '13'

        for data in (forged, unsigned, tampered):
            with self.subTest(signature=data.get('signature')):
                response = self._post_return(data)
                self.assertEqual(response.status_code, 403)
                self._assert_untouched(tx, order)

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_signature_made_with_another_sha_type_is_refused(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        answer['signature'] = signing.calculate_signature(answer, self.sha_response, 'sha512')
        self.assertEqual(self._post_return(answer).status_code, 403)
        self.provider.aps_tamara_sha_type_test = 'sha512'
        self.assertEqual(self._post_return(answer).status_code, 200)
        self.assertEqual(tx.state, 'done')

    @mute_logger(*TAMARA_TX_LOGGERS, PAYMENT_TX_LOGGER)
    def test_signed_answer_for_another_amount_or_currency_does_not_pay(self):
        for index, overrides in enumerate(({'amount': '100'}, {'currency': 'AED'})):
            with self.subTest(**overrides):
                tx = self._create_order_transaction(reference=f'S-AMOUNT-{index}')
                response = self._post_return(self._aps_answer(tx, **overrides))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(tx.state, 'error')
                tx._post_process()
                self.assertIn(tx.sale_order_ids.state, ('draft', 'sent'))

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_convenience_fee_is_part_of_the_confirmed_amount(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        tx.aps_tamara_convenience_fee = 500
        answer['amount'] = str(int(answer['amount']) + 500)
        answer['signature'] = signing.calculate_signature(answer, self.sha_response, 'sha256')
        self._post_return(answer)
        self.assertEqual(tx.state, 'done')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_customer_cancel_cancels_the_transaction(self):
        tx = self._create_order_transaction()
        self._post_return(self._aps_answer(
            tx, status='00', response_code='00072',
            response_message='Transaction has been cancelled by the consumer',
        ))
        self.assertEqual(tx.state, 'cancel')
        self.assertEqual(tx.state_message, "You canceled the payment on Tamara's page.")
        self.assertEqual(
            tx.aps_tamara_response_message, 'Transaction has been cancelled by the consumer'
        )

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_decline_shows_the_shoppers_message(self):
        tx = self._create_order_transaction()
        self._post_return(self._aps_answer(
            tx, status='13', response_code='13666', response_message='Transaction declined',
        ))
        self.assertEqual(tx.state, 'error')
        self.assertEqual(tx.state_message, "Tamara declined the payment.")
        self.assertEqual(tx.aps_tamara_response_message, 'Transaction declined')

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_unknown_refusal_code_shows_aps_text_as_a_detail(self):
        tx = self._create_order_transaction()
        self._post_return(self._aps_answer(
            tx, status='00', response_code='00017', response_message='Invalid expiry date',
        ))
        self.assertEqual(tx.state, 'error')
        self.assertEqual(
            tx.state_message, "The payment was refused (Invalid expiry date, 00017)."
        )

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_authorization_confirms_the_order(self):
        self.provider.aps_tamara_capture_immediately = False  # The merchant captures later.
        tx = self._create_order_transaction()
        self._post_return(self._aps_answer(tx, status='02', response_code='02000'))
        self.assertEqual(tx.state, 'authorized')
        tx._post_process()
        self.assertEqual(tx.sale_order_ids.state, 'sale')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_pending_and_on_hold_leave_the_order_awaiting_payment(self):
        for index, (status, code) in enumerate((('19', '19000'), ('15', '15777'), ('20', '20064'))):
            with self.subTest(response_code=code):
                tx = self._create_order_transaction(reference=f'S-PENDING-{index}')
                self._post_return(self._aps_answer(tx, status=status, response_code=code))
                self.assertEqual(tx.state, 'pending')
                tx._post_process()
                self.assertIn(tx.sale_order_ids.state, ('draft', 'sent'))

    # === NOTIFICATIONS === #

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_form_encoded_notification_pays(self):
        tx = self._create_order_transaction()
        response = self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, 'done')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_json_notification_pays(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        # JSON notifications may carry numbers; APS signs them as their plain text.
        answer['amount'] = int(answer['amount'])
        answer['status'] = 14
        answer['signature'] = signing.calculate_signature(answer, self.sha_response, 'sha256')
        response = self._make_json_request(self.webhook_url, data=answer)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, 'done')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_same_message_twice_changes_nothing_the_second_time(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        self._make_http_post_request(self.webhook_url, data=answer)
        tx._post_process()
        tx.invalidate_recordset()
        snapshot = tx.read(['state', 'write_date', 'last_state_change', 'is_post_processed'])
        messages = len(tx.sale_order_ids.message_ids)

        for url in (self.webhook_url, self.return_url):
            response = self._make_http_post_request(url, data=answer)
            self.assertEqual(response.status_code, 200)
        tx.invalidate_recordset()
        self.assertEqual(
            tx.read(['state', 'write_date', 'last_state_change', 'is_post_processed']), snapshot
        )
        self.assertEqual(len(tx.sale_order_ids.message_ids), messages)
        self.assertEqual(tx.sale_order_ids.state, 'sale')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_repeated_result_is_recorded_without_going_through_the_framework(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        PaymentTransaction = type(self.env['payment.transaction'])
        # The framework's entry of the running series (`payment_transaction_odoo18/19.py`).
        with patch.object(
            PaymentTransaction, '_aps_tamara_handle_notification', autospec=True,
            side_effect=PaymentTransaction._aps_tamara_handle_notification,
        ) as handle:
            for url in (self.webhook_url, self.webhook_url, self.return_url):
                response = self._make_http_post_request(url, data=answer)
                self.assertEqual(response.status_code, 200)
        self.assertEqual(handle.call_count, 1, "Applied once, then only recorded.")
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.aps_tamara_confirmed_amount, int(answer['amount']))
        self.assertEqual(
            tx.aps_tamara_log_ids.mapped('state'), ['accepted'] * 3,
            "Every delivery is recorded.",
        )
        self.assertEqual(
            tx.aps_tamara_log_ids.mapped('channel'), ['return', 'webhook', 'webhook']
        )

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_repeated_result_is_recorded_without_locking_the_payment(self):
        """ What the database committed shows the result applied: recording it again changes
        nothing, and does not wait for a message about the same payment being applied. """
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        with self._recorded_queries() as first:
            self._make_http_post_request(self.webhook_url, data=answer)
        with self._recorded_queries() as repeated:
            response = self._make_http_post_request(self.webhook_url, data=answer)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(row_locks(first), "Applying a result locks the payment.")
        self.assertEqual(row_locks(repeated), [])
        self.assertEqual(tx.state, 'done')
        self.assertEqual(tx.aps_tamara_log_ids.mapped('state'), ['accepted'] * 2)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_only_an_identical_result_counts_as_already_applied(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        self.assertFalse(tx._aps_tamara_is_already_applied(answer), "Not applied yet.")
        self._make_http_post_request(self.webhook_url, data=answer)
        self.assertTrue(tx._aps_tamara_is_already_applied(answer))
        cases = {
            'other amount': dict(answer, amount=str(int(answer['amount']) + 100)),
            'other currency': dict(answer, currency='AED'),
            'other APS reference': dict(answer, fort_id='169996210000000001'),
            'other response code': dict(answer, response_code='14001'),
            'other payment option': dict(answer, payment_option='TABBY'),
            'other state': dict(answer, status='13', response_code='13666'),
            'an operation': dict(answer, command='REFUND', status='06', response_code='06000'),
            'no status': {k: v for k, v in answer.items() if k != 'status'},
        }
        for name, message in cases.items():
            with self.subTest(name):
                self.assertFalse(tx._aps_tamara_is_already_applied(message))
        self.assertEqual(tx.aps_tamara_confirmed_amount, int(answer['amount']), "Unchanged.")

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_repeated_authorization_is_applied_again(self):
        tx = self._create_order_transaction()
        authorized = self._aps_answer(tx, status='02', response_code='02000')
        self._make_http_post_request(self.webhook_url, data=authorized)
        self.assertEqual(tx.state, 'authorized')
        self.assertFalse(
            tx._aps_tamara_is_already_applied(authorized),
            "Applying an authorization also schedules its capture: never skipped.",
        )

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_final_state_never_goes_back(self):
        tx = self._create_order_transaction()
        pending = self._aps_answer(tx, status='19', response_code='19000')
        declined = self._aps_answer(tx, status='13', response_code='13666')
        self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        self.assertEqual(tx.state, 'done')
        for late in (pending, declined):
            with self.subTest(status=late['status']):
                response = self._make_http_post_request(self.webhook_url, data=late)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(tx.state, 'done')
                self.assertEqual(tx.aps_tamara_response_code, '14000')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_late_success_after_pending_pays(self):
        tx = self._create_order_transaction()
        pending = self._aps_answer(tx, status='19', response_code='19000')
        success = self._aps_answer(tx)
        self._make_http_post_request(self.webhook_url, data=pending)
        self.assertEqual(tx.state, 'pending')
        self._make_http_post_request(self.webhook_url, data=success)
        self.assertEqual(tx.state, 'done')

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_forged_notification_gets_403_and_changes_nothing(self):
        tx = self._create_order_transaction()
        forged = self._aps_answer(tx)
        forged['signature'] = signing.calculate_signature(forged, 'not-the-phrase', 'sha256')
        response = self._make_json_request(self.webhook_url, data=forged)
        self.assertEqual(response.status_code, 403)
        self._assert_untouched(tx, tx.sale_order_ids)

    @mute_logger(CONTROLLER_LOGGER, *TAMARA_TX_LOGGERS)
    def test_malformed_notifications_get_a_4xx_never_a_500(self):
        tx = self._create_order_transaction()
        no_status = self._aps_answer(tx)
        del no_status['status']
        no_status['signature'] = signing.calculate_signature(no_status, self.sha_response, 'sha256')
        unknown = self._aps_answer(tx, merchant_reference='S99999')
        cases = (
            ('not json', {'data': '{"merchant_reference": ', 'headers': {
                'Content-Type': 'application/json'}}, 400),
            ('json list', {'json': [1, 2]}, 400),
            ('no reference', {'data': {'status': '14'}}, 400),
            ('no status', {'data': no_status}, 400),
            ('unknown reference', {'json': unknown}, 404),
        )
        for name, kwargs, expected_status in cases:
            with self.subTest(name):
                response = self.opener.post(self.webhook_url, **kwargs)
                self.assertEqual(response.status_code, expected_status)
        self._assert_untouched(tx, tx.sale_order_ids)

    @mute_logger(CONTROLLER_LOGGER, PAYMENT_TX_LOGGER)
    def test_message_refused_half_way_changes_nothing_and_is_recorded(self):
        tx = self._create_order_transaction()
        PaymentTransaction = type(self.env['payment.transaction'])
        with patch.object(
            PaymentTransaction, '_set_done', autospec=True,
            side_effect=ValidationError("refused after the APS fields were written"),
        ):
            response = self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        self.assertEqual(response.status_code, 400)
        tx.invalidate_recordset()
        self._assert_untouched(tx, tx.sale_order_ids)
        self.assertFalse(tx.aps_tamara_response_code, "The APS fields written are rolled back.")
        self.assertEqual(tx.aps_tamara_log_ids.mapped('state'), ['malformed'])
        self.assertIn("refused after", tx.aps_tamara_log_ids.note)

    @mute_logger(PAYMENT_TX_LOGGER, *TAMARA_TX_LOGGERS)
    def test_refund_notification_leaves_the_payment_alone(self):
        tx = self._create_order_transaction()
        self._make_http_post_request(self.webhook_url, data=self._aps_answer(tx))
        refund = self._aps_answer(tx, command='REFUND', status='06', response_code='06000')
        response = self._make_http_post_request(self.webhook_url, data=refund)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, 'done')

    @mute_logger(PAYMENT_TX_LOGGER)
    def test_order_is_confirmed_once_whatever_arrives_first(self):
        tx = self._create_order_transaction()
        answer = self._aps_answer(tx)
        SaleOrder = type(self.env['sale.order'])
        with patch.object(
            SaleOrder, 'action_confirm', autospec=True, side_effect=SaleOrder.action_confirm
        ) as action_confirm:
            self._make_http_post_request(self.webhook_url, data=answer)
            tx._post_process()
            self._post_return(answer)
            tx._post_process()
        self.assertEqual(tx.sale_order_ids.state, 'sale')
        self.assertEqual(self._confirmations(action_confirm), 1)
