# Part of payment_aps_tamara. See LICENSE file for full copyright and licensing details.

from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.payment_aps_tamara import const
from odoo.addons.payment_aps_tamara.aps import signing


class PaymentProvider(models.Model):
    """ After the payment: the capture and reconciliation settings, and the notification health
    (what arrived from APS, which payments wait too long or got no notification). """
    _inherit = 'payment.provider'

    # After the payment: capture, reconciliation.
    aps_tamara_capture_immediately = fields.Boolean(
        string="Capture Immediately",
        help="Capture at once the Tamara payments that APS only authorizes (accounts set to "
             "deferred capture). Turn it off to capture or void them yourself from Odoo.",
        default=True,
    )
    aps_tamara_check_after = fields.Integer(
        string="Check Status After (minutes)",
        help="Ask APS about a Tamara payment still without final answer after this delay.",
        default=const.DEFAULT_CHECK_AFTER_MINUTES,
    )
    aps_tamara_abandon_after = fields.Integer(
        string="Cancel Abandoned After (hours)",
        help="Cancel a Tamara payment whose shopper left Tamara's page without paying, after this "
             "delay. A payment APS reports as paid is never canceled.",
        default=const.DEFAULT_ABANDON_AFTER_HOURS,
    )
    aps_tamara_authorized_alert_after = fields.Integer(
        string="Show Authorized Payments After (days)",
        help="Authorized payments not captured after this delay are listed under 'Authorized "
             "Tamara payments to capture' and get an activity on their order.",
        default=const.DEFAULT_AUTHORIZED_ALERT_DAYS,
    )

    aps_tamara_last_notification_at = fields.Datetime(
        string="Last Valid Notification", compute='_compute_aps_tamara_health',
    )
    aps_tamara_accepted_count = fields.Integer(
        string="Accepted Notifications", compute='_compute_aps_tamara_health',
        help="Notifications accepted over the last 30 days.",
    )
    aps_tamara_forged_count = fields.Integer(
        string="Notifications With Invalid Signature", compute='_compute_aps_tamara_health',
        help="Notifications refused over the last 30 days because of a missing or invalid "
             "signature: forged, or signed with other SHA phrases.",
    )
    aps_tamara_unknown_count = fields.Integer(
        string="Notifications for Unknown References", compute='_compute_aps_tamara_health',
        help="Notifications over the last 30 days about a reference Odoo does not know, signed "
             "with this provider's SHA response phrase. Unsigned ones, which anyone can send, are "
             "counted apart.",
    )
    aps_tamara_unattributed_count = fields.Integer(
        string="Unsigned Messages (All Providers)", compute='_compute_aps_tamara_health',
        help="Refused notifications over the last 30 days that no Tamara provider signed (unknown "
             "references, invalid signatures, malformed bodies): anyone can send them. At most "
             "100 an hour are recorded.",
    )
    aps_tamara_stuck_count = fields.Integer(
        string="Payments Waiting Too Long", compute='_compute_aps_tamara_health',
        help="Tamara payments still pending after the status check delay, or authorized after "
             "the delay to show authorized payments.",
    )
    aps_tamara_unnotified_count = fields.Integer(
        string="Payments Without Notification", compute='_compute_aps_tamara_health',
        help="Recent Tamara payments that APS answered about without any notification reaching "
             "Odoo.",
    )
    aps_tamara_health_warning = fields.Char(
        string="Notification Warning", compute='_compute_aps_tamara_health'
    )

    # === COMPUTE METHODS === #

    def _compute_aps_tamara_health(self):
        """ Compute the notification health from the record of received messages. """
        log_model = self.env['payment.aps_tamara.log'].sudo()
        since = fields.Datetime.now() - timedelta(days=const.HEALTH_WINDOW_DAYS)
        unattributed_count = log_model.search_count([
            ('provider_id', '=', False), ('channel', '=', 'webhook'),
            ('state', 'in', const.REFUSED_LOG_STATES), ('create_date', '>=', since),
        ])
        for provider in self:
            if provider.code != const.PROVIDER_CODE or not provider.id:
                provider.update({
                    'aps_tamara_last_notification_at': False,
                    'aps_tamara_accepted_count': 0, 'aps_tamara_forged_count': 0,
                    'aps_tamara_unknown_count': 0, 'aps_tamara_unattributed_count': 0,
                    'aps_tamara_stuck_count': 0,
                    'aps_tamara_unnotified_count': 0, 'aps_tamara_health_warning': False,
                })
                continue
            counts = dict(log_model._read_group(
                [('provider_id', '=', provider.id), ('channel', '=', 'webhook'),
                 ('create_date', '>=', since)],
                groupby=['state'], aggregates=['__count'],
            ))
            last = log_model.search([
                ('provider_id', '=', provider.id), ('channel', '=', 'webhook'),
                ('state', '=', 'accepted'),
            ], order='id desc', limit=1)
            tx_model = self.env['payment.transaction'].sudo()
            stuck_count = tx_model.search_count(provider._aps_tamara_get_stuck_domain())
            unnotified_count = tx_model.search_count(provider._aps_tamara_get_unnotified_domain())
            warning = False
            if unnotified_count:
                warning = _(
                    "%(count)s Tamara payments got their answer from Amazon Payment Services "
                    "without any notification reaching Odoo. Check the Notification URLs in the "
                    "APS back office (Integration Settings > Technical Settings): they must be "
                    "%(url)s, reachable from the internet.",
                    count=unnotified_count, url=provider.aps_tamara_webhook_url,
                )
            provider.update({
                'aps_tamara_last_notification_at': last.create_date,
                'aps_tamara_accepted_count': counts.get('accepted', 0),
                'aps_tamara_forged_count': counts.get('forged', 0),
                'aps_tamara_unknown_count': counts.get('unknown', 0),
                'aps_tamara_unattributed_count': unattributed_count,
                'aps_tamara_stuck_count': stuck_count,
                'aps_tamara_unnotified_count': unnotified_count,
                'aps_tamara_health_warning': warning,
            })

    @api.model
    def _aps_tamara_find_signing_provider(self, message):
        """ Return the Tamara provider that signed a message about no known transaction, to count
        it in the provider's health; nothing for an unsigned one (its `merchant_identifier` proves
        nothing: a flood of guessed references would otherwise bury a real alarm).

        :param dict message: The received message, values as strings.
        :return: The sudoed provider, or an empty recordset.
        :rtype: payment.provider
        """
        provider = self._aps_tamara_find_provider(message)
        identifier = message.get('merchant_identifier')
        for environment in ('test', 'enabled') if provider else ():
            credentials = provider._aps_tamara_get_credentials(environment)
            if credentials['merchant_identifier'] == identifier and signing.is_signature_valid(
                message, credentials['sha_response'], credentials['sha_type']
            ):
                return provider
        return provider.browse()

    def _aps_tamara_get_stuck_domain(self):
        """ Return the domain of the provider's Tamara payments still pending after the check
        delay, or authorized after the alert delay. """
        self.ensure_one()
        pending_before = fields.Datetime.now() - timedelta(
            minutes=max(self.aps_tamara_check_after, 0)
        )
        pending = [
            ('provider_id', '=', self.id), ('operation', '!=', 'refund'),
            ('state', '=', 'pending'), ('last_state_change', '<=', pending_before),
        ]
        authorized = self._aps_tamara_get_old_authorizations_domain()
        # The OR of two lists of conditions, in prefix form (`odoo.osv.expression` is deprecated
        # on 19, and `odoo.fields.Domain` is not on 18).
        return [
            '|', *['&'] * (len(pending) - 1), *pending,
            *['&'] * (len(authorized) - 1), *authorized,
        ]

    def _aps_tamara_get_old_authorizations_domain(self):
        """ Return the domain of the provider's Tamara payments authorized for longer than the
        alert delay: they are to be captured or voided. """
        self.ensure_one()
        authorized_before = fields.Datetime.now() - timedelta(
            days=max(self.aps_tamara_authorized_alert_after, 0)
        )
        return [
            ('provider_id', '=', self.id), ('operation', '!=', 'refund'),
            ('state', '=', 'authorized'), ('last_state_change', '<=', authorized_before),
        ]

    def _aps_tamara_get_unnotified_domain(self):
        """ Return the domain of the provider's recent payments that APS answered about (by the
        shopper's return or a status check) without any notification arriving since. """
        self.ensure_one()
        now = fields.Datetime.now()
        return [
            ('provider_id', '=', self.id), ('operation', '!=', 'refund'),
            ('aps_tamara_response_code', '!=', False),
            ('last_state_change', '>=', now - timedelta(days=const.HEALTH_WINDOW_DAYS)),
            ('last_state_change', '<=', now - timedelta(minutes=const.NOTIFICATION_GRACE_MINUTES)),
            ('aps_tamara_log_ids', 'not any', [
                ('channel', '=', 'webhook'), ('state', '=', 'accepted'),
            ]),
        ]

    def action_aps_tamara_view_payments(self):
        """ Open the provider's Tamara payments to act on: `self.env.context['aps_tamara_list']`
        is 'stuck' (pending or authorized for too long) or 'unnotified' (no notification). """
        self.ensure_one()
        unnotified = self.env.context.get('aps_tamara_list') == 'unnotified'
        domain = self._aps_tamara_get_unnotified_domain() if unnotified \
            else self._aps_tamara_get_stuck_domain()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Tamara payments without notification") if unnotified
            else _("Tamara payments waiting for too long"),
            'res_model': 'payment.transaction',
            'view_mode': 'list,form',
            'domain': domain,
            'context': {'create': False},
        }

    def action_aps_tamara_view_messages(self):
        """ Open the messages exchanged with APS by the provider. """
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Messages exchanged with Amazon Payment Services"),
            'res_model': 'payment.aps_tamara.log',
            'view_mode': 'list,form',
            'domain': [('provider_id', '=', self.id)],
            'context': {'create': False},
        }
