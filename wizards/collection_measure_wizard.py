from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CollectionMeasureWizard(models.TransientModel):
    _name = "collection.measure.wizard"
    _description = "Take a Collection Measure"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    measure = fields.Selection(
        selection=[
            ("delay", "Grant an extension"),
            ("waiver", "Waive late-payment charges"),
            ("hold", "Put on credit hold"),
            ("release", "Release the credit hold"),
            ("terms", "Accept payment terms"),
        ],
        string="Measure",
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
    due_date = fields.Date(
        compute="_compute_due_date",
        string="Oldest Due Date",
        help="The oldest unpaid due date of these invoices: the days granted "
        "count from it, as your mandate counts them.",
    )
    days = fields.Integer(
        compute="_compute_days",
        store=True,
        readonly=False,
        string="Days from Today",
        help="The days the customer gets from today: type them or pick the new "
        "payment date.",
    )
    date_error = fields.Char(
        compute="_compute_value",
        help="Why the new payment date cannot be granted as it is.",
    )
    reason = fields.Text(required=True)
    value = fields.Integer(
        compute="_compute_value",
        string="Counted Against Your Mandate",
        help="The days this request weighs against your mandate: for an "
        "extension, from the oldest unpaid original due date to the new date.",
    )
    limit = fields.Char(
        compute="_compute_mandate_id",
        string="Your Mandate Allows",
        help="What you may grant without a manager's approval.",
    )
    waiver_amount = fields.Monetary(compute="_compute_value", string="Amount Waived")
    mandate_id = fields.Many2one(
        comodel_name="collection.mandate", compute="_compute_mandate_id"
    )
    within_mandate = fields.Boolean(compute="_compute_value")

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("measure")
    def _compute_mandate_id(self):
        mandate = self.env["collection.mandate"]._get_mandate(
            self.env.user,
            self.env.company,
            self.env["collection.receivable"]._get_today(),
        )
        for wizard in self:
            wizard.mandate_id = mandate
            wizard.limit = mandate._describe_limit(wizard.measure)

    @api.depends("move_ids")
    def _compute_due_date(self):
        Receivable = self.env["collection.receivable"]
        for wizard in self:
            wizard.due_date = Receivable._get_oldest_due_date(wizard.move_ids._origin)

    @api.depends("date")
    def _compute_days(self):
        today = self.env["collection.receivable"]._get_today()
        for wizard in self:
            wizard.days = (wizard.date - today).days if wizard.date else 0

    @api.onchange("days")
    def _onchange_days(self):
        if self.days > 0:
            self.date = fields.Date.add(
                self.env["collection.receivable"]._get_today(), days=self.days
            )

    @api.depends("measure", "date", "move_ids", "payment_term_id", "order_id")
    def _compute_value(self):
        """What the request will weigh, computed as the mandate check will."""
        Decision = self.env["collection.decision"]
        for wizard in self:
            error = False
            try:
                value = Decision._get_request_facts(
                    wizard.measure,
                    wizard.partner_id.commercial_partner_id,
                    wizard.move_ids._origin,
                    wizard.date,
                    wizard.payment_term_id._origin,
                    wizard.order_id._origin,
                    None,
                )[0]
            except UserError as refused:
                value = 0.0
                # said as the dialog is filled, not on Confirm
                error = wizard.date and refused.args[0]
            wizard.date_error = error
            wizard.waiver_amount = value if wizard.measure == "waiver" else 0.0
            wizard.value = 0.0 if wizard.measure == "waiver" else value
            wizard.within_mandate = not error and wizard.mandate_id._allows(
                wizard.measure, value
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        decision = self._request()
        if decision.state == "applied":
            message = _("Done: within your mandate.")
        else:
            message = _(
                "Beyond your mandate: %(manager)s decides. Nothing changes until then.",
                manager=decision.manager_id.name,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "success" if decision.state == "applied" else "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _action_open(self, measure, partner, **defaults):
        """The wizard for `measure` on `partner`, from any screen."""
        context = {f"default_{name}": value for name, value in defaults.items()}
        measures = dict(self._fields["measure"]._description_selection(self.env))
        return {
            "name": measures[measure],
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_measure": measure,
                "default_partner_id": partner.commercial_partner_id.id,
                **context,
            },
        }

    def _request(self):
        return self.env["collection.decision"]._request(
            self.measure,
            self.partner_id,
            self.move_ids,
            date=self.date,
            payment_term=self.payment_term_id,
            order=self.order_id,
            reason=self.reason,
        )
