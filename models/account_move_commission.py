from odoo import _, api, fields, models

from .collection_guard import as_module

# Written by posting and by the payments matched: never by a user.
COMMISSION_MOVE_FIELDS = {
    "commission_user_id",
    "commission_rate",
    "commission_entry_ids",
}
# who reads an invoice's commission: accounting and collection; a
# salesperson reads their own in My Commission
ACCOUNTING_GROUPS = (
    "account.group_account_invoice,credit_collection.group_collection_user"
)
COMMISSION_STATES = [
    ("none", "No Commission"),
    ("pending", "Pending"),
    ("partial", "Partly Earned"),
    ("earned", "Earned"),
    ("settled", "Settled"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    commission_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Commission Salesperson",
        readonly=True,
        groups=ACCOUNTING_GROUPS,
        copy=False,
        index="btree_not_null",
        help="The salesperson when the invoice was posted: who earns its "
        "commission, whoever becomes its salesperson later.",
    )
    commission_rate = fields.Float(
        string="Commission Rate (%)",
        digits=(16, 2),
        readonly=True,
        copy=False,
        groups=ACCOUNTING_GROUPS,
    )
    commission_entry_ids = fields.One2many(
        comodel_name="collection.commission.entry",
        inverse_name="move_id",
        string="Commission Entries",
        readonly=True,
        groups=ACCOUNTING_GROUPS,
    )
    commission_base = fields.Monetary(
        string="Commission Base Collected",
        compute="_compute_commission",
        store=True,
        currency_field="company_currency_id",
        groups=ACCOUNTING_GROUPS,
        help="What was collected so far, prorated to the untaxed amount.",
    )
    commission_earned = fields.Monetary(
        compute="_compute_commission",
        store=True,
        currency_field="company_currency_id",
        groups=ACCOUNTING_GROUPS,
    )
    commission_settled = fields.Monetary(
        compute="_compute_commission",
        store=True,
        currency_field="company_currency_id",
        groups=ACCOUNTING_GROUPS,
    )
    commission_state = fields.Selection(
        selection=COMMISSION_STATES,
        compute="_compute_commission",
        store=True,
        index=True,
        groups=ACCOUNTING_GROUPS,
    )

    @api.depends(
        "commission_user_id",
        "amount_residual",
        "commission_entry_ids.state",
        "commission_entry_ids.commission",
        "commission_entry_ids.settlement_id.state",
    )
    def _compute_commission(self):
        for move in self:
            entries = move.commission_entry_ids.filtered(
                lambda entry: entry.state == "earned"
            )
            settled = entries.filtered(
                lambda entry: entry.settlement_id.state in ("confirmed", "paid")
            )
            move.commission_base = sum(entries.mapped("base"))
            move.commission_earned = sum(entries.mapped("commission"))
            move.commission_settled = sum(settled.mapped("commission"))
            if not move.commission_user_id:
                move.commission_state = "none"
            elif not entries:
                move.commission_state = "pending"
            elif move.amount_residual:
                move.commission_state = "partial"
            elif settled == entries:
                move.commission_state = "settled"
            else:
                move.commission_state = "earned"

    @api.model
    def default_get(self, fields_list):
        # no default (context or personal) names who earns an invoice's
        # commission: posting does
        return super().default_get(
            [name for name in fields_list if name not in COMMISSION_MOVE_FIELDS]
        )

    def _get_collection_action_fields(self):
        return {
            **super()._get_collection_action_fields(),
            **dict.fromkeys(
                COMMISSION_MOVE_FIELDS,
                _(
                    "An invoice's commission (salesperson, rate, entries) is "
                    "written when it is posted and paid, not edited."
                ),
            ),
        }

    @api.model_create_multi
    def create(self, vals_list):
        # invoices are created as superuser by sales and other flows, with
        # the caller's context: nothing creates these values but posting
        return super().create(
            [
                {k: v for k, v in vals.items() if k not in COMMISSION_MOVE_FIELDS}
                for vals in vals_list
            ]
        )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._commission_assign()
        self.env["collection.commission.entry"]._record_credit_notes(posted)
        return posted

    def write(self, vals):
        if vals.get("state") in ("draft", "cancel"):
            self.env["collection.commission.entry"]._undo_credit_notes(
                self.filtered(
                    lambda m: m.state == "posted" and m.move_type == "out_refund"
                )
            )
        return super().write(vals)

    def _commission_assign(self):
        """The salesperson and rate of the customer invoices posted for the
        first time: one write per salesperson and rate."""
        moves = self.filtered(
            lambda move: (
                not move.commission_user_id
                and move.invoice_user_id
                and (
                    move.move_type == "out_invoice"
                    or (
                        move.move_type == "out_receipt"
                        and move.company_id.commission_include_receipts
                    )
                )
            )
        )
        Scale = self.env["collection.commission.scale"]
        groups = {}
        for company in moves.company_id:
            company_moves = moves.filtered(
                lambda move, company=company: move.company_id == company
            )
            rates = Scale._get_rates(company, company_moves.invoice_user_id)
            for move in company_moves:
                key = (move.invoice_user_id.id, rates[move.invoice_user_id.id])
                groups[key] = groups.get(key, self.browse()) | move
        for (user_id, rate), group in groups.items():
            as_module(group).write(
                {"commission_user_id": user_id, "commission_rate": rate}
            )
