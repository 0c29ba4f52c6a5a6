import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_date

from .account_move_insurance import RUNNING_STATES
from .collection_guard import as_module
from .collection_insurance_policy import DEADLINES
from .collection_receivable import COLLECTED_MOVE_TYPES

_logger = logging.getLogger(__name__)


class CollectionInsuranceAlert(models.Model):
    """That an alert was given: one row per invoice, deadline, date and
    reader (collector or manager), unique, so that running the scheduled
    action twice, or two at once, alerts once. Also keeps the stop-delivery
    holds given, so that a customer released is not held again for the same
    invoice and date."""

    _name = "collection.insurance.alert"
    _description = "Credit Insurance Alert Given"
    _order = "id desc"

    company_id = fields.Many2one(comodel_name="res.company", required=True)
    move_id = fields.Many2one(
        comodel_name="account.move", required=True, ondelete="cascade"
    )
    kind = fields.Selection(
        selection=[*DEADLINES, ("hold", "Credit hold")], required=True
    )
    deadline = fields.Date(required=True)
    for_manager = fields.Boolean()

    _sql_constraints = [
        (
            "alert_uniq",
            "unique(move_id, kind, deadline, for_manager)",
            "This alert was given already.",
        )
    ]

    # ------------------------------------------------------------
    # THE DAILY SCHEDULED ACTION
    # ------------------------------------------------------------

    @api.model
    def _cron_insurance(self):
        """Daily, one company a transaction (the scheduled action calls again
        while companies are left): refresh the insured invoices' deadlines,
        tell who must act before each deadline, hold the customers at their
        stop-delivery date, and raise the covers lost. Returns the companies
        left for today."""
        today = self.env["collection.receivable"]._get_today()
        policies = self.env["collection.insurance.policy"].search(
            [
                "|",
                ("last_alert_date", "=", False),
                ("last_alert_date", "<", today),
            ]
        )
        if not policies:
            return 0
        company = policies.company_id.sorted("id")[0]
        company_policies = policies.filtered(lambda p: p.company_id == company)
        try:
            with self.env.cr.savepoint():
                self.with_company(company)._run_company(company, today)
        except Exception as error:
            _logger.exception("Credit insurance alerts failed for %s", company.name)
            for policy in company_policies:
                policy.message_post(
                    body=_(
                        "The daily credit insurance alerts failed: %(error)s",
                        error=str(error) or error.__class__.__name__,
                    )
                )
        as_module(company_policies).write({"last_alert_date": today})
        left = len(policies.company_id) - 1
        self.env["ir.cron"]._notify_progress(done=1, remaining=left)
        return left

    @api.model
    def _run_company(self, company, today):
        Move = self.env["account.move"]
        lapsed = Move._insurance_refresh_where(
            SQL("move.company_id = %s", company.id), today
        )
        self._alert_lapsed(Move.browse(lapsed))
        self._alert_deadlines(company, today)
        self._hold_at_stop_delivery(company, today)

    def _insert(self, rows_sql):
        """Record the alerts `rows_sql` selects (company_id, move_id, kind,
        deadline, for_manager), but the ones given already; returns the new
        ones."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO collection_insurance_alert
                       (company_id, move_id, kind, deadline, for_manager,
                        create_uid, create_date, write_uid, write_date)
                SELECT alert.company_id, alert.move_id, alert.kind, alert.deadline,
                       alert.for_manager, %(uid)s, NOW() AT TIME ZONE 'UTC',
                       %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM (%(rows)s) alert
                ON CONFLICT (move_id, kind, deadline, for_manager) DO NOTHING
             RETURNING move_id, kind, deadline, for_manager
                """,
                uid=self.env.uid,
                rows=rows_sql,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _alert_deadlines(self, company, today):
        """An activity on the invoice for its customer's collector from the
        policy's alert lead time before each deadline, and one for the
        manager from the manager's lead time: once per invoice, deadline and
        reader."""
        kinds = SQL(
            """
            SELECT move.id AS move_id, kind.kind, kind.deadline, kind.pending,
                   policy.alert_days, policy.manager_alert_days
              FROM account_move move
              JOIN collection_insurance_policy policy
                   ON policy.id = move.insurance_policy_id
              CROSS JOIN LATERAL (VALUES %(deadlines)s)
                   AS kind(kind, deadline, pending)
             WHERE move.company_id = %(company_id)s
               AND move.state = 'posted'
               AND move.move_type IN %(move_types)s
               AND move.amount_residual > 0
               AND kind.deadline IS NOT NULL
               AND kind.pending
            """,
            deadlines=self.env["account.move"]._get_insurance_deadlines_sql(),
            company_id=company.id,
            move_types=COLLECTED_MOVE_TYPES,
        )
        new = self._insert(
            SQL(
                """
                SELECT %(company_id)s AS company_id, move_id, kind, deadline,
                       FALSE AS for_manager
                  FROM (%(kinds)s) due
                 WHERE due.deadline - due.alert_days <= %(today)s
                UNION ALL
                SELECT %(company_id)s, move_id, kind, deadline, TRUE
                  FROM (%(kinds)s) due
                 WHERE due.deadline - due.manager_alert_days <= %(today)s
                """,
                company_id=company.id,
                kinds=kinds,
                today=today,
            )
        )
        if new:
            self._schedule_activities(company, new, today)

    @api.model
    def _schedule_activities(self, company, alerts, today):
        """The activities of the new alerts, created at once; should that
        fail, one by one, and the alerts that failed are given again the next
        day."""
        Move = self.env["account.move"].with_company(company)
        moves = Move.browse({move_id for move_id, *_rest in alerts})
        moves.fetch(["name", "commercial_partner_id", "insurance_policy_id"])
        collectors = {
            partner.id: partner.collection_user_id
            for partner in moves.commercial_partner_id.with_company(company)
        }
        managers = {
            policy.id: policy._get_managers() for policy in moves.insurance_policy_id
        }
        model_id = self.env["ir.model"]._get_id("account.move")
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        fallback = self.env.ref("base.user_admin")
        values = []
        for move_id, kind, deadline, for_manager in alerts:
            move = Move.browse(move_id)
            policy = move.insurance_policy_id
            users = (
                managers[policy.id]
                if for_manager
                else collectors[move.commercial_partner_id.id]
            ) or fallback
            missed = deadline < today
            for user in users:
                in_lang = self.with_context(lang=user.lang or self.env.lang)
                labels = dict(
                    in_lang._fields["kind"]._description_selection(in_lang.env)
                )
                summary = in_lang.env._(
                    "%(deadline)s: %(date)s (%(policy)s)",
                    deadline=labels[kind],
                    date=format_date(in_lang.env, deadline),
                    policy=policy.name,
                )
                if missed:
                    summary = in_lang.env._("Missed: %(summary)s", summary=summary)
                values.append(
                    {
                        "res_model_id": model_id,
                        "res_id": move_id,
                        "activity_type_id": activity_type.id,
                        "summary": summary,
                        "note": in_lang._get_alert_note(kind, move),
                        "date_deadline": deadline if not missed else today,
                        "user_id": user.id,
                        "_alert": (move_id, kind, deadline, for_manager),
                    }
                )
        Activity = as_module(self.env["mail.activity"])
        try:
            with self.env.cr.savepoint():
                Activity._collection_create([self._without_key(v) for v in values])
            return
        except Exception:
            _logger.exception("Insurance alerts: batch failed, one by one")
        for vals in values:
            try:
                with self.env.cr.savepoint():
                    Activity._collection_create([self._without_key(vals)])
            except Exception as error:  # noqa: BLE001 - the others go on
                move_id, kind, deadline, for_manager = vals["_alert"]
                self.search(
                    [
                        ("move_id", "=", move_id),
                        ("kind", "=", kind),
                        ("deadline", "=", deadline),
                        ("for_manager", "=", for_manager),
                    ]
                ).unlink()
                _logger.warning(
                    "Insurance alert on move %s not given: %s", move_id, error
                )

    @staticmethod
    def _without_key(vals):
        return {key: value for key, value in vals.items() if key != "_alert"}

    def _get_alert_note(self, kind, move):
        amount = move.currency_id.format(move.amount_residual)
        return {
            "notify": _(
                "Notify the insurer of %(invoice)s (%(amount)s open) with Declare "
                "to Insurer: past this date, the cover lapses.",
                invoice=move.name,
                amount=amount,
            ),
            "extension": _(
                "The maximum extension period of %(invoice)s ends: a later payment "
                "date needs the insurer's agreement.",
                invoice=move.name,
            ),
            "stop": _(
                "Stop deliveries to %(customer)s: %(invoice)s reaches the policy's "
                "stop-delivery date.",
                customer=move.commercial_partner_id.name,
                invoice=move.name,
            ),
            "claim": _(
                "File the claim for %(invoice)s (%(amount)s open) with Declare to "
                "Insurer.",
                invoice=move.name,
                amount=amount,
            ),
        }[kind]

    @api.model
    def _alert_lapsed(self, moves):
        """Covers lost: one message on each policy listing its invoices, and
        an activity for each of its managers, whatever their number."""
        for policy, lapsed in moves.sudo().grouped("insurance_policy_id").items():
            names = ", ".join(lapsed[:50].mapped("name"))
            if len(lapsed) > 50:
                names += _(" and %(count)s more", count=len(lapsed) - 50)
            amount = policy.company_id.currency_id.format(
                sum(lapsed.mapped("amount_residual_signed"))
            )
            policy.message_post(
                body=_(
                    "Cover LOST on %(count)s invoice(s), %(amount)s open: their "
                    "notification deadline passed without a notification. "
                    "%(invoices)s",
                    count=len(lapsed),
                    amount=amount,
                    invoices=names,
                ),
                partner_ids=policy._get_managers().partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            for manager in policy._get_managers():
                in_lang = policy.with_context(lang=manager.lang or self.env.lang)
                policy.activity_schedule(
                    act_type_xmlid="mail.mail_activity_data_todo",
                    summary=in_lang.env._(
                        "Credit insurance cover lost on %(count)s invoice(s) "
                        "(%(amount)s)",
                        count=len(lapsed),
                        amount=amount,
                    ),
                    note=names,
                    user_id=manager.id,
                )

    @api.model
    def _hold_at_stop_delivery(self, company, today):
        """Customers whose oldest unpaid insured invoice reaches its policy's
        stop-delivery date are put on hold in the policy's name, once per
        invoice and date: a customer a manager releases stays released."""
        new = self._insert(
            SQL(
                """
                SELECT DISTINCT ON (move.commercial_partner_id)
                       move.company_id, move.id AS move_id, 'hold' AS kind,
                       move.insurance_stop_date AS deadline, FALSE AS for_manager
                  FROM account_move move
                  JOIN collection_insurance_policy policy
                       ON policy.id = move.insurance_policy_id
                 WHERE move.company_id = %(company_id)s
                   AND move.state = 'posted'
                   AND move.move_type IN %(move_types)s
                   AND move.amount_residual > 0
                   AND move.insurance_state IN %(running)s
                   AND move.insurance_stop_date <= %(today)s
                   AND policy.hold_at_stop_delivery
              ORDER BY move.commercial_partner_id, move.insurance_stop_date, move.id
                """,
                company_id=company.id,
                move_types=COLLECTED_MOVE_TYPES,
                running=RUNNING_STATES,
                today=today,
            )
        )
        # the reason is read on the customer, in the company's language
        in_lang = self.with_context(lang=company.partner_id.lang or self.env.lang)
        moves = self.env["account.move"].browse(row[0] for row in new)
        requests = defaultdict(list)
        for move in moves.filtered(
            lambda m: (
                not m.commercial_partner_id.with_company(m.company_id).collection_hold
            )
        ):
            policy = move.insurance_policy_id
            requests[policy].append(
                (
                    move.commercial_partner_id,
                    move,
                    in_lang.env._(
                        "Stop-delivery date of %(policy)s reached on %(invoice)s "
                        "(%(date)s).",
                        policy=policy.name,
                        invoice=move.name,
                        date=format_date(in_lang.env, move.insurance_stop_date),
                    ),
                    policy,
                )
            )
        Decision = self.env["collection.decision"]
        for policy, policy_requests in requests.items():
            Decision.with_company(company)._request_by_company(
                "hold", policy_requests, insurance_policy=policy
            )
