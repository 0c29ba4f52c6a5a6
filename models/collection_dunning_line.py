from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import create_index

SKIP_REASONS = [
    ("disputed", "Disputed"),
    ("excluded", "Excluded from collection"),
    ("extended", "Payment date extended"),
    ("promise", "Under an open promise or payment plan"),
    ("minimum", "Below the minimum amount"),
    ("already_dunned", "Already dunned at this level"),
    ("other_run", "Proposed at this level in another run"),
    ("too_soon", "The customer's previous dunning is too recent"),
    ("consumer_wait", "Within the consumer's 14 days after the first reminder"),
    ("policy", "Its dunning policy is not in this run"),
    ("no_email", "No email address"),
    ("pending_request", "A request for the customer awaits approval"),
    ("case", "Handed over to a collection agency, bailiff or lawyer"),
]


class CollectionDunningLine(models.Model):
    _name = "collection.dunning.line"
    _inherit = ["collection.guard.mixin"]
    _description = "Dunning Line"
    _order = "run_id desc, partner_id, due_date, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    run_id = fields.Many2one(
        comodel_name="collection.run",
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    dunning_id = fields.Many2one(
        comodel_name="collection.dunning",
        ondelete="restrict",
        index="btree_not_null",
        check_company=True,
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True, check_company=True
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    level_id = fields.Many2one(
        comodel_name="collection.level", string="Level", check_company=True
    )
    date = fields.Date(required=True)
    state = fields.Selection(
        selection=[
            ("draft", "Proposed"),
            ("skipped", "Skipped"),
            ("done", "Sent"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        index=True,
    )
    skip_reason = fields.Selection(selection=SKIP_REASONS)
    due_date = fields.Date()
    days_overdue = fields.Integer()
    currency_id = fields.Many2one(
        comodel_name="res.currency", string="Invoice Currency"
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    amount_total = fields.Monetary(string="Amount")
    amount_open = fields.Monetary(string="Open Amount")
    interest_amount = fields.Monetary(string="Interest")
    compensation_amount = fields.Monetary(
        string="Compensation", currency_field="company_currency_id"
    )

    def init(self):
        """The invoices another run proposes: each proposal reads, for every
        invoice of the book, the draft lines of other runs. An index of the
        draft lines alone keeps that a lookup however many are drafted (the
        index of all states made it a scan of every draft line an invoice)."""
        result = super().init()
        create_index(
            self.env.cr,
            "collection_dunning_line_draft_move_idx",
            self._table,
            ["move_id"],
            where="state = 'draft'",
        )
        return result

    @api.depends("move_id.name", "level_id.name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = " · ".join(
                name for name in (line.move_id.name, line.level_id.name) if name
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        """Only the lines of a proposal not executed go: the others are the
        invoices' dunning history, and an invoice's level rests on them."""
        if any(
            line.state not in ("draft", "skipped")
            or line.run_id.state not in ("draft", "proposed")
            for line in self
        ):
            raise UserError(
                _(
                    "The dunning history of an invoice is kept: cancel the dunning "
                    "instead."
                )
            )
