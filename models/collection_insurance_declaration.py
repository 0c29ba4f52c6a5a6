from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from .collection_guard import as_module

DECLARATION_TYPES = [
    ("notification", "Overdue notification"),
    ("extension", "Extension request"),
    ("claim", "Claim"),
]
# What a user may still write on a declaration sent to the insurer.
DECLARATION_FREE_FIELDS = {"insurer_reference", "message_main_attachment_id"}


class CollectionInsuranceDeclaration(models.Model):
    """What was declared to the credit insurer, as it was sent: the buyer, the
    cover, the declared invoices and every other open invoice, frozen. Never
    deleted nor rewritten: cancelled with a reason."""

    _name = "collection.insurance.declaration"
    _description = "Credit Insurance Declaration"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _collection_sequence = "collection.insurance.declaration"

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    policy_id = fields.Many2one(
        comodel_name="collection.insurance.policy",
        string="Insurance Policy",
        required=True,
        readonly=True,
        check_company=True,
    )
    policy_number = fields.Char(readonly=True)
    insurer_id = fields.Many2one(related="policy_id.insurer_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True, readonly=True
    )
    declaration_type = fields.Selection(
        selection=DECLARATION_TYPES, string="Type", required=True, readonly=True
    )
    date = fields.Date(required=True, readonly=True)
    user_id = fields.Many2one(
        comodel_name="res.users", string="Collector", readonly=True
    )
    state = fields.Selection(
        selection=[
            ("to_approve", "To Approve"),
            ("sent", "Sent"),
            ("cancel", "Cancelled"),
        ],
        required=True,
        readonly=True,
        tracking=True,
    )
    insurer_reference = fields.Char(
        tracking=True, help="The reference the insurer gave this declaration."
    )
    buyer_name = fields.Char(string="Buyer", readonly=True)
    buyer_vat = fields.Char(string="VAT", readonly=True)
    buyer_registry = fields.Char(string="Company Number", readonly=True)
    buyer_ref = fields.Char(string="Insurer's Buyer Reference", readonly=True)
    limit_granted = fields.Float(readonly=True, digits="Account")
    limit_currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    reason_id = fields.Many2one(
        comodel_name="collection.reason", string="Non-payment Reason", readonly=True
    )
    disputed = fields.Boolean(readonly=True)
    extension_date = fields.Date(
        string="Extension Asked Until",
        readonly=True,
        help="For an extension request: the payment date the insurer is asked to "
        "accept.",
    )
    promise_id = fields.Many2one(
        comodel_name="collection.promise",
        string="Payment Plan",
        readonly=True,
        check_company=True,
    )
    note = fields.Text(readonly=True)
    line_ids = fields.One2many(
        comodel_name="collection.insurance.declaration.line",
        inverse_name="declaration_id",
        string="Open Invoices",
        readonly=True,
    )
    amount_declared = fields.Monetary(
        string="Amount Declared",
        readonly=True,
        help="Open amount of the declared invoices, in company currency.",
    )
    indemnity_amount = fields.Monetary(string="Indemnity Received", readonly=True)
    indemnity_date = fields.Date(readonly=True)
    cancel_reason = fields.Text(readonly=True)
    decision_ids = fields.Many2many(
        comodel_name="collection.decision",
        relation="collection_insurance_declaration_usage_rel",
        string="Collection Decisions",
        readonly=True,
        copy=False,
    )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _creation_message(self):
        return _("Insurance declaration created")

    def _get_collection_action_fields(self):
        return {
            name: why
            for name, why in super()._get_collection_action_fields().items()
            if name not in DECLARATION_FREE_FIELDS
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            _("A declaration to the insurer is kept: cancel it with a reason.")
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    @api.model
    def _declare(
        self,
        declaration_type,
        partner,
        moves,
        *,
        reason=None,
        promise=None,
        extension_date=None,
        note=None,
    ):
        """Declare `moves` of `partner` to their insurer, as a collector: check
        what the policy allows, freeze what is sent, move the invoices' state.
        An extension request goes through the collector's mandate first."""
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors declare to the credit insurer."))
        partner = partner.commercial_partner_id
        policy = self._check_declarable(declaration_type, partner, moves, promise)
        company = policy.company_id
        cover = partner.with_company(company)
        today = self.env["collection.receivable"]._get_today()
        if declaration_type == "extension":
            limit, _policy = moves._get_insurance_extension_limit()
            if not extension_date:
                raise UserError(
                    _("Give the payment date the insurer is asked to accept.")
                )
            if limit and extension_date <= limit:
                raise UserError(
                    _(
                        "Up to %(date)s the policy allows the extension: ask the "
                        "insurer only for a later date.",
                        date=format_date(self.env, limit),
                    )
                )
        declaration = (
            as_module(self)
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "policy_id": policy.id,
                    "policy_number": policy.policy_number,
                    "partner_id": partner.id,
                    "declaration_type": declaration_type,
                    "date": today,
                    "user_id": self.env.uid,
                    "state": "to_approve",
                    "buyer_name": partner.name,
                    "buyer_vat": partner.vat,
                    "buyer_registry": partner.company_registry,
                    "buyer_ref": cover.insurance_buyer_ref,
                    "limit_granted": cover.insurance_limit,
                    "limit_currency_id": policy.currency_id.id,
                    "reason_id": (reason or moves.collection_reason_id[:1]).id,
                    "disputed": any(moves.mapped("collection_disputed")),
                    "extension_date": extension_date,
                    "promise_id": promise.id if promise else False,
                    "note": note,
                    "amount_declared": sum(moves.mapped("amount_residual_signed")),
                    "line_ids": self._prepare_lines(partner, company, moves),
                }
            )
        )
        if declaration_type == "extension":
            declaration.decision_ids = self.env["collection.decision"]._request(
                "delay",
                partner,
                moves,
                date=extension_date,
                reason=note or declaration.reason_id.name,
                source=declaration,
            )
            declaration._collection_decided()
        else:
            declaration._send()
        return declaration.with_env(self.env)

    def _send(self):
        """The declaration is sent: the declared invoices move on."""
        for declaration in self:
            declared = declaration.line_ids.filtered("declared").move_id.sudo()
            policy = declaration.policy_id
            if declaration.declaration_type == "notification":
                values = {
                    "insurance_state": "notified",
                    "insurance_notified_date": declaration.date,
                }
                if policy.claim_basis == "notification":
                    values["insurance_claim_date"] = fields.Date.add(
                        declaration.date, days=policy.claim_days
                    )
                declared.write(values)
            elif declaration.declaration_type == "claim":
                declared.write({"insurance_state": "claim_filed"})
                late = declared.filtered(
                    lambda m, day=declaration.date: (
                        m.insurance_claim_date and m.insurance_claim_date < day
                    )
                )
                if late:
                    declaration.message_post(
                        body=_(
                            "Filed after the claim deadline of %(invoices)s: the "
                            "insurer may refuse it.",
                            invoices=", ".join(late.mapped("name")),
                        )
                    )
            as_module(declaration).state = "sent"

    def _collection_decided(self):
        """An extension request waits for the manager's approval: approved, it
        is sent; refused, it is cancelled."""
        for declaration in self.filtered(lambda d: d.state == "to_approve"):
            states = set(declaration.decision_ids.mapped("state"))
            if "refused" in states:
                as_module(declaration).write(
                    {"state": "cancel", "cancel_reason": _("Refused by the approver.")}
                )
            elif states and states <= {"applied", "approved"}:
                declaration._send()

    def action_cancel(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Cancel the Declaration"),
            "res_model": "collection.insurance.cancel.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_declaration_id": self.id},
        }

    def _cancel(self, reason):
        """Cancel with a reason; the invoices go back where they were."""
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors cancel a declaration."))
        if not (reason or "").strip():
            raise UserError(_("Say why the declaration is cancelled."))
        for declaration in self:
            if declaration.state == "cancel" or declaration.indemnity_date:
                raise UserError(
                    _(
                        "%(name)s is cancelled or indemnified: it stays as it is.",
                        name=declaration.name,
                    )
                )
            sent = declaration.state == "sent"
            as_module(declaration).write({"state": "cancel", "cancel_reason": reason})
            declaration.message_post(body=_("Cancelled: %(reason)s", reason=reason))
            if not sent:
                continue
            declared = declaration.line_ids.filtered("declared").move_id.sudo()
            if declaration.declaration_type == "notification":
                declared.filtered(lambda m: m.insurance_state == "notified").write(
                    {"insurance_state": "to_notify", "insurance_notified_date": False}
                )
                declared._insurance_refresh()
            elif declaration.declaration_type == "claim":
                declared.filtered(lambda m: m.insurance_state == "claim_filed").write(
                    {"insurance_state": "notified"}
                )

    def _record_indemnity(self, amount, date):
        """The insurer paid a claim: spread over the declared invoices by their
        open amount, shown on each."""
        self.ensure_one()
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors record an indemnity."))
        if self.declaration_type != "claim" or self.state != "sent":
            raise UserError(
                _("An indemnity is recorded on a claim sent to the insurer.")
            )
        if self.indemnity_date:
            raise UserError(_("This claim's indemnity is already recorded."))
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(_("The indemnity is an amount above zero."))
        if self.currency_id.compare_amounts(amount, self.amount_declared) > 0:
            raise UserError(
                _(
                    "The insurer does not pay more than was claimed (%(amount)s).",
                    amount=self.currency_id.format(self.amount_declared),
                )
            )
        lines = self.line_ids.filtered("declared")
        total = sum(lines.mapped("amount_open_company"))
        left = amount
        for line in lines[:-1]:
            share = self.currency_id.round(amount * line.amount_open_company / total)
            as_module(line).indemnity_amount = share
            left -= share
        as_module(lines[-1:]).indemnity_amount = left
        as_module(self).write({"indemnity_amount": amount, "indemnity_date": date})
        as_module(lines.move_id).write({"insurance_state": "indemnified"})
        self.message_post(
            body=_(
                "Indemnity of %(amount)s received on %(date)s.",
                amount=self.currency_id.format(amount),
                date=format_date(self.env, date),
            )
        )

    def action_record_indemnity(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Record the Indemnity"),
            "res_model": "collection.insurance.indemnity.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_declaration_id": self.id},
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------
