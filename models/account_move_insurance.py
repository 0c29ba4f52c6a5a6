from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# Written by posting, the insurer's decisions, the declarations and the daily
# scheduled action: never by a user.
INSURANCE_MOVE_FIELDS = {
    "insurance_policy_id",
    "insurance_state",
    "insurance_due_date",
    "insurance_notify_date",
    "insurance_extension_date",
    "insurance_stop_date",
    "insurance_claim_date",
    "insurance_notified_date",
    "insurance_declaration_line_ids",
}
INSURANCE_STATES = [
    ("covered", "Covered"),
    ("to_notify", "To Notify"),
    ("notified", "Notified"),
    ("claim_filed", "Claim Filed"),
    ("indemnified", "Indemnified"),
    ("lapsed", "Lapsed"),
]
# Not declared yet: the cover follows the customer's, the deadlines follow the
# oldest unpaid installment.
UNDECLARED_STATES = ("covered", "to_notify")
# The invoice is still under the insurer's cover, its deadlines still run.
RUNNING_STATES = ("covered", "to_notify", "notified")
# Each deadline of an insured invoice (its date field) and the states in which
# the step it asks for is still to take, while the invoice is open: the one
# rule the deadline alerts (in SQL) and the Insurance Deadlines report read.
PENDING_DEADLINES = {
    "notify": ("insurance_notify_date", UNDECLARED_STATES),
    "extension": ("insurance_extension_date", RUNNING_STATES),
    "stop": ("insurance_stop_date", RUNNING_STATES),
    "claim": ("insurance_claim_date", ("notified",)),
}


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def _get_insurance_deadlines_sql(self, alias="move"):
        """The VALUES rows (kind, deadline, pending) of an invoice `alias`,
        for a CROSS JOIN LATERAL: PENDING_DEADLINES in SQL."""
        return SQL(", ").join(
            SQL(
                "(%s, %s, %s.insurance_state IN %s AND %s.amount_residual > 0)",
                kind,
                SQL.identifier(alias, field),
                SQL.identifier(alias),
                states,
                SQL.identifier(alias),
            )
            for kind, (field, states) in PENDING_DEADLINES.items()
        )

    def _get_insurance_deadlines(self):
        """[(kind, deadline, pending)] of this invoice: PENDING_DEADLINES."""
        self.ensure_one()
        return [
            (
                kind,
                self[field],
                self.insurance_state in states and self.amount_residual > 0,
            )
            for kind, (field, states) in PENDING_DEADLINES.items()
        ]

    insurance_policy_id = fields.Many2one(
        comodel_name="collection.insurance.policy",
        string="Credit Insurance",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The policy that insured the customer at the invoice date.",
    )
    insurance_state = fields.Selection(
        selection=INSURANCE_STATES,
        readonly=True,
        copy=False,
        tracking=True,
        help="Covered: insured, not yet overdue or paid. To notify: overdue, to "
        "declare to the insurer before the notification deadline. Lapsed: the "
        "deadline passed without a notification, the cover is lost.",
    )
    insurance_due_date = fields.Date(
        string="Insured Due Date",
        readonly=True,
        copy=False,
        help="Original due date of the oldest unpaid installment, as posted: the "
        "deadlines count from it, whatever extension the customer was granted.",
    )
    insurance_notify_date = fields.Date(
        string="Notify By", readonly=True, copy=False, index="btree_not_null"
    )
    insurance_extension_date = fields.Date(
        string="Maximum Extension Until",
        readonly=True,
        copy=False,
        help="A payment date granted beyond it needs the insurer's agreement.",
    )
    insurance_stop_date = fields.Date(
        string="Stop Deliveries On", readonly=True, copy=False
    )
    insurance_claim_date = fields.Date(string="Claim By", readonly=True, copy=False)
    insurance_notified_date = fields.Date(
        string="Notified On", readonly=True, copy=False
    )
    insurance_declaration_line_ids = fields.One2many(
        comodel_name="collection.insurance.declaration.line",
        inverse_name="move_id",
        string="Insurance Declarations",
        readonly=True,
        copy=False,
    )
    insurance_indemnity_amount = fields.Monetary(
        string="Indemnified",
        compute="_compute_insurance_indemnity_amount",
        currency_field="company_currency_id",
        help="What the insurer paid on this invoice's claims.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("insurance_declaration_line_ids.indemnity_amount")
    def _compute_insurance_indemnity_amount(self):
        for move in self:
            move.insurance_indemnity_amount = sum(
                move.insurance_declaration_line_ids.mapped("indemnity_amount")
            )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _get_collection_action_fields(self):
        return {
            **super()._get_collection_action_fields(),
            **dict.fromkeys(INSURANCE_MOVE_FIELDS, self._get_insurance_access_error()),
        }

    def write(self, vals):
        if vals.get("state") in ("draft", "cancel"):
            # Reset to Draft, Cancel, a direct write or a wizard: one check
            self.filtered(lambda m: m.state == "posted")._check_collection_unpost()
        undisputed = self.browse()
        if vals.get("collection_disputed") or vals.get("collection_reason_id"):
            undisputed = self.filtered(
                lambda m: m.insurance_policy_id and not m.collection_disputed
            )
        res = super().write(vals)
        undisputed.filtered("collection_disputed")._insurance_warn_dispute()
        return res

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._insurance_assign()
        return posted

    @api.depends("insurance_policy_id", "insurance_state")
    @api.depends_context("uid")
    def _compute_show_reset_to_draft_button(self):
        """The button hides where _check_collection_unpost would refuse."""
        result = super()._compute_show_reset_to_draft_button()
        manager = self.env.user.has_group("credit_collection.group_collection_manager")
        for move in self.filtered("show_reset_to_draft_button"):
            if move.insurance_state in ("notified", "claim_filed", "indemnified") or (
                move.insurance_policy_id and not manager
            ):
                move.show_reset_to_draft_button = False
        return result

    def _check_collection_unpost(self):
        """Whatever the route out of *posted* (Reset to Draft, Cancel, a write
        of the state, a wizard): an invoice declared to the insurer stays as
        declared (cancel the declaration first); one under an open promise
        stays as promised (cancel the promise first); an insured one is reset
        by a collection manager only, for a new due date, terms or customer
        would restart the insurer's clock."""
        if self.env.su:
            return
        declared = self.filtered(
            lambda m: m.insurance_state in ("notified", "claim_filed", "indemnified")
        )
        if declared:
            raise UserError(
                _(
                    "%(invoices)s declared to the credit insurer: cancel the "
                    "declaration before resetting it to draft.",
                    invoices=", ".join(declared.mapped("name")),
                )
            )
        promised = self.filtered(
            lambda m: any(
                p.state in ("to_approve", "open")
                for p in m.sudo().collection_promise_ids
            )
        )
        if promised:
            raise UserError(
                _(
                    "%(invoices)s under a promise to pay: cancel the promise before "
                    "resetting it to draft.",
                    invoices=", ".join(promised.mapped("name")),
                )
            )
        if self.filtered("insurance_policy_id") and not self.env.user.has_group(
            "credit_collection.group_collection_manager"
        ):
            raise AccessError(
                _(
                    "An insured invoice is reset to draft by a collection manager "
                    "only: its insurance deadlines count from its original due "
                    "date."
                )
            )

    def _get_insurance_access_error(self):
        return _(
            "Credit insurance cover, deadlines and states follow the customer's "
            "cover and the declarations to the insurer: they are not edited."
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_insurance_declare(self):
        partners = self.commercial_partner_id
        if len(partners) != 1:
            raise AccessError(_("Choose the invoices of one customer."))
        return self.env["collection.insurance.declare.wizard"]._action_open(
            partners, self
        )

    def action_insurance_deadlines_print(self):
        return self.env.ref(
            "credit_collection.action_report_insurance_deadlines"
        ).report_action(self.filtered("insurance_policy_id"))

    def action_insurance_deadlines_xlsx(self):
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("Insurance deadlines.xlsx"),
            self.env["collection.insurance.declaration"]._get_deadlines_xlsx(self),
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _insurance_warn_dispute(self):
        """A dispute on an insured invoice suspends the insurer's cover: say so
        on the invoice, where the collector and the accountant read it."""
        for move in self:
            move.message_post(
                body=_(
                    "Disputed while insured by %(policy)s: the insurer's cover is "
                    "suspended until the dispute is settled. Tell the insurer if "
                    "the policy asks for it.",
                    policy=move.insurance_policy_id.display_name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def _get_insurance_extension_limit(self):
        """The earliest end of the maximum extension period among these
        invoices still under cover, and its policy; (None, empty) if none."""
        running = self.filtered(
            lambda m: (
                m.insurance_policy_id
                and m.insurance_state in RUNNING_STATES
                and m.insurance_extension_date
            )
        ).sorted("insurance_extension_date")
        if not running:
            return None, self.env["collection.insurance.policy"]
        return running[0].insurance_extension_date, running[0].insurance_policy_id
