from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date, formatLang

from .collection_insurance_policy import DEADLINES

GRADE_SELECTION = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]
# The figures the daily computation writes, in the order of its query.
FIGURES = [
    "collector_id",
    "salesperson_id",
    "paid_90",
    "days_late_90",
    "index_90",
    "paid_365",
    "days_late_365",
    "index_365",
    "grade",
    "partial_share",
    "late_streak_broken",
    "broken_promises",
    "open_disputes",
    "disputed_amount",
    "open_amount",
    "open_amount_before",
    "credit_limit",
    "overdue_amount",
    "overdue_days",
    "oldest_overdue_days",
    "expected_loss",
    "next_deadline",
    "next_deadline_kind",
]


class CollectionCustomerScore(models.Model):
    """A customer's payment behaviour in a company, as the daily scheduled
    action computes it from the receivable book (docs/payment-behaviour.md):
    how late it pays (the last 90 days, the last 12 months), its payment
    index and grade, what it owes and what may be lost, and the worklist's
    reasons. Written by the module only; a salesperson reads their own
    customers'."""

    _name = "collection.customer.score"
    _inherit = ["collection.guard.mixin"]
    _description = "Customer Payment Behaviour"
    _order = "expected_loss desc, overdue_amount desc, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="Computed On", readonly=True)
    collector_id = fields.Many2one(
        comodel_name="res.users", string="Collector", readonly=True, index=True
    )
    salesperson_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", readonly=True
    )
    paid_90 = fields.Monetary(string="Paid (90 Days)", readonly=True)
    days_late_90 = fields.Float(
        string="Days Late (90 Days)",
        digits=(16, 1),
        readonly=True,
        help="Amount-weighted average days late of the payments of the last 90 "
        "days; negative: early.",
    )
    index_90 = fields.Integer(string="Index (90 Days)", readonly=True)
    paid_365 = fields.Monetary(string="Paid (12 Months)", readonly=True)
    days_late_365 = fields.Float(
        string="Days Late (12 Months)", digits=(16, 1), readonly=True
    )
    index_365 = fields.Integer(
        string="Payment Index",
        readonly=True,
        help="100 paid 20 days early, 80 on time, 50 at 30 days late, 20 at 120 "
        "days or later: the amount-weighted average of the last 12 months.",
    )
    grade = fields.Selection(
        selection=GRADE_SELECTION,
        readonly=True,
        help="A from an index of 75, B from 55, C from 35, D below; none without "
        "a payment in 12 months.",
    )
    previous_grade = fields.Selection(selection=GRADE_SELECTION, readonly=True)
    partial_share = fields.Float(
        string="Partial Payments (%)",
        digits=(16, 1),
        readonly=True,
        help="Share of the payments of 12 months that paid an installment in part.",
    )
    late_streak_broken = fields.Integer(
        readonly=True,
        help="The late payment, since the last computation, that ended a run of "
        "on-time payments (its reconciliation): 0 when none.",
    )
    broken_promises = fields.Integer(
        string="Broken Promises", readonly=True, help="Broken in the last 12 months."
    )
    open_disputes = fields.Integer(string="Open Disputes", readonly=True)
    disputed_amount = fields.Monetary(readonly=True)
    open_amount = fields.Monetary(string="Open Amount", readonly=True)
    open_amount_before = fields.Monetary(
        string="Open Amount 30 Days Ago", readonly=True
    )
    credit_limit = fields.Monetary(
        readonly=True, help="The customer's credit limit, else its insured limit."
    )
    overdue_amount = fields.Monetary(
        string="Overdue", readonly=True, help="Overdue and not disputed."
    )
    overdue_days = fields.Integer(
        string="Days Overdue",
        readonly=True,
        help="Amount-weighted average days overdue of the overdue items not "
        "disputed, today.",
    )
    oldest_overdue_days = fields.Integer(string="Oldest Overdue (Days)", readonly=True)
    expected_loss = fields.Monetary(
        readonly=True,
        help="Each open item not disputed times the probability that it is never "
        "paid, from the grade and its age.",
    )
    risk_rate = fields.Float(
        string="Risk (%)",
        digits=(16, 1),
        compute="_compute_risk_rate",
        help="Expected loss over the open amount not disputed.",
    )
    next_deadline = fields.Date(
        string="Insurance Deadline",
        readonly=True,
        help="The next deadline of the customer's insured invoices whose step is "
        "still to take.",
    )
    next_deadline_kind = fields.Selection(selection=DEADLINES, readonly=True)
    drifting = fields.Boolean(
        readonly=True,
        help="The 90-day average is later than the 12-month one by the company's "
        "margin or more.",
    )
    drift_since = fields.Date(readonly=True)
    reasons = fields.Char(compute="_compute_reasons")

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE (partner_id, company_id)",
            "A customer has one payment behaviour per company.",
        )
    ]

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("expected_loss", "open_amount", "disputed_amount")
    def _compute_risk_rate(self):
        for score in self:
            exposed = score.open_amount - score.disputed_amount
            score.risk_rate = exposed > 0 and score.expected_loss / exposed * 100

    @api.depends_context("lang")
    @api.depends("overdue_amount", "overdue_days", "broken_promises", "next_deadline")
    def _compute_reasons(self):
        today = self.env["collection.receivable"]._get_today()
        for score in self:
            score.reasons = ", ".join(score._get_reasons(today))

    def _get_reasons(self, today):
        """Why to call this customer, in words and in the reader's language:
        ["14,200.00 EUR overdue", "62 days", "2 broken promises",
        "insurance notification due in 4 days", ...]."""
        self.ensure_one()
        reasons = []
        currency = self.currency_id
        if self.overdue_amount:
            reasons.append(
                _(
                    "%(amount)s overdue",
                    amount=format_amount(self.env, self.overdue_amount, currency),
                )
            )
            reasons.append(
                _("%(days)s days", days=self.overdue_days)
                if self.overdue_days != 1
                else _("1 day")
            )
        if self.broken_promises:
            reasons.append(
                _("%(count)s broken promises", count=self.broken_promises)
                if self.broken_promises > 1
                else _("1 broken promise")
            )
        if self.next_deadline:
            field = self._fields["next_deadline_kind"]
            deadline = dict(field._description_selection(self.env)).get(
                self.next_deadline_kind, ""
            )
            days = (self.next_deadline - today).days
            if days > 1:
                text = _(
                    "%(deadline)s due in %(days)s days", deadline=deadline, days=days
                )
            elif days == 1:
                text = _("%(deadline)s due tomorrow", deadline=deadline)
            elif days == 0:
                text = _("%(deadline)s due today", deadline=deadline)
            else:
                text = _(
                    "%(deadline)s missed on %(date)s",
                    deadline=deadline,
                    date=format_date(self.env, self.next_deadline),
                )
            reasons.append(text)
        if self.open_disputes:
            amount = format_amount(self.env, self.disputed_amount, currency)
            reasons.append(
                _(
                    "%(count)s open disputes (%(amount)s)",
                    count=self.open_disputes,
                    amount=amount,
                )
                if self.open_disputes > 1
                else _("1 open dispute (%(amount)s)", amount=amount)
            )
        if self.grade and self.previous_grade and self.grade > self.previous_grade:
            reasons.append(
                _("grade %(old)s to %(new)s", old=self.previous_grade, new=self.grade)
            )
        if self.drifting:
            reasons.append(
                _(
                    "paying later: %(recent)s days late over 90 days against "
                    "%(year)s over 12 months",
                    recent=formatLang(self.env, self.days_late_90, digits=1),
                    year=formatLang(self.env, self.days_late_365, digits=1),
                )
            )
        if self.credit_limit and self.open_amount > self.credit_limit:
            reasons.append(
                _(
                    "%(amount)s over its limit",
                    amount=format_amount(
                        self.env, self.open_amount - self.credit_limit, currency
                    ),
                )
            )
        return reasons

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # THE DAILY COMPUTATION
    # ------------------------------------------------------------

    @api.model
    def _cron_compute(self):
        """Daily, one company a transaction (the scheduled action calls again
        while companies are left): every customer's payment behaviour, then
        the early-warning alerts. Returns the companies left."""
        companies = self.env["res.company"].search([])
        todo = companies.filtered(
            lambda c: (
                not self.search_count(
                    [
                        ("company_id", "=", c.id),
                        ("date", "=", self.env["collection.receivable"]._get_today(c)),
                    ],
                    limit=1,
                )
            )
        )
        if not todo:
            return 0
        company = todo.sorted("id")[0]
        self.with_company(company)._compute_company(company)
        left = len(todo) - 1
        self.env["ir.cron"]._notify_progress(done=1, remaining=left)
        return left

    @api.model
    def _compute_all(self):
        """Every company's, at once (the demo, a manager's refresh)."""
        for company in self.env["res.company"].search([]):
            self.with_company(company)._compute_company(company)

    @api.model
    def _compute_company(self, company):
        """Every customer's figures in `company` in one statement (an upsert
        of the figures the receivable book gives), then the alerts of what
        changed."""
        today = self.env["collection.receivable"]._get_today(company)
        self.env.flush_all()
        previous_run = self.search(
            [("company_id", "=", company.id)], order="date desc", limit=1
        ).date or (today - timedelta(days=1))
        self.env.cr.execute(
            SQL(
                """
                WITH figures AS (%(figures)s),
                upserted AS (
                    INSERT INTO collection_customer_score AS score (
                        partner_id, company_id, date, %(columns)s, drifting,
                        drift_since, create_uid, create_date, write_uid, write_date)
                    SELECT partner_id, %(company)s, %(today)s, %(columns)s,
                           drifting, CASE WHEN drifting THEN %(today)s END,
                           %(uid)s, NOW() AT TIME ZONE 'UTC',
                           %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM (
                        SELECT *,
                               paid_90 > 0
                               AND days_late_90 - days_late_365 >= %(margin)s
                                   AS drifting
                          FROM figures
                      ) figures
                    ON CONFLICT (partner_id, company_id) DO UPDATE SET
                        date = EXCLUDED.date,
                        %(updates)s,
                        previous_grade = CASE WHEN score.date < EXCLUDED.date
                                              THEN score.grade
                                              ELSE score.previous_grade END,
                        drifting = EXCLUDED.drifting,
                        drift_since = CASE WHEN EXCLUDED.drifting
                                           THEN COALESCE(score.drift_since,
                                                         EXCLUDED.date) END,
                        write_uid = EXCLUDED.write_uid,
                        write_date = EXCLUDED.write_date
                    RETURNING score.id
                )
                DELETE FROM collection_customer_score
                 WHERE company_id = %(company)s
                   AND id NOT IN (SELECT id FROM upserted)
                """,
                figures=self._get_figures_sql(company, today, previous_run),
                columns=SQL(", ").join(SQL.identifier(name) for name in FIGURES),
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(name), SQL.identifier(name))
                    for name in FIGURES
                ),
                company=company.id,
                today=today,
                margin=company.collection_drift_margin,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()
        scores = self.search([("company_id", "=", company.id)])
        self.env["collection.score.alert"]._raise_alerts(scores, previous_run, today)
