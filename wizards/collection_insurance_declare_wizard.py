from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.collection_insurance_declarable import DECLARABLE_STATES
from .common import active_customers_or_invoices


class CollectionInsuranceDeclareWizard(models.TransientModel):
    """Declare a customer's insured invoices to the credit insurer: an overdue
    notification, an extension request or a claim."""

    _name = "collection.insurance.declare.wizard"
    _description = "Declare to the Credit Insurer"

    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True, readonly=True
    )
    declaration_type = fields.Selection(
        selection=[
            ("notification", "Overdue notification"),
            ("extension", "Extension request"),
            ("claim", "Claim"),
        ],
        string="Declaration",
        required=True,
        default="notification",
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id),"
        " ('insurance_policy_id', '!=', False), ('amount_residual', '>', 0),"
        " ('insurance_state', 'in', allowed_states)]",
    )
    allowed_states = fields.Json(compute="_compute_allowed_states")
    policy_id = fields.Many2one(
        comodel_name="collection.insurance.policy",
        compute="_compute_policy_id",
        string="Insurance Policy",
    )
    reason_id = fields.Many2one(
        comodel_name="collection.reason", string="Non-payment Reason"
    )
    promise_id = fields.Many2one(
        comodel_name="collection.promise",
        string="Payment Plan",
        domain="[('partner_id', '=', partner_id),"
        " ('state', 'in', ('open', 'to_approve'))]",
    )
    extension_date = fields.Date(string="Extension Asked Until")
    extension_limit = fields.Date(
        compute="_compute_policy_id",
        string="Maximum Extension Until",
        help="Up to this date the policy allows an extension without asking.",
    )
    note = fields.Text()

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        records = active_customers_or_invoices(self.env)
        if records is None:
            return values
        if records._name == "account.move":
            partners = records.commercial_partner_id
            if len(partners) != 1:
                raise UserError(_("Choose the invoices of one customer."))
            values["partner_id"] = partners.id
            values["move_ids"] = [fields.Command.set(records.ids)]
        elif len(records) == 1:
            values["partner_id"] = records.commercial_partner_id.id
        return values

    @api.depends("declaration_type")
    def _compute_allowed_states(self):
        for wizard in self:
            wizard.allowed_states = list(
                DECLARABLE_STATES.get(wizard.declaration_type, ())
            )

    @api.depends("move_ids")
    def _compute_policy_id(self):
        for wizard in self:
            limit, policy = wizard.move_ids._get_insurance_extension_limit()
            wizard.policy_id = wizard.move_ids.insurance_policy_id[:1] or policy
            wizard.extension_limit = limit

    @api.onchange("declaration_type", "partner_id")
    def _onchange_declaration_type(self):
        """The invoices this declaration takes, when none were chosen."""
        if self.move_ids or not self.partner_id:
            return
        self.move_ids = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("insurance_policy_id", "!=", False),
                ("amount_residual", ">", 0),
                ("insurance_state", "in", DECLARABLE_STATES[self.declaration_type]),
                ("state", "=", "posted"),
            ]
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    @api.model
    def _action_open(self, partner, moves=None):
        context = {"default_partner_id": partner.id}
        if moves:
            context["default_move_ids"] = moves.ids
        return {
            "type": "ir.actions.act_window",
            "name": _("Declare to Insurer"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_declare(self):
        self.ensure_one()
        declaration = self.env["collection.insurance.declaration"]._declare(
            self.declaration_type,
            self.partner_id,
            self.move_ids,
            reason=self.reason_id,
            promise=self.promise_id,
            extension_date=self.extension_date,
            note=self.note,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": declaration._name,
            "res_id": declaration.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }


class CollectionInsuranceCancelWizard(models.TransientModel):
    _name = "collection.insurance.cancel.wizard"
    _description = "Cancel an Insurance Declaration"

    declaration_id = fields.Many2one(
        comodel_name="collection.insurance.declaration", required=True, readonly=True
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.declaration_id._cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}


class CollectionInsuranceIndemnityWizard(models.TransientModel):
    _name = "collection.insurance.indemnity.wizard"
    _description = "Record an Insurance Indemnity"

    declaration_id = fields.Many2one(
        comodel_name="collection.insurance.declaration", required=True, readonly=True
    )
    currency_id = fields.Many2one(related="declaration_id.currency_id")
    amount_declared = fields.Monetary(related="declaration_id.amount_declared")
    amount = fields.Monetary(string="Indemnity Received", required=True)
    date = fields.Date(required=True, default=fields.Date.context_today)

    def action_confirm(self):
        self.ensure_one()
        self.declaration_id._record_indemnity(self.amount, self.date)
        return {"type": "ir.actions.act_window_close"}
