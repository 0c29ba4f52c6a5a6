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
    def _get_query(self, today):
        """SQL: the open items at `today`, with their customer's collector in
        the item's company (the company's default collector when the customer
        has none) and their bucket of days overdue."""
        companies = self.env["res.company"].sudo().search([])
        Default = self.env["ir.default"].sudo()
        defaults = [
            (
                company.id,
                Default._get("res.partner", "collection_user_id", company_id=company.id)
                or None,
            )
            for company in companies
        ]
        whens = SQL(" ").join(
            SQL(
                "WHEN %s - COALESCE(line.date_maturity, line.date) <= %s THEN %s",
                today,
                high,
                key,
            )
            for key, _label, _low, high in ANALYSIS_BUCKETS
            if high is not None
        )
        bucket = SQL("CASE %s ELSE %s END", whens, ANALYSIS_BUCKETS[-1][0])
        return SQL(
            """
            SELECT line.id,
                   line.company_id,
                   company.currency_id,
                   partner.commercial_partner_id AS partner_id,
                   line.move_id,
                   CASE WHEN move.move_type IN %(collected)s THEN 'invoice'
                        WHEN move.move_type = 'out_refund' THEN 'credit_note'
                        ELSE 'payment' END AS move_type,
                   COALESCE(
                       (commercial.collection_user_id ->> line.company_id::text)::int,
                       defaults.user_id
                   ) AS collector_id,
                   move.invoice_user_id AS salesperson_id,
                   move.collection_level_id AS level_id,
                   move.collection_reason_id AS reason_id,
                   COALESCE(move.collection_disputed, FALSE) AS disputed,
                   COALESCE(line.date_maturity, line.date) AS date_due,
                   GREATEST(%(today)s - COALESCE(line.date_maturity, line.date), 0)
                       AS days_overdue,
                   %(bucket)s AS bucket,
                   line.amount_residual AS amount,
                   CASE WHEN COALESCE(line.date_maturity, line.date) < %(today)s
                        THEN line.amount_residual ELSE 0 END AS overdue_amount
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              JOIN account_move move ON move.id = line.move_id
              JOIN res_company company ON company.id = line.company_id
              JOIN res_partner partner ON partner.id = line.partner_id
              JOIN res_partner commercial
                   ON commercial.id = partner.commercial_partner_id
         LEFT JOIN (VALUES %(defaults)s) AS defaults(company_id, user_id)
                   ON defaults.company_id = line.company_id
             WHERE %(open_item)s
               AND line.amount_residual != 0
            """,
            collected=COLLECTED_MOVE_TYPES,
            today=today,
            bucket=bucket,
            defaults=SQL(", ").join(
                SQL("(%s, %s::int)", company_id, user_id)
                for company_id, user_id in defaults
            ),
            open_item=self.env["collection.receivable"]._get_open_item_condition(),
        )
