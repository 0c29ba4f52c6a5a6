from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .collection_promise import PROMISABLE_INVOICES_DOMAIN

CASE_STATES = [
    ("draft", "Ready"),
    ("to_approve", "To Approve"),
    ("placed", "Placed"),
    ("acknowledged", "Acknowledged"),
    ("amicable", "Amicable"),
    ("plan", "Payment Plan"),
    ("legal", "Legal Proceedings"),
    ("title", "Title Obtained"),
    ("enforcement", "Enforcement"),
    ("closed", "Closed"),
]
# What the handler reports once the claim is placed, in the usual order; a
# case may move between them both ways (a plan broken goes to court).
PROGRESS_STATES = (
    "placed",
    "acknowledged",
    "amicable",
    "plan",
    "legal",
    "title",
    "enforcement",
)
# The states in which the case holds its invoices: no other case, no dunning.
OPEN_STATES = ("to_approve", *PROGRESS_STATES)
OUTCOMES = [
    ("paid", "Paid"),
    ("partly_paid", "Partly Paid"),
    ("irrecoverable", "Irrecoverable"),
    ("withdrawn", "Withdrawn"),
]
PROCEDURES = [
    ("agency", "Amicable collection (agency)"),
    ("fr_injonction", "France: injonction de payer"),
    ("be_uncontested", "Belgium: uncontested B2B money debt (bailiff)"),
    ("other", "Other"),
]
# What the collector prepares on a case before placing it.
DRAFT_FIELDS = {
    "partner_id",
    "handler_id",
    "procedure",
    "move_ids",
    "penalty_amount",
    "note",
    "company_id",
    "user_id",
}
# What may still be written once the case is placed.
CASE_FREE_FIELDS = {"note", "handler_reference"}


