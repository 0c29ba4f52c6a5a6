from collections import defaultdict

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round
from odoo.tools.misc import format_amount, format_date


class CollectionDunning(models.Model):
    _name = "collection.dunning"
    _description = "Dunning"
    _inherit = ["mail.thread", "collection.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    run_id = fields.Many2one(
        comodel_name="collection.run",
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
    )
    level_id = fields.Many2one(
        comodel_name="collection.level", required=True, check_company=True
    )
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    channel = fields.Selection(related="level_id.channel", store=True)
    formal_notice = fields.Boolean(related="level_id.formal_notice")
    user_id = fields.Many2one(comodel_name="res.users", string="Collector")
    salesperson_id = fields.Many2one(comodel_name="res.users", string="Salesperson")
    date = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        selection=[
            ("draft", "Proposed"),
            ("queued", "To Send"),
            ("done", "Sent"),
            ("cancel", "Cancelled"),
        ],
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
        comodel_name="ir.attachment",
        string="Letter",
        readonly=True,
        index="btree_not_null",
    )
    send_error = fields.Char(
        readonly=True,
        help="Why the scheduled action could not send it: fix the cause, then "
        "Send Now.",
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
        "date",
    )
    def _compute_amounts(self):
        for dunning in self:
            lines = dunning.line_ids
            to_company = self._get_converter(
                dunning.company_id, dunning.date, set(lines.currency_id.ids)
            )
            dunning.update(
                self._get_amounts(
                    [
                        (
                            line.amount_open,
                            line.interest_amount,
                            line.compensation_amount,
                            line.currency_id.id,
                        )
                        for line in lines
                    ],
                    dunning.fee_amount,
                    to_company,
                )
            )

    @api.model
    def _get_converter(self, company, date, currency_ids):
        """A function converting an amount of a currency to the company's at
        `date`, rounded as `res.currency._convert` rounds: the rates read once
        for the proposal's thousands of lines."""
        rates = {
            currency.id: currency._get_conversion_rate(
                currency, company.currency_id, company, date
            )
            for currency in self.env["res.currency"].browse(currency_ids)
        }
        rounding = company.currency_id.rounding

        def to_company(amount, currency_id):
            if rates[currency_id] == 1.0:  # already in company currency
                return amount
            return float_round(amount * rates[currency_id], precision_rounding=rounding)

        return to_company

    @api.model
    def _get_amounts(self, lines, fee, to_company):
        """A dunning's amounts in company currency from its lines' (open,
        interest, compensation, currency id): the one place both the compute
        and the bulk proposal take them from."""
        open_amount = sum(
            to_company(amount, currency) for amount, _i, _c, currency in lines
        )
        interest = sum(
            to_company(amount, currency) for _o, amount, _c, currency in lines
        )
        compensation = sum(amount for _o, _i, amount, _currency in lines)
        return {
            "amount_open": open_amount,
            "interest_amount": interest,
            "compensation_amount": compensation,
            "amount_total": open_amount + interest + compensation + fee,
        }

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(
            dunning.state != "draft"
            or dunning.run_id.state not in ("draft", "proposed")
            for dunning in self
        ):
            raise UserError(
                _("A dunning that was sent to a customer cannot be deleted: cancel it.")
            )

    def _message_update_content(self, message, *args, **kwargs):
        message._collection_check_not_sent()
        return super()._message_update_content(message, *args, **kwargs)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_cancel(self):
        if any(dunning.state == "cancel" for dunning in self):
            raise UserError(_("This dunning is already cancelled."))
        self._action_cancel()

    def _action_cancel(self):
        self.sudo().write({"state": "cancel"})
        self.line_ids.sudo().write({"state": "cancel"})

    def action_print_letter(self):
        return self.env.ref(
            "credit_collection.action_report_collection_dunning"
        ).report_action(self)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _execute(self):
        """Decide each proposed dunning: its invoices reach its level, calls and
        requests become activities, "stop deliveries" puts the customer on hold
        at once; letters and emails are queued for the scheduled action, which
        renders and sends them in batches. Called under the company's dunning
        lock; a dunning one of whose invoices reached its level meanwhile (by
        another run) is dropped, its invoices listed as already dunned."""
        for dunning in self.filtered(lambda d: d.state != "draft"):
            raise UserError(
                _(
                    "%(dunning)s was already executed or cancelled.",
                    dunning=dunning.name,
                )
            )
        dunnings = self.sudo() - self._drop_dunned_meanwhile()
        if dunnings:
            dunnings._execute_checked()

    def _execute_checked(self):
        activities = self._prepare_activity_values()
        for dunning in self:
            dunning.name = self.env["ir.sequence"].next_by_code("collection.dunning")
        to_send = self.filtered(
            lambda d: d.channel in ("email", "letter") or d.formal_notice
        )
        to_send.write({"state": "queued"})
        (self - to_send).write({"state": "done"})
        self.line_ids.write({"state": "done"})
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )
        self._hold()
        if to_send:
            self.env.ref(
                "credit_collection.ir_cron_collection_send_dunnings"
            )._trigger()

    def _drop_dunned_meanwhile(self):
        """Drop the dunnings one of whose invoices got a sent dunning at the
        same level or later since the proposal: their lines stay in the run
        as skipped. Returns the dropped dunnings."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT line.dunning_id
                  FROM collection_dunning_line line
                  JOIN collection_level level ON level.id = line.level_id
                  JOIN collection_dunning_line sent
                       ON sent.move_id = line.move_id AND sent.state = 'done'
                  JOIN collection_level sent_level ON sent_level.id = sent.level_id
                 WHERE line.dunning_id = ANY(%s)
                   AND sent_level.days_after_due >= level.days_after_due
                """,
                self.ids,
            )
        )
        dropped = self.browse([row[0] for row in self.env.cr.fetchall()]).sudo()
        if dropped:
            dropped.line_ids.write(
                {
                    "state": "skipped",
                    "skip_reason": "already_dunned",
                    "dunning_id": False,
                }
            )
            for run, dunnings in dropped.grouped("run_id").items():
                run.message_post(
                    body=_(
                        "%(count)s dunning(s) dropped at execution: their invoices "
                        "were dunned at the same level by another run meanwhile "
                        "(%(customers)s).",
                        count=len(dunnings),
                        customers=", ".join(dunnings.partner_id.mapped("display_name")),
                    )
                )
            dropped.unlink()
        return dropped

    @api.model
    def _cron_send_queued(self, batch_size=50):
        """Render and send the queued letters and emails, a batch at a time. A
        dunning that cannot be sent (its customer lost their email address)
        keeps waiting with the reason, and the others go on."""
        domain = [("state", "=", "queued"), ("send_error", "=", False)]
        dunnings = self.search(domain, order="id", limit=batch_size)
        for dunning in dunnings.sudo():
            try:
                with self.env.cr.savepoint():
                    dunning._attach_letters()
                    dunning._send()
                    dunning.state = "done"
            except Exception as error:  # noqa: BLE001 - recorded, the others go on
                dunning.send_error = str(error) or error.__class__.__name__
                dunning.message_post(body=str(error))
                if dunning.user_id:
                    dunning.partner_id.activity_schedule(
                        act_type_xmlid="mail.mail_activity_data_todo",
                        summary=_("Could not send %(name)s", name=dunning.name),
                        note=str(error),
                        user_id=dunning.user_id.id,
                    )
        self.env["ir.cron"]._notify_progress(
            done=len(dunnings), remaining=self.search_count(domain)
        )

    def action_send_now(self):
        """Send queued dunnings without waiting for the scheduled action; an
        error is shown at once."""
        if any(dunning.state != "queued" for dunning in self):
            raise UserError(_("Only a dunning waiting to be sent can be sent now."))
        dunnings = self.sudo()
        dunnings._attach_letters()
        for dunning in dunnings:
            dunning._send()
        dunnings.write({"state": "done", "send_error": False})

    def _send(self):
        """Post the email or the letter of a dunning whose letter is attached."""
        self.ensure_one()
        level = self.level_id
        if level.channel == "email":
            self._send_email()
        elif level.channel == "letter":
            self.message_post(
                body=_(
                    "%(level)s: letter %(name)s printed for %(amount)s.",
                    level=level.name,
                    name=self.name,
                    amount=self._format_amount(self.amount_total),
                ),
                attachment_ids=self.letter_attachment_id.ids,
            )

    def _attach_letters(self):
        """Render the letter of each dunning that sends one, in its customer's
        language, and attach it. One rendering a letter: Debian's wkhtmltopdf
        (unpatched Qt) fails on several documents at once."""
        report = self.env.ref("credit_collection.action_report_collection_dunning")
        for dunning in self.filtered(
            lambda d: (
                not d.letter_attachment_id
                and (d.channel in ("email", "letter") or d.formal_notice)
            )
        ):
            dunning.letter_attachment_id = report._collection_attach_pdf(
                dunning, dunning, f"{dunning.name.replace('/', '-')}.pdf"
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
        # on the dunning, not the customer: only those who may read the
        # customer's collection read what was sent
        self.mail_message_id = self.with_context(
            mail_post_autofollow=False
        ).message_post(
            subject=rendered["subject"],
            body=rendered["body_html"],
            partner_ids=recipient.ids,
            attachment_ids=self.letter_attachment_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _prepare_activity_values(self):
        """The collector's call and the salesperson's request each level asks
        for, with the desk note, for the whole recordset at once."""
        notes = self._get_desk_notes()
        partner_model = self.env["ir.model"]._get_id("res.partner")
        call_type = self.env.ref("mail.mail_activity_data_call")
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        values = []
        for dunning in self:
            level = dunning.level_id
            common = {
                "res_model_id": partner_model,
                "res_id": dunning.partner_id.id,
                "note": notes[dunning.id],
                "date_deadline": dunning.date,
                "automated": True,
            }
            if level.channel == "phone" or level.activity_type_id:
                user = (
                    dunning.salesperson_id
                    if level.activity_user == "salesperson"
                    else dunning.user_id
                )
                values.append(
                    {
                        **common,
                        "activity_type_id": (level.activity_type_id or call_type).id,
                        "summary": _(
                            "%(level)s: %(count)s overdue invoice(s), %(amount)s",
                            level=level.name,
                            count=len(dunning.line_ids),
                            amount=dunning._format_amount(dunning.amount_total),
                        ),
                        "user_id": (user or self.env.user).id,
                    }
                )
            if level.notify_salesperson and dunning.salesperson_id:
                values.append(
                    {
                        **common,
                        "activity_type_id": todo_type.id,
                        "summary": _(
                            "Your customer is %(days)s days late: please help"
                            " collect %(amount)s",
                            days=max(
                                dunning.line_ids.mapped("days_overdue"), default=0
                            ),
                            amount=dunning._format_amount(dunning.amount_open),
                        ),
                        "user_id": dunning.salesperson_id.id,
                    }
                )
        return values

    def _hold(self):
        """ "Stop deliveries" levels put their customers on credit hold, as the
        policy's own uses."""
        for policy, dunnings in (
            self.filtered(
                lambda d: (
                    d.level_id.hold_deliveries and not d.partner_id.collection_hold
                )
            )
            .grouped("policy_id")
            .items()
        ):
            self.env["collection.mandate.usage"]._request_for_policy(
                "hold",
                policy,
                [
                    (
                        dunning.partner_id,
                        dunning.line_ids.move_id,
                        self.env._("%(level)s reached", level=dunning.level_id.name),
                        dunning,
                    )
                    for dunning in dunnings
                ],
            )

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _get_desk_notes(self):
        """{dunning id: everything to have at hand before calling}: the
        invoices with their orders, payment terms and amounts, and the
        previous contacts. Only for the dunnings that ask for an activity."""
        dunnings = self.filtered(
            lambda d: (
                d.level_id.channel == "phone"
                or d.level_id.activity_type_id
                or (d.level_id.notify_salesperson and d.salesperson_id)
            )
        )
        dunnings.line_ids.move_id.fetch(
            ["name", "invoice_origin", "invoice_payment_term_id", "currency_id"]
        )
        previous = defaultdict(list)
        for dunning in self.search(
            [
                ("partner_id", "in", dunnings.partner_id.ids),
                ("state", "in", ("queued", "done")),
                ("id", "not in", dunnings.ids),
            ]
        ):
            if len(previous[dunning.partner_id.id]) < 5:
                previous[dunning.partner_id.id].append(dunning)
        notes = dict.fromkeys(self.ids, False)
        for dunning in dunnings:
            notes[dunning.id] = dunning._get_desk_note(previous[dunning.partner_id.id])
        return notes

    def _get_desk_note(self, previous):
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
