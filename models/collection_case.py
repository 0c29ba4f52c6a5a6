from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .collection_guard import as_module
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
# Belgium, art. 1394/20 Judicial Code: the penalty clause claimed (the
# contractual indemnity, statutory interest not counted) stays within this
# share of the principal.
BE_PENALTY_CAP = 0.10


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

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_place(self):
        """Put the handover to the collector's mandate: placed at once within
        it, or once the approver agrees."""
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors hand claims over."))
        today = self.env["collection.receivable"]._get_today()
        for case in self:
            if case.state != "draft":
                raise UserError(_("Only a case ready to go can be placed."))
            case._lock_invoices()
            refusal = case._get_procedure_refusal(today)
            if refusal:
                raise UserError(refusal)
            case._freeze_claim(today)
            as_module(case).state = "to_approve"
            as_module(case).decision_ids |= self.env["collection.decision"]._request(
                "escalate",
                case.partner_id,
                case.move_ids,
                reason=case.note
                or _("Handover to %(handler)s", handler=case.handler_id.name),
                source=case,
            )
            case._collection_decided()
        return True

    def _collection_decided(self):
        """Approved, the case is placed; refused, it is ready again, its
        invoices free."""
        for case in self.filtered(lambda c: c.state == "to_approve"):
            states = set(case.decision_ids.mapped("state"))
            if "refused" in states:
                as_module(case).write({"state": "draft", "line_ids": [(5, 0, 0)]})
                case.message_post(body=_("The handover was refused by the approver."))
            elif states and states <= {"applied", "approved"}:
                case._place()

    def _place(self):
        """The claim leaves the company's hands: its invoices leave dunning and
        interest charging, the customer is put on hold, the agreement is
        frozen. Checked again under lock: no invoice is placed twice."""
        today = self.env["collection.receivable"]._get_today()
        for case in self:
            case._lock_invoices()
            case._freeze_claim(today)
            handler = case.handler_id
            as_module(case).write(
                {
                    "state": "placed",
                    "date_placed": today,
                    "commission_rate": handler.commission_rate,
                    "old_invoice_days": handler.old_invoice_days,
                    "old_invoice_rate": handler.old_invoice_rate,
                    "fixed_fee": handler.fixed_fee,
                    "remittance_days": handler.remittance_days,
                }
            )
            as_module(case.move_ids).write({"collection_case_id": case.id})
            customer = case.partner_id.with_company(case.company_id)
            if not customer.collection_hold:
                as_module(customer).write(
                    {
                        "collection_hold": True,
                        "collection_hold_reason": _(
                            "Claim handed to %(handler)s (%(case)s)",
                            handler=handler.name,
                            case=case.name,
                        ),
                        "collection_hold_date": today,
                        "collection_hold_user_id": case.user_id.id,
                    }
                )
            case.message_post(
                body=_(
                    "Placed with %(handler)s: %(amount)s claimed on %(count)s "
                    "invoices. Dunning and interest charging stop for them.",
                    handler=handler.name,
                    amount=case.currency_id.format(case.amount_claimed),
                    count=len(case.move_ids),
                )
            )

    def action_set_progress(self):
        """The handler's report: the state given by the button's context."""
        state = self.env.context.get("collection_case_state")
        if state not in PROGRESS_STATES:
            raise UserError(_("Choose one of the steps of a placed case."))
        for case in self:
            if case.state not in PROGRESS_STATES:
                raise UserError(_("Only a placed case moves on."))
        as_module(self).write({"state": state})
        return True

    def action_close(self):
        self.ensure_one()
        if self.state not in PROGRESS_STATES:
            raise UserError(_("Only a placed case is closed."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Close the Case"),
            "res_model": "collection.case.close.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def _close(self, outcome, reason):
        """Close the case with its outcome: its invoices go back to the
        company (dunning may resume on what is still open); a withdrawal
        needs its reason. The hold stays: releasing it is a measure."""
        if outcome not in dict(OUTCOMES):
            raise UserError(_("Choose the case's outcome."))
        if outcome == "withdrawn" and not (reason or "").strip():
            raise UserError(_("Say why the case is withdrawn."))
        today = self.env["collection.receivable"]._get_today()
        for case in self:
            if case.state not in PROGRESS_STATES:
                raise UserError(_("Only a placed case is closed."))
            as_module(case).write(
                {
                    "state": "closed",
                    "outcome": outcome,
                    "close_reason": reason,
                    "date_closed": today,
                }
            )
            held = case.move_ids.filtered(lambda m, c=case: m.collection_case_id == c)
            as_module(held).write({"collection_case_id": False})

    def action_create_bill(self):
        """The handler's bill: the fee not billed yet and the commission on
        the payments not billed yet, as a draft vendor bill the accountant
        checks against the handler's own."""
        self.ensure_one()
        if self.state not in (*PROGRESS_STATES, "closed") or not self.date_placed:
            raise UserError(_("Only a placed case earns its handler anything."))
        payments = self.payment_ids.filtered(lambda p: not p.bill_id)
        lines = []
        if self.fixed_fee and not self.fee_billed:
            lines.append(
                {
                    "name": _("Fee for case %(case)s", case=self.name),
                    "quantity": 1,
                    "price_unit": self.fixed_fee,
                }
            )
        commission = sum(payments.mapped("commission"))
        if payments and commission:
            lines.append(
                {
                    "name": _(
                        "Commission on %(amount)s collected for case %(case)s",
                        amount=self.currency_id.format(sum(payments.mapped("amount"))),
                        case=self.name,
                    ),
                    "quantity": 1,
                    "price_unit": commission,
                }
            )
        if not lines:
            raise UserError(_("Nothing to bill: no fee nor commission is due."))
        bill = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.handler_partner_id.id,
                    "invoice_origin": self.name,
                    "invoice_line_ids": [
                        fields.Command.create({**line, "tax_ids": []}) for line in lines
                    ],
                }
            )
        )
        as_module(self).write(
            {"bill_ids": [fields.Command.link(bill.id)], "fee_billed": True}
        )
        as_module(payments).write({"bill_id": bill.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": bill.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _lock_invoices(self):
        """Lock the case's invoices and refuse those another open case holds
        or asks for: one case per invoice at a time, whoever places at once."""
        self.ensure_one()
        moves = self.move_ids
        if not moves:
            raise UserError(_("Choose the invoices to hand over."))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                moves.ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT move.name, other.name
                  FROM account_move_collection_case_rel rel
                  JOIN collection_case other ON other.id = rel.collection_case_id
                  JOIN account_move move ON move.id = rel.account_move_id
                 WHERE rel.account_move_id = ANY(%(moves)s)
                   AND other.id != %(case)s
                   AND other.state IN %(open)s
                """,
                moves=moves.ids,
                case=self.id,
                open=OPEN_STATES,
            )
        )
        taken = self.env.cr.fetchall()
        if taken:
            raise UserError(
                _(
                    "Already handed over: %(invoices)s.",
                    invoices=", ".join(f"{move} ({case})" for move, case in taken),
                )
            )
        bad = moves.filtered(
            lambda m: (
                m.commercial_partner_id != self.partner_id.commercial_partner_id
                or m.state != "posted"
                or m.amount_residual <= 0
            )
        )
        if bad:
            raise UserError(
                _(
                    "Hand over open posted invoices of %(partner)s only: not "
                    "%(invoices)s.",
                    partner=self.partner_id.display_name,
                    invoices=", ".join(bad.mapped("name")),
                )
            )

    def _freeze_claim(self, today):
        """The claim as handed over: each invoice's open amount, interest and
        compensation at `today`, the annual rate applied, the days late."""
        self.ensure_one()
        moves = self.move_ids
        charges = moves._collection_get_charges(today)
        due_dates = self.env["collection.receivable"]._get_oldest_due_dates(moves)
        company = self.company_id
        try:
            rate = self.env["collection.interest.rate"]._get_annual_rates(
                company.collection_interest_mode, company.collection_interest_rate
            )(today)
        except UserError:
            rate = 0.0
        lines = [(5, 0, 0)]
        for move in moves.sorted(lambda m: (due_dates.get(m.id), m.name)):
            values = charges.get(move.id, {})
            due = due_dates.get(move.id) or move.invoice_date_due
            lines.append(
                fields.Command.create(
                    {
                        "move_id": move.id,
                        "invoice_date": move.invoice_date,
                        "due_date": due,
                        "days_late": max((today - due).days, 0) if due else 0,
                        "amount_total": move.amount_total_signed,
                        "amount_open": move.amount_residual_signed,
                        "interest": move.currency_id._convert(
                            values.get("interest", 0.0),
                            company.currency_id,
                            company,
                            today,
                        ),
                        "interest_rate": rate,
                        "compensation": values.get("compensation", 0.0),
                        "disputed": move.collection_disputed,
                        "reason": move.collection_reason_id.name,
                    }
                )
            )
        as_module(self).line_ids = lines

    def _get_procedure_refusal(self, today):
        """Why the chosen procedure does not apply to this claim, or False."""
        self.ensure_one()
        company, customer = self.company_id, self.partner_id.commercial_partner_id
        disputed = self.move_ids.filtered("collection_disputed")
        if self.procedure == "be_uncontested":
            belgian = [
                party.display_name
                for party in (company.partner_id, customer)
                if party.country_id.code != "BE"
                or not (party.company_registry or party.vat)
            ]
            if belgian:
                return _(
                    "The Belgian procedure for uncontested debts is between two "
                    "companies with a Belgian company number: not %(parties)s.",
                    parties=", ".join(belgian),
                )
            if disputed:
                return _(
                    "The Belgian procedure is for uncontested debts only: "
                    "%(invoices)s are disputed.",
                    invoices=", ".join(disputed.mapped("name")),
                )
            principal = sum(self.move_ids.mapped("amount_residual_signed"))
            if self.penalty_amount > BE_PENALTY_CAP * principal:
                return _(
                    "The Belgian procedure claims a penalty clause of at most 10 "
                    "%% of the principal: %(penalty)s on %(principal)s. Claim "
                    "less, or go to court.",
                    penalty=company.currency_id.format(self.penalty_amount),
                    principal=company.currency_id.format(principal),
                )
        if self.procedure == "fr_injonction":
            missing = [
                party.display_name
                for party in (company.partner_id, customer)
                if not (party.street and party.zip and party.city)
            ]
            if missing:
                return _(
                    "An injonction de payer names the parties with their full "
                    "address: complete %(parties)s.",
                    parties=", ".join(missing),
                )
        return False

    def _get_legal_basis(self):
        """The law the claim's charges rest on, in the reader's words."""
        self.ensure_one()
        mode = self.company_id.collection_interest_mode
        return {
            "fr": _(
                "Code de commerce, art. L441-10: late-payment interest at the ECB "
                "rate plus 10 points and a fixed compensation of 40 EUR per invoice "
                "(art. D441-5)."
            ),
            "be": _(
                "Law of 2 August 2002 on late payment in commercial transactions: "
                "interest at the published rate and a fixed compensation of 40 EUR "
                "per invoice."
            ),
            "eu": _(
                "Directive 2011/7/EU: interest at the ECB rate plus 8 points and a "
                "fixed compensation of 40 EUR per invoice."
            ),
            "contract": _(
                "The contract's late-payment clause: interest at %(rate)s %% a year.",
                rate=self.company_id.collection_interest_rate,
            ),
        }.get(mode, "")

    def _get_procedure_basis(self):
        self.ensure_one()
        return {
            "fr_injonction": _(
                "Code de procédure civile, art. 1405 to 1425: injonction de payer, "
                "for a contractual claim of a determined amount."
            ),
            "be_uncontested": _(
                "Judicial Code, art. 1394/20 to 1394/27: recovery of uncontested "
                "money debts between companies by a bailiff."
            ),
        }.get(self.procedure, "")
