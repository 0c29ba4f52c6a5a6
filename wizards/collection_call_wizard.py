from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.collection_guard import as_module
from ..models.collection_promise import CHANNELS, PROMISABLE_INVOICES_DOMAIN
from ..models.collection_receivable import COLLECTED_MOVE_TYPES
from .common import active_customers_or_invoices


class CollectionCallWizard(models.TransientModel):
    _name = "collection.call.wizard"
    _description = "Log a Call / Record a Promise"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        domain=PROMISABLE_INVOICES_DOMAIN,
    )
    currency_id = fields.Many2one(related="partner_id.collection_currency_id")
    channel = fields.Selection(selection=CHANNELS, default="phone", required=True)
    contact_name = fields.Char(string="Spoke With")
    reason_id = fields.Many2one(
        comodel_name="collection.reason", string="Non-payment Reason"
    )
    note = fields.Text()
    promise_type = fields.Selection(
        selection=[
            ("none", "No promise"),
            ("promise", "Promise to pay"),
            ("plan", "Payment plan"),
        ],
        string="Agreement",
        default="none",
        required=True,
    )
    open_amount = fields.Monetary(compute="_compute_open_amount")
    amount = fields.Monetary()
    date = fields.Date(string="Promised Date")
    installment_count = fields.Integer(string="Number of Installments", default=3)
    frequency = fields.Selection(
        selection=[("weekly", "Weekly"), ("monthly", "Monthly")], default="monthly"
    )
    line_ids = fields.One2many(
        comodel_name="collection.call.wizard.line",
        inverse_name="wizard_id",
        string="Installments",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )

    # ------------------------------------------------------------
    # DEFAULT METHODS
    # ------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        records = active_customers_or_invoices(self.env)
        if not records:
            return values
        partner = records.commercial_partner_id
        if len(partner) != 1:
            raise UserError(_("Choose the invoices of one customer."))
        moves = (
            records
            if records._name == "account.move"
            else self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", partner.id),
                    ("state", "=", "posted"),
                    ("move_type", "in", COLLECTED_MOVE_TYPES),
                    ("collection_days_overdue", ">", 0),
                    # a disputed invoice is discussed by resolving its dispute
                    ("collection_disputed", "=", False),
                ]
            )
        )
        values.update(partner_id=partner.id, move_ids=[Command.set(moves.ids)])
        return values

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_ids")
    def _compute_open_amount(self):
        for wizard in self:
            wizard.open_amount = sum(wizard.move_ids.mapped("amount_residual"))

    @api.onchange("move_ids")
    def _onchange_move_ids(self):
        self.amount = self.open_amount

    @api.depends("promise_type", "amount", "date", "installment_count", "frequency")
    def _compute_line_ids(self):
        """Equal installments from the first date; the last one takes the cents."""
        for wizard in self:
            if wizard.promise_type == "none" or not wizard.date or not wizard.amount:
                wizard.line_ids = [Command.clear()]
                continue
            count = (
                max(wizard.installment_count, 1) if wizard.promise_type == "plan" else 1
            )
            step = (
                relativedelta(weeks=1)
                if wizard.frequency == "weekly"
                else relativedelta(months=1)
            )
            share = wizard.currency_id.round(wizard.amount / count)
            lines = [
                Command.create(
                    {
                        "date": wizard.date + step * index,
                        "amount": share
                        if index < count - 1
                        else wizard.amount - share * (count - 1),
                    }
                )
                for index in range(count)
            ]
            wizard.line_ids = [Command.clear(), *lines]

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        promise = self._action_confirm()
        if not promise:
            return {"type": "ir.actions.act_window_close"}
        return {
            "type": "ir.actions.act_window",
            "res_model": "collection.promise",
            "res_id": promise.id,
            "view_mode": "form",
            "target": "current",
        }

    def _action_confirm(self):
        """Log the contact on the invoices it was about (read by those who
        read them, not by everyone who reads the customer), set the reason
        on the invoices, and record the promise, if any. A salesperson's
        answer goes to the collector instead (`_action_confirm_salesperson`)."""
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            return self._action_confirm_salesperson()
        self._check_moves()
        if self.reason_id:
            # a dispute's reason changes when the dispute is resolved
            self.move_ids.filtered(
                lambda m: not m.collection_disputed
            ).collection_reason_id = self.reason_id
        channels = dict(self._fields["channel"]._description_selection(self.env))
        body = _(
            "%(channel)s with %(contact)s: %(reason)s. %(note)s",
            channel=channels[self.channel],
            contact=self.contact_name or _("the customer"),
            reason=self.reason_id.name or _("no reason given"),
            note=self.note or "",
        )
        for move in self.move_ids:
            move.message_post(
                body=body, subtype_xmlid="credit_collection.mt_collection_contact"
            )
        if self.promise_type == "none":
            return self.env["collection.promise"]
        self._check_promise_input()
        promise = self.env["collection.promise"].create(self._prepare_promise_values())
        promise.action_confirm()
        return promise

    def _action_confirm_salesperson(self):
        """The customer's answer as their salesperson heard it: logged on the
        invoices, their requests to the customer marked done, and a promise,
        if any, recorded as a draft the collector confirms within their
        mandate (a salesperson grants nothing)."""
        partner = self.partner_id.commercial_partner_id
        Partner = self.env["res.partner"]
        if not Partner._collection_status_allowed(partner) or (
            self.move_ids and self.move_ids.commercial_partner_id != partner
        ):
            raise AccessError(
                _(
                    "You log the answers of your own customers only, about their "
                    "invoices."
                )
            )
        self._check_moves()
        self._check_promise_input()
        channels = dict(self._fields["channel"]._description_selection(self.env))
        body = _(
            "%(channel)s by the salesperson %(user)s with %(contact)s: "
            "%(reason)s. %(note)s",
            channel=channels[self.channel],
            user=self.env.user.name,
            contact=self.contact_name or _("the customer"),
            reason=self.reason_id.name or _("no reason given"),
            note=self.note or "",
        )
        for move in self.move_ids.sudo():
            move.message_post(
                body=body, subtype_xmlid="credit_collection.mt_collection_contact"
            )
        dunnings = (
            self.env["collection.dunning"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("state", "!=", "cancel")])
        )
        dunnings.activity_ids.filtered(
            lambda a: a.user_id == self.env.user
        ).action_feedback(feedback=body)
        if self.promise_type == "none":
            return self.env["collection.promise"]
        promise = as_module(self.env["collection.promise"]).create(
            self._prepare_promise_values()
        )
        collector = partner.with_company(promise.company_id).collection_user_id
        promise.activity_schedule(
            act_type_xmlid="mail.mail_activity_data_todo",
            summary=_(
                "Confirm the promise %(user)s recorded with %(customer)s",
                user=self.env.user.name,
                customer=partner.display_name,
            ),
            note=body,
            user_id=(collector or promise.create_uid).id,
        )
        return self.env["collection.promise"]

    def _check_moves(self):
        if not self.move_ids:
            raise UserError(
                _("Choose the invoices the contact was about: it is logged on them.")
            )

    def _check_promise_input(self):
        if self.promise_type == "none":
            return
        if self.promise_type == "promise" and not self.date:
            raise UserError(_("Give the promised date."))
        total = sum(self.line_ids.mapped("amount"))
        if self.currency_id.compare_amounts(total, self.amount) != 0:
            raise UserError(
                _(
                    "The installments (%(total)s) do not add up to the amount promised "
                    "(%(amount)s).",
                    total=self.currency_id.format(total),
                    amount=self.currency_id.format(self.amount),
                )
            )

    def _prepare_promise_values(self):
        return {
            "partner_id": self.partner_id.commercial_partner_id.id,
            "move_ids": [Command.set(self.move_ids.ids)],
            "channel": self.channel,
            "contact_name": self.contact_name,
            "reason_id": self.reason_id.id,
            "note": self.note,
            "line_ids": [
                Command.create({"date": line.date, "amount": line.amount})
                for line in self.line_ids
            ],
        }


class CollectionCallWizardLine(models.TransientModel):
    _name = "collection.call.wizard.line"
    _description = "Installment to Record"
    _order = "date, id"

    wizard_id = fields.Many2one(
        comodel_name="collection.call.wizard", ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
