from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CollectionWeaponWizard(models.TransientModel):
    _name = "collection.weapon.wizard"
    _description = "Use a Collection Weapon"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    weapon = fields.Selection(
        selection=[
            ("delay", "Grant an extension"),
            ("waiver", "Waive late-payment charges"),
            ("hold", "Put on credit hold"),
            ("release", "Release the credit hold"),
            ("terms", "Accept payment terms"),
        ],
        required=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True
    )
    move_ids = fields.Many2many(comodel_name="account.move", string="Invoices")
    currency_id = fields.Many2one(related="partner_id.collection_currency_id")
    order_id = fields.Many2one(comodel_name="sale.order", string="Order")
    payment_term_id = fields.Many2one(comodel_name="account.payment.term")
    date = fields.Date(string="New Payment Date")
    reason = fields.Text(required=True)
    value = fields.Float(compute="_compute_value", string="Days Granted")
    waiver_amount = fields.Monetary(compute="_compute_value", string="Amount Waived")
    mandate_id = fields.Many2one(
        comodel_name="collection.mandate", compute="_compute_mandate_id"
    )
    within_mandate = fields.Boolean(compute="_compute_value")

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("weapon")
    def _compute_mandate_id(self):
        mandate = self.env["collection.mandate"]._get_mandate(
            self.env.user, self.env.company, fields.Date.context_today(self)
        )
        self.mandate_id = mandate

    @api.depends("weapon", "date", "move_ids", "payment_term_id")
    def _compute_value(self):
        for wizard in self:
            wizard.value = {
                "delay": wizard._get_delay_days,
                "terms": wizard._get_term_days,
            }.get(wizard.weapon, lambda: 0)()
            wizard.waiver_amount = (
                wizard._get_waiver_amount() if wizard.weapon == "waiver" else 0.0
            )
            value = wizard.waiver_amount if wizard.weapon == "waiver" else wizard.value
            wizard.within_mandate = wizard.mandate_id._allows(wizard.weapon, value)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        usage = self._request()
        if usage.state == "applied":
            message = _("Done: within your mandate.")
        else:
            message = _(
                "Beyond your mandate: %(manager)s decides. Nothing changes until then.",
                manager=usage.manager_id.name,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "success" if usage.state == "applied" else "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _action_open(self, weapon, partner, **defaults):
        """The wizard for `weapon` on `partner`, from any screen."""
        context = {f"default_{name}": value for name, value in defaults.items()}
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_weapon": weapon,
                "default_partner_id": partner.commercial_partner_id.id,
                **context,
            },
        }

    def _get_delay_days(self):
        """Days between the invoices' original due date and the new one."""
        if not self.date or not self.move_ids:
            return 0
        return max((self.date - move.invoice_date_due).days for move in self.move_ids)

    def _get_term_days(self):
        """Longest delay of the payment terms' installments."""
        lines = self.payment_term_id.line_ids
        return max(lines.mapped("nb_days"), default=0)

    def _get_waiver_amount(self):
        """Interest and compensation due today on the invoices, company currency."""
        if not self.move_ids:
            return 0.0
        today = fields.Date.context_today(self)
        company = self.env.company
        charges = self.move_ids._collection_get_charges(today)
        return sum(
            move.currency_id._convert(
                charges[move.id]["interest"], company.currency_id, company, today
            )
            + charges[move.id]["compensation"]
            for move in self.move_ids
        )

    def _request(self):
        Usage = self.env["collection.mandate.usage"]
        today = fields.Date.context_today(self)
        if self.weapon in ("delay", "waiver") and not self.move_ids:
            raise UserError(_("Choose the invoices concerned."))
        if self.move_ids.commercial_partner_id - self.partner_id.commercial_partner_id:
            raise UserError(
                _(
                    "These invoices are not all of %(partner)s.",
                    partner=self.partner_id.display_name,
                )
            )
        if self.weapon == "delay":
            if not self.date or self.date <= today:
                raise UserError(_("The new payment date must be after today."))
            return Usage._request(
                "delay",
                self.partner_id,
                self.value,
                self.move_ids,
                payload={"date": fields.Date.to_string(self.date)},
                reason=self.reason,
            )
        if self.weapon == "waiver":
            if self.waiver_amount <= 0:
                raise UserError(
                    _("These invoices have no interest nor compensation to waive.")
                )
            return Usage._request(
                "waiver",
                self.partner_id,
                self.waiver_amount,
                self.move_ids,
                payload={"date": fields.Date.to_string(today)},
                reason=self.reason,
            )
        if self.weapon == "terms":
            if not self.payment_term_id:
                raise UserError(_("Choose the payment terms to accept."))
            source = self.order_id or self.partner_id.commercial_partner_id
            return Usage._request(
                "terms",
                self.partner_id,
                self.value,
                payload={"payment_term_id": self.payment_term_id.id},
                reason=self.reason,
                source=source,
            )
        on_hold = self.partner_id.commercial_partner_id.collection_hold
        if self.weapon == "hold" and on_hold:
            raise UserError(
                _(
                    "%(partner)s is already on hold.",
                    partner=self.partner_id.display_name,
                )
            )
        if self.weapon == "release" and not on_hold:
            raise UserError(
                _("%(partner)s is not on hold.", partner=self.partner_id.display_name)
            )
        return Usage._request(self.weapon, self.partner_id, reason=self.reason)
