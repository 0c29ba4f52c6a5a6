from odoo import api, fields, models
from odoo.tools import SQL

from .collection_receivable import COLLECTED_MOVE_TYPES

# (key, label, first day overdue, last day overdue); the keys sort as the
# buckets do, for pivots grouped by them
ANALYSIS_BUCKETS = [
    ("0_current", "Not due", None, 0),
    ("1_30", "1-30 days", 1, 30),
    ("31_60", "31-60 days", 31, 60),
    ("61_90", "61-90 days", 61, 90),
    ("91_plus", "Over 90 days", 91, None),
]


class CollectionAnalysis(models.Model):
    """The open receivables, one row per open item (an invoice's installment,
    a credit note or a payment not yet matched), with who follows it and how
    late it is: a view over the receivable book for pivots and graphs, read
    in one query whatever the grouping."""

    _name = "collection.analysis"
    _description = "Collection Analysis"
    _auto = False
    _order = "days_overdue desc, id"
    _rec_name = "move_id"
    _depends = {
        "account.move.line": [
            "amount_residual",
            "reconciled",
            "date_maturity",
            "date",
            "partner_id",
            "parent_state",
            "account_id",
            "company_id",
            "move_id",
        ],
        "account.move": [
            "move_type",
            "invoice_user_id",
            "collection_level_id",
            "collection_reason_id",
            "collection_disputed",
        ],
        "res.partner": ["commercial_partner_id", "collection_user_id"],
    }

    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", readonly=True
    )
    move_id = fields.Many2one(
        comodel_name="account.move", string="Document", readonly=True
    )
    move_type = fields.Selection(
        selection=[
            ("invoice", "Invoice"),
            ("credit_note", "Credit Note"),
            ("payment", "Payment or Other"),
        ],
        string="Kind",
        readonly=True,
    )
    collector_id = fields.Many2one(
        comodel_name="res.users", string="Collector", readonly=True
    )
    salesperson_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", readonly=True
    )
    level_id = fields.Many2one(
        comodel_name="collection.level", string="Dunning Level", readonly=True
    )
    reason_id = fields.Many2one(
        comodel_name="collection.reason", string="Non-payment Reason", readonly=True
    )
    disputed = fields.Boolean(readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(string="Days Overdue", readonly=True)
    bucket = fields.Selection(
        selection=[(key, label) for key, label, _low, _high in ANALYSIS_BUCKETS],
        string="Overdue",
        readonly=True,
    )
    amount = fields.Monetary(
        string="Open Amount",
        readonly=True,
        help="In company currency: credit notes and payments not yet matched "
        "count negative.",
    )
    overdue_amount = fields.Monetary(string="Overdue Amount", readonly=True)

    @property
    def _table_query(self):
        return self._get_query(self.env["collection.receivable"]._get_today())

    @api.model
    def _get_query(self, date, company_ids=None):
        """SQL: the items open at the end of `date` (of `company_ids`, else of
        every company), with their customer's collector in the item's company
        (the company's default collector when the customer has none) and
        their bucket of days overdue. An item is open at the date for its
        amount less what was reconciled with it up to that day: its residual
        now, plus what was reconciled after. The analysis reads it at today;
        the aged balance and the dashboard at their dates: one definition of
        the book for all three."""
        # lateness from the original due date (docs/README.md), as every rule
        due = SQL(
            "COALESCE(%s, line.date)",
            self.env["collection.receivable"]._get_due_date_sql(),
        )
        days = SQL("%s - %s", date, due)
        whens = SQL(" ").join(
            SQL("WHEN %s <= %s THEN %s", days, high, key)
            for key, _label, _low, high in ANALYSIS_BUCKETS
            if high is not None
        )
        bucket = SQL("CASE %s ELSE %s END", whens, ANALYSIS_BUCKETS[-1][0])
        company_ids = company_ids or self.env["res.company"].sudo().search([]).ids
        collector, defaults = self._get_collector_sql("commercial", "line")
        return SQL(
            """
            WITH late AS (
                -- reconciliations made after the day: undone for it
                SELECT debit_move_id AS line_id, amount
                  FROM account_partial_reconcile
                 WHERE max_date > %(date)s AND company_id IN %(company_ids)s
             UNION ALL
                SELECT credit_move_id, -amount
                  FROM account_partial_reconcile
                 WHERE max_date > %(date)s AND company_id IN %(company_ids)s
            ), late_sum AS (
                SELECT line_id, SUM(amount) AS amount FROM late GROUP BY line_id
            )
            SELECT line.id,
                   line.company_id,
                   company.currency_id,
                   partner.commercial_partner_id AS partner_id,
                   line.move_id,
                   CASE WHEN move.move_type IN %(collected)s THEN 'invoice'
                        WHEN move.move_type = 'out_refund' THEN 'credit_note'
                        ELSE 'payment' END AS move_type,
                   %(collector)s AS collector_id,
                   move.invoice_user_id AS salesperson_id,
                   move.collection_level_id AS level_id,
                   move.collection_reason_id AS reason_id,
                   COALESCE(move.collection_disputed, FALSE) AS disputed,
                   %(due)s AS date_due,
                   GREATEST(%(days)s, 0) AS days_overdue,
                   %(bucket)s AS bucket,
                   line.amount_residual + COALESCE(late_sum.amount, 0) AS amount,
                   CASE WHEN %(days)s > 0
                        THEN line.amount_residual + COALESCE(late_sum.amount, 0)
                        ELSE 0 END AS overdue_amount
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              JOIN account_move move ON move.id = line.move_id
              JOIN res_company company ON company.id = line.company_id
              JOIN res_partner partner ON partner.id = line.partner_id
              JOIN res_partner commercial
                   ON commercial.id = partner.commercial_partner_id
         LEFT JOIN late_sum ON late_sum.line_id = line.id
         %(defaults)s
             WHERE %(receivable)s
               AND line.company_id IN %(company_ids)s
               AND line.date <= %(date)s
               AND (NOT line.reconciled OR late_sum.line_id IS NOT NULL)
               AND line.amount_residual + COALESCE(late_sum.amount, 0) != 0
            """,
            collected=COLLECTED_MOVE_TYPES,
            date=date,
            days=days,
            due=due,
            bucket=bucket,
            company_ids=tuple(company_ids),
            collector=collector,
            defaults=defaults,
            receivable=self.env["collection.receivable"]._get_receivable_condition(),
        )

    @api.model
    def _get_collector_sql(self, commercial, line):
        """SQL: the collector of the customer `commercial` (an alias of
        res_partner) in the company of `line`, else that company's default
        collector; and the join it needs."""
        Default = self.env["ir.default"].sudo()
        defaults = [
            (
                company.id,
                Default._get("res.partner", "collection_user_id", company_id=company.id)
                or None,
            )
            for company in self.env["res.company"].sudo().search([])
        ]
        company = SQL.identifier(line, "company_id")
        return SQL(
            "COALESCE((%s ->> %s::text)::int, defaults.user_id)",
            SQL.identifier(commercial, "collection_user_id"),
            company,
        ), SQL(
            "LEFT JOIN (VALUES %s) AS defaults(company_id, user_id) "
            "ON defaults.company_id = %s",
            SQL(", ").join(
                SQL("(%s, %s::int)", company_id, user_id)
                for company_id, user_id in defaults
            ),
            company,
        )

    @api.model
    def _get_ids_at(self, date, company_ids, condition=None):
        """The move lines open at the end of `date` (meeting `condition`, SQL
        over the columns above): the records behind a figure of the book."""
        self._flush_book()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM (%s) AS item WHERE %s",
                self._get_query(date, company_ids),
                condition or SQL("TRUE"),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _flush_book(self):
        for model, fnames in self._depends.items():
            self.env[model].flush_model(fnames)
        self.env["account.partial.reconcile"].flush_model()
