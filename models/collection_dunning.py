from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount, format_date


class CollectionDunning(models.Model):
    _name = "collection.dunning"
    _description = "Dunning"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    run_id = fields.Many2one(
        comodel_name="collection.run", ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True, index=True
    )
    level_id = fields.Many2one(comodel_name="collection.level", required=True)
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    channel = fields.Selection(related="level_id.channel", store=True)
    formal_notice = fields.Boolean(related="level_id.formal_notice")
    user_id = fields.Many2one(comodel_name="res.users", string="Collector")
    salesperson_id = fields.Many2one(comodel_name="res.users", string="Salesperson")
    date = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        selection=[("draft", "Proposed"), ("done", "Sent"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many(
        comodel_name="collection.dunning.line",
        inverse_name="dunning_id",
        string="Invoices",
    )
    amount_open = fields.Monetary(
        string="Open Amount", compute="_compute_amounts", store=True
    )
    interest_amount = fields.Monetary(
        string="Interest", compute="_compute_amounts", store=True
    )
    compensation_amount = fields.Monetary(
        string="Compensation", compute="_compute_amounts", store=True
    )
    fee_amount = fields.Monetary(string="Fee")
    amount_total = fields.Monetary(
        string="Total Due", compute="_compute_amounts", store=True
    )
    mail_message_id = fields.Many2one(
        comodel_name="mail.message", string="Email", readonly=True
    )
    letter_attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="Letter", readonly=True
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends(
        "line_ids.amount_open",
        "line_ids.interest_amount",
        "line_ids.compensation_amount",
        "line_ids.currency_id",
        "fee_amount",
    )
    def _compute_amounts(self):
        for dunning in self:
            company = dunning.company_id
            open_amount = interest = 0.0
            for line in dunning.line_ids:
                open_amount += line.currency_id._convert(
                    line.amount_open, company.currency_id, company, dunning.date
                )
                interest += line.currency_id._convert(
                    line.interest_amount, company.currency_id, company, dunning.date
                )
            compensation = sum(dunning.line_ids.mapped("compensation_amount"))
            dunning.amount_open = open_amount
            dunning.interest_amount = interest
            dunning.compensation_amount = compensation
            dunning.amount_total = (
                open_amount + interest + compensation + dunning.fee_amount
            )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(dunning.state != "draft" for dunning in self):
            raise UserError(
                _("A dunning that was sent to a customer cannot be deleted: cancel it.")
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_cancel(self):
        if any(dunning.state == "cancel" for dunning in self):
            raise UserError(_("This dunning is already cancelled."))
        self._action_cancel()

    def _action_cancel(self):
        self.write({"state": "cancel"})
        self.line_ids.write({"state": "cancel"})

    def action_print_letter(self):
        return self.env.ref(
            "credit_collection.action_report_collection_dunning"
        ).report_action(self)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _execute(self):
        """Send each proposed dunning through its level's channel, then mark it
        and its invoices dunned."""
        for dunning in self:
            if dunning.state != "draft":
                raise UserError(
                    _(
                        "%(dunning)s was already executed or cancelled.",
                        dunning=dunning.name,
                    )
                )
            dunning.name = self.env["ir.sequence"].next_by_code("collection.dunning")
            dunning._send()
        self.write({"state": "done"})
        self.line_ids.write({"state": "done"})

    def _send(self):
        self.ensure_one()
        level = self.level_id
        partner = self.partner_id
        if level.channel in ("email", "letter") or level.formal_notice:
            self._attach_letter()
        if level.channel == "email":
            self._send_email()
        elif level.channel == "letter":
            partner.message_post(
                body=_(
                    "%(level)s: letter %(name)s printed for %(amount)s.",
                    level=level.name,
                    name=self.name,
                    amount=self._format_amount(self.amount_total),
                ),
                attachment_ids=self.letter_attachment_id.ids,
            )
        if level.channel == "phone" or level.activity_type_id:
            self._schedule_call()
        if level.notify_salesperson and self.salesperson_id:
            self._notify_salesperson()
        if level.hold_deliveries:
            self._hold()

    def _attach_letter(self):
        report = self.env.ref("credit_collection.action_report_collection_dunning")
        self.letter_attachment_id = report._collection_attach_pdf(
            self, self, f"{self.name.replace('/', '-')}.pdf"
        )

    def _send_email(self):
        recipient = self.partner_id._collection_get_recipients()[self.partner_id.id]
        if not recipient.email:
            raise UserError(
                _("%(partner)s has no email address.", partner=recipient.display_name)
            )
        template = self.level_id.mail_template_id or self.env.ref(
            "credit_collection.mail_template_collection_dunning"
        )
        lang = recipient.lang or self.partner_id.lang
        rendered = template.with_context(lang=lang)._generate_template(
            self.ids, ["subject", "body_html"]
        )[self.id]
        self.mail_message_id = self.partner_id.with_context(
            mail_post_autofollow=False
        ).message_post(
            subject=rendered["subject"],
            body=rendered["body_html"],
            partner_ids=recipient.ids,
            attachment_ids=self.letter_attachment_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _schedule_call(self):
        level = self.level_id
        user = (
            self.salesperson_id
            if level.activity_user == "salesperson"
            else self.user_id
        )
        self.partner_id.activity_schedule(
            activity_type_id=(
                level.activity_type_id or self.env.ref("mail.mail_activity_data_call")
            ).id,
            summary=_(
                "%(level)s: %(count)s overdue invoice(s), %(amount)s",
                level=level.name,
                count=len(self.line_ids),
                amount=self._format_amount(self.amount_total),
            ),
            note=self._get_desk_note(),
            user_id=(user or self.env.user).id,
            date_deadline=self.date,
        )

    def _notify_salesperson(self):
        self.partner_id.activity_schedule(
            act_type_xmlid="mail.mail_activity_data_todo",
            summary=_(
                "Your customer is %(days)s days late: please help collect %(amount)s",
                days=max(self.line_ids.mapped("days_overdue"), default=0),
                amount=self._format_amount(self.amount_open),
            ),
            note=self._get_desk_note(),
            user_id=self.salesperson_id.id,
            date_deadline=self.date,
        )

    def _hold(self):
        """The policy puts the customer on credit hold, as its own use."""
        if not self.partner_id.collection_hold:
            self.env["collection.mandate.usage"]._request(
                "hold",
                self.partner_id,
                moves=self.line_ids.move_id,
                reason=_("%(level)s reached", level=self.level_id.name),
                source=self,
                policy=self.policy_id,
            )

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _get_desk_note(self):
        """Everything to have at hand before calling: the invoices with their
        orders, payment terms and amounts, and the previous contacts."""
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                "<td style='text-align:right'>%s</td>"
                "<td style='text-align:right'>%s</td></tr>"
            )
            % (
                line.move_id.name,
                line.move_id.invoice_origin or "",
                line.move_id.invoice_payment_term_id.name or "",
                format_date(self.env, line.due_date),
                line.days_overdue,
                line.move_id.currency_id.format(line.amount_total),
                line.move_id.currency_id.format(line.amount_open),
            )
            for line in self.line_ids
        )
        previous = self.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("state", "=", "done"),
                ("id", "!=", self.id),
            ],
            limit=5,
        )
        contacts = Markup("").join(
            Markup("<li>%s: %s (%s)</li>")
            % (format_date(self.env, dunning.date), dunning.level_id.name, dunning.name)
            for dunning in previous
        ) or Markup("<li>%s</li>") % _("No previous dunning")
        return Markup(
            "<p>%s</p><table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
            "<tbody>%s</tbody></table><p>%s</p><ul>%s</ul>"
        ) % (
            escape(
                _(
                    "Customer: %(partner)s, phone %(phone)s",
                    partner=self.partner_id.display_name,
                    phone=self.partner_id.phone or self.partner_id.mobile or "-",
                )
            ),
            _("Invoice"),
            _("Order"),
            _("Payment terms"),
            _("Due date"),
            _("Days late"),
            _("Amount"),
            _("Open"),
            rows,
            _("Previous contacts"),
            contacts,
        )
