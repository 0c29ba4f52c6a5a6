from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

# Invoice fields only collectors may change.
COLLECTION_FIELDS = {
    "collection_reason_id",
    "collection_disputed",
    "collection_excluded",
}
COLLECTED_MOVE_TYPES = ("out_invoice", "out_receipt")


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    collection_days_overdue = fields.Integer(
        string="Days Overdue",
        compute="_compute_collection_days_overdue",
        search="_search_collection_days_overdue",
        help="Days since the due date of the oldest unpaid installment; 0 when "
        "not yet due or paid.",
    )
    collection_reason_id = fields.Many2one(
        comodel_name="collection.reason",
        string="Non-payment Reason",
        tracking=True,
        copy=False,
        check_company=True,
        index="btree_not_null",
    )
    collection_disputed = fields.Boolean(
        string="Disputed",
        tracking=True,
        copy=False,
        help="The customer disputes this invoice: dunning is suspended.",
    )
    collection_dispute_date = fields.Date(
        string="Disputed Since", readonly=True, copy=False
    )
    collection_dispute_user_id = fields.Many2one(
        comodel_name="res.users", string="Disputed By", readonly=True, copy=False
    )
    collection_excluded = fields.Boolean(
        string="Excluded from Collection",
        tracking=True,
        copy=False,
        help="Never dunned nor counted as to follow.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends(
        "state",
        "line_ids.amount_residual",
        "line_ids.date_maturity",
        "line_ids.reconciled",
    )
    @api.depends_context("uid")
    def _compute_collection_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            due_dates = [
                line.date_maturity
                for line in move.line_ids
                if move.state == "posted"
                and line.account_type == "asset_receivable"
                and not line.reconciled
                and line.amount_residual > 0
                and line.date_maturity
                and line.date_maturity < today
            ]
            move.collection_days_overdue = (
                (today - min(due_dates)).days if due_dates else 0
            )

    def _search_collection_days_overdue(self, operator, value):
        if operator not in ("=", "!=", "<", "<=", ">", ">=") or isinstance(value, bool):
            raise UserError(
                _("Unsupported search on Days Overdue: %(op)s", op=operator)
            )
        value = int(value or 0)

        def at_least(days):
            """Moves at least `days` days overdue (days >= 1)."""
            if days <= 0:
                return expression.TRUE_DOMAIN
            limit = fields.Date.context_today(self) - relativedelta(days=days)
            return [
                (
                    "line_ids",
                    "any",
                    [
                        ("account_type", "=", "asset_receivable"),
                        ("parent_state", "=", "posted"),
                        ("reconciled", "=", False),
                        ("amount_residual", ">", 0),
                        ("date_maturity", "<=", limit),
                    ],
                )
            ]

        def negate(domain):
            return (
                ["!", *domain]
                if domain != expression.TRUE_DOMAIN
                else expression.FALSE_DOMAIN
            )

        domains = {
            ">=": lambda: at_least(value),
            ">": lambda: at_least(value + 1),
            "<": lambda: negate(at_least(value)),
            "<=": lambda: negate(at_least(value + 1)),
            "=": lambda: expression.AND([at_least(value), negate(at_least(value + 1))]),
            "!=": lambda: negate(
                expression.AND([at_least(value), negate(at_least(value + 1))])
            ),
        }
        return domains[operator]()

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains(
        "collection_reason_id", "collection_disputed", "collection_excluded"
    )
    def _check_collection_move_type(self):
        for move in self:
            if move.move_type not in COLLECTED_MOVE_TYPES and (
                move.collection_reason_id
                or move.collection_disputed
                or move.collection_excluded
            ):
                raise ValidationError(
                    _(
                        "%(move)s is not a customer invoice: only customer invoices "
                        "can have a reason for non-payment, be disputed or be excluded "
                        "from collection.",
                        move=move.display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if any(vals.get(fname) for fname in COLLECTION_FIELDS):
                self._check_collection_write_access()
        return super().create(
            [self._prepare_collection_values(vals) for vals in vals_list]
        )

    def write(self, vals):
        if COLLECTION_FIELDS.intersection(vals):
            self._check_collection_write_access()
        return super().write(self._prepare_collection_values(vals))

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_collection_dispute(self):
        self.write({"collection_disputed": True})

    def action_collection_lift_dispute(self):
        self.write({"collection_disputed": False})

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_collection_write_access(self):
        if not self.env.su and not self.env.user.has_group(
            "credit_collection.group_collection_user"
        ):
            raise AccessError(
                _(
                    "Only collectors may set the reason for non-payment, the dispute "
                    "or the exclusion from collection of an invoice."
                )
            )

    def _prepare_collection_values(self, vals):
        """A dispute reason disputes the invoice; a dispute is stamped with its
        date and author, and lifting it clears them."""
        vals = dict(vals)
        if vals.get("collection_reason_id") and "collection_disputed" not in vals:
            reason = self.env["collection.reason"].browse(vals["collection_reason_id"])
            if reason.is_dispute:
                vals["collection_disputed"] = True
        if "collection_disputed" in vals:
            disputed = vals["collection_disputed"]
            vals["collection_dispute_date"] = disputed and fields.Date.context_today(
                self
            )
            vals["collection_dispute_user_id"] = disputed and self.env.uid
        return vals