class CollectionCase(models.Model):
    """A claim handed to an agency, a bailiff or a lawyer: the invoices and
    their charges frozen at handover, the handler's agreement frozen with
    them, what the handler reports, what is collected and what the handler
    earns. Placing it is a measure of the collector's mandate; once placed a
    case is never deleted: it is closed with its outcome (docs/escalation.md)."""

    _name = "collection.case"
    _description = "Collection Case"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _collection_sequence = "collection.case"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        default=lambda self: self.env.user,
        tracking=True,
        check_company=True,
    )
    handler_id = fields.Many2one(
        comodel_name="collection.handler",
        string="Handler",
        required=True,
        tracking=True,
        check_company=True,
    )
    handler_partner_id = fields.Many2one(
        related="handler_id.partner_id", string="Handler's Address"
    )
    handler_reference = fields.Char(
        tracking=True, help="The handler's own reference of this case."
    )
    procedure = fields.Selection(
        selection=PROCEDURES, required=True, default="agency", tracking=True
    )
    state = fields.Selection(
        selection=CASE_STATES,
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    outcome = fields.Selection(selection=OUTCOMES, tracking=True, copy=False)
    close_reason = fields.Text(copy=False)
    note = fields.Text()
    move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="account_move_collection_case_rel",
        column1="collection_case_id",
        column2="account_move_id",
        string="Invoices",
        check_company=True,
        domain=PROMISABLE_INVOICES_DOMAIN,
    )
    line_ids = fields.One2many(
        comodel_name="collection.case.line",
        inverse_name="case_id",
        string="Claim",
        readonly=True,
    )
    date_placed = fields.Date(string="Placed On", readonly=True, copy=False)
    date_closed = fields.Date(string="Closed On", readonly=True, copy=False)
    duration_days = fields.Integer(
        string="Days to Close",
        compute="_compute_duration_days",
        store=True,
        aggregator="avg",
        help="From placement to closing: averaged per handler in the pivot.",
    )
    # the agreement, frozen when the case is placed
    commission_rate = fields.Float(string="Commission (%)", digits=(5, 2))
    old_invoice_days = fields.Integer(string="Old Invoices After (days)")
    old_invoice_rate = fields.Float(
        string="Extra Commission on Old Cases (%)", digits=(5, 2)
    )
    fixed_fee = fields.Monetary(string="Fee")
    remittance_days = fields.Integer(string="Pays Over Within (days)")
    amount_principal = fields.Monetary(
        string="Principal", compute="_compute_amounts", store=True
    )
    amount_interest = fields.Monetary(
        string="Interest", compute="_compute_amounts", store=True
    )
    amount_compensation = fields.Monetary(
        string="Compensation", compute="_compute_amounts", store=True
    )
    penalty_amount = fields.Monetary(
        string="Penalty Clause",
        help="The contractual indemnity claimed beside the principal, as the "
        "terms of sale provide. Statutory interest and compensation are "
        "computed by the module.",
    )
    amount_claimed = fields.Monetary(
        string="Claimed", compute="_compute_amounts", store=True, tracking=True
    )
    payment_ids = fields.One2many(
        comodel_name="collection.case.payment",
        inverse_name="case_id",
        string="Payments Collected",
    )
    amount_collected = fields.Monetary(
        string="Collected", compute="_compute_collected", store=True
    )
    amount_remaining = fields.Monetary(
        string="Still to Collect",
        compute="_compute_collected",
        store=True,
        help="What was claimed less what was collected: payments reduce the "
        "case, never its frozen claim.",
    )
    amount_commission = fields.Monetary(
        string="Handler's Commission",
        compute="_compute_collected",
        store=True,
        help="The fee and the commission on every amount collected, as the "
        "agreement frozen at placement says.",
    )
    amount_billed = fields.Monetary(
        string="Billed by the Handler", compute="_compute_billed"
    )
    recovery_rate = fields.Float(
        string="Recovery (%)",
        compute="_compute_collected",
        store=True,
        aggregator="avg",
        digits=(5, 1),
    )
    late_remittance_count = fields.Integer(
        string="Late Remittances", compute="_compute_late_remittance_count"
    )
    bill_ids = fields.Many2many(
        comodel_name="account.move",
        relation="collection_case_bill_rel",
        string="Handler's Bills",
        readonly=True,
        copy=False,
    )
    fee_billed = fields.Boolean(readonly=True, copy=False)
    decision_ids = fields.Many2many(
        comodel_name="collection.decision",
        relation="collection_case_decision_rel",
        string="Collection Decisions",
        readonly=True,
        copy=False,
    )
    procedure_warning = fields.Char(
        compute="_compute_procedure_warning",
        help="Why the procedure chosen does not apply to this claim.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends(
        "line_ids.amount_open",
        "line_ids.interest",
        "line_ids.compensation",
        "penalty_amount",
    )
    def _compute_amounts(self):
        for case in self:
            lines = case.line_ids
            case.amount_principal = sum(lines.mapped("amount_open"))
            case.amount_interest = sum(lines.mapped("interest"))
            case.amount_compensation = sum(lines.mapped("compensation"))
            case.amount_claimed = (
                case.amount_principal
                + case.amount_interest
                + case.amount_compensation
                + (case.penalty_amount if lines else 0.0)
            )

    @api.depends(
        "payment_ids.amount",
        "payment_ids.commission",
        "amount_claimed",
        "fixed_fee",
        "date_placed",
    )
    def _compute_collected(self):
        for case in self:
            collected = sum(case.payment_ids.mapped("amount"))
            case.amount_collected = collected
            case.amount_remaining = max(case.amount_claimed - collected, 0.0)
            case.amount_commission = sum(case.payment_ids.mapped("commission")) + (
                case.fixed_fee if case.date_placed else 0.0
            )
            case.recovery_rate = (
                100.0 * collected / case.amount_claimed if case.amount_claimed else 0.0
            )

    @api.depends("date_placed", "date_closed")
    def _compute_duration_days(self):
        for case in self:
            case.duration_days = (
                (case.date_closed - case.date_placed).days
                if case.date_placed and case.date_closed
                else 0
            )

    def _compute_billed(self):
        for case in self:
            case.amount_billed = sum(
                case.bill_ids.filtered(lambda b: b.state != "cancel").mapped(
                    "amount_untaxed"
                )
            )

    def _compute_late_remittance_count(self):
        for case in self:
            case.late_remittance_count = len(
                case.payment_ids.filtered("remittance_late")
            )

    @api.depends("procedure", "partner_id", "move_ids", "company_id", "penalty_amount")
    def _compute_procedure_warning(self):
        today = self.env["collection.receivable"]._get_today()
        for case in self:
            case.procedure_warning = (
                case._get_procedure_refusal(today)
                if case.state == "draft" and case.move_ids
                else False
            )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _creation_message(self):
        return _("Case created")

    def _get_collection_action_fields(self):
        guarded = super()._get_collection_action_fields()
        for name in DRAFT_FIELDS | CASE_FREE_FIELDS | {"payment_ids"}:
            guarded.pop(name, None)
        return guarded

    def _collection_guarded_fields(self, vals, create=False):
        refused = super()._collection_guarded_fields(vals, create=create)
        if create:  # named from the sequence by create() itself
            refused.discard("name")
        if any(case.state != "draft" for case in self):
            refused |= set(vals) & DRAFT_FIELDS
        return refused

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft(self):
        if any(case.state != "draft" or case.date_placed for case in self):
            raise UserError(
                _(
                    "A case handed over is kept with its file: close it as "
                    "withdrawn, with a reason."
                )
            )
