from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from .collection_guard import as_module

# The measures a collector takes within a mandate, or asks an approver for.
WEAPONS = [
    ("delay", "Payment extension"),
    ("credit", "Payment plan"),
    ("waiver", "Waiver of charges"),
    ("hold", "Credit hold"),
    ("release", "Hold release"),
    ("terms", "Longer payment terms"),
    ("override", "Hold override"),
    ("promise", "Promise after broken ones"),
]
# The records a use is asked for that decide themselves once it is decided.
DECIDING_SOURCES = ("collection.promise", "collection.insurance.declaration")


class CollectionMandateUsage(models.Model):
    _name = "collection.mandate.usage"
    _description = "Collection Decision"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        readonly=True,
        help="Empty for a use by a dunning policy.",
    )
    policy_id = fields.Many2one(
        comodel_name="collection.policy",
        string="By Policy",
        readonly=True,
        check_company=True,
    )
    insurance_policy_id = fields.Many2one(
        comodel_name="collection.insurance.policy",
        string="By Insurance Policy",
        readonly=True,
        check_company=True,
    )
    mandate_id = fields.Many2one(
        comodel_name="collection.mandate", readonly=True, check_company=True
    )
    manager_id = fields.Many2one(
        comodel_name="res.users", string="Approver", readonly=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        check_company=True,
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    weapon = fields.Selection(
        selection=WEAPONS, string="Measure", required=True, readonly=True
    )
    value = fields.Float(readonly=True, help="Days for a delay, an amount otherwise.")
    limit_value = fields.Float(string="Limit", readonly=True)
    within_mandate = fields.Boolean(readonly=True)
    amount_at_stake = fields.Monetary(
        readonly=True,
        help="What the request puts at stake when asked: the open amount of its "
        "invoices, the amount waived for a waiver, the customer's open amount "
        "for a hold, a release or payment terms.",
    )
    value_display = fields.Char(compute="_compute_display_values", string="Asked")
    limit_display = fields.Char(
        compute="_compute_display_values", string="Mandate's Limit"
    )
    requested_date = fields.Date(
        compute="_compute_display_values",
        string="New Payment Date",
        help="The date the customer would pay by, for an extension or a promise.",
    )
    invoice_amount = fields.Monetary(
        compute="_compute_display_values",
        string="Invoiced",
        help="Total of the request's invoices, taxes included.",
    )
    request_summary = fields.Char(
        compute="_compute_request_summary",
        string="What Was Asked",
        help="The promise, plan or declaration the decision was asked for, with "
        "its amount and dates; the extension's new date otherwise.",
    )
    disputed_note = fields.Char(
        compute="_compute_request_summary",
        string="Disputed",
        help="The request's invoices under dispute: their amount is not at stake.",
    )
    state = fields.Selection(
        selection=[
            ("applied", "Applied"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("refused", "Refused"),
        ],
        required=True,
        readonly=True,
        tracking=True,
    )
    approver_id = fields.Many2one(
        comodel_name="res.users", string="Decided By", readonly=True
    )
    decision_date = fields.Datetime(readonly=True)
    reason = fields.Text(readonly=True)
    warning = fields.Char(
        readonly=True,
        help="Why the request needs an approver whatever the mandate: a payment "
        "date beyond the credit insurer's maximum extension period.",
    )
    payload = fields.Json(readonly=True, help="What to apply once approved.")
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source", model_field="res_model", readonly=True
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("weapon", "partner_id.display_name")
    def _compute_display_name(self):
        weapons = dict(self._fields["weapon"]._description_selection(self.env))
        for usage in self:
            usage.display_name = " · ".join(
                name
                for name in (weapons.get(usage.weapon), usage.partner_id.display_name)
                if name
            )

    @api.depends("weapon", "value", "limit_value", "payload", "move_ids")
    def _compute_display_values(self):
        for usage in self:
            date = (usage.payload or {}).get("date")
            usage.requested_date = fields.Date.to_date(date) if date else False
            usage.invoice_amount = sum(usage.move_ids.mapped("amount_total_signed"))
            usage.value_display = usage._format_value(usage.value)
            usage.limit_display = (
                usage._format_value(usage.limit_value) if usage.mandate_id else ""
            )

    @api.depends("res_model", "res_id", "payload", "move_ids.collection_disputed")
    @api.depends_context("lang")
    def _compute_request_summary(self):
        promises = (
            self.env["collection.promise"]
            .sudo()
            .browse(
                self.filtered(lambda u: u.res_model == "collection.promise").mapped(
                    "res_id"
                )
            )
        )
        for usage in self:
            summary = False
            if usage.res_model == "collection.promise":
                promise = promises.filtered(lambda p, u=usage: p.id == u.res_id)
                summary = promise._get_request_summary()
            elif usage.weapon == "delay" and usage.requested_date:
                summary = _(
                    "Extension to %(date)s of %(invoices)s",
                    date=format_date(self.env, usage.requested_date),
                    invoices=", ".join(usage.move_ids.mapped("name")),
                )
            usage.request_summary = summary
            disputed = usage.move_ids.filtered("collection_disputed")
            usage.disputed_note = bool(disputed) and _(
                "%(invoices)s disputed (%(amount)s): dunning is suspended for it "
                "whatever is decided here.",
                invoices=", ".join(disputed.mapped("name")),
                amount=usage.currency_id.format(
                    sum(disputed.mapped("amount_residual_signed"))
                ),
            )

    def _get_unit(self):
        """The unit of the weighed value, for a spreadsheet's column."""
        if self.weapon in ("delay", "terms"):
            return _("days")
        if self.weapon in ("credit", "waiver"):
            return self.currency_id.name
        if self.weapon == "promise":
            return _("broken promises")
        return ""

    def _format_value(self, value):
        """A weighed value in its unit: days, an amount, broken promises."""
        if self.weapon in ("delay", "terms"):
            return _("%(days)s days", days=round(value))
        if self.weapon in ("credit", "waiver"):
            return self.currency_id.format(value)
        if self.weapon == "promise":
            return _("%(count)s broken promise(s)", count=round(value))
        return ""

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def action_open_source(self):
        """Open the promise, plan or declaration the decision was asked for."""
        self.ensure_one()
        if not self.res_model or not self.res_id:
            raise UserError(_("This decision was not asked for another record."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Collection decisions are kept: refuse a request instead."))

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_approve(self):
        self._check_decision()
        self._action_decide("approved")
        for usage in self:
            usage._apply()

    def action_refuse(self):
        self._check_decision()
        self._action_decide("refused")
        for sources in self._get_sources():
            sources._collection_usage_decided()

    def _action_decide(self, state):
        as_module(self).write(
            {
                "state": state,
                "approver_id": self.env.uid,
                "decision_date": fields.Datetime.now(),
            }
        )
        decision = _("Approved") if state == "approved" else _("Refused")
        self.sudo().activity_feedback(
            ["mail.mail_activity_data_todo"], feedback=decision
        )
        # the collector who asked is told, in their inbox and their language
        for usage in self.sudo().filtered("user_id"):
            in_lang = usage.with_context(lang=usage.user_id.lang or self.env.lang)
            usage.message_post(
                body=in_lang.env._(
                    "%(decision)s by %(approver)s: %(request)s.",
                    decision=in_lang.env._("Approved")
                    if state == "approved"
                    else in_lang.env._("Refused"),
                    approver=self.env.user.name,
                    request=f"{in_lang._get_weapon_label()}, "
                    f"{usage.partner_id.display_name}",
                ),
                partner_ids=usage.user_id.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def action_export_xlsx(self):
        """The selected uses as a spreadsheet, for the manager's own analysis."""
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("Mandate usage.xlsx"), self._get_xlsx()
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_xlsx(self):
        import io

        import xlsxwriter

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Uses"))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        headers = [
            _("Date"),
            _("Collector"),
            _("Customer"),
            _("Measure"),
            _("Asked"),
            _("Limit"),
            _("Within Mandate"),
            _("State"),
            _("Decided By"),
            _("Amount at Stake"),
            _("Reason"),
            _("Unit"),
        ]
        sheet.write_row(0, 0, headers, bold)
        states = dict(self._fields["state"]._description_selection(self.env))
        for row, usage in enumerate(self.sorted("date"), start=1):
            sheet.write_datetime(row, 0, usage.date, date_format)
            sheet.write(
                row,
                1,
                usage.user_id.name
                or usage.policy_id.name
                or usage.insurance_policy_id.name
                or "",
            )
            sheet.write(row, 2, usage.partner_id.display_name)
            sheet.write(row, 3, usage._get_weapon_label())
            sheet.write_number(row, 4, usage.value)
            sheet.write_number(row, 5, usage.limit_value)
            sheet.write(row, 6, _("Yes") if usage.within_mandate else _("No"))
            sheet.write(row, 7, states[usage.state])
            sheet.write(row, 8, usage.approver_id.name or "")
            sheet.write_number(row, 9, usage.amount_at_stake, money)
            sheet.write(row, 10, usage.reason or "")
            sheet.write(row, 11, usage._get_unit())
        sheet.set_column(0, 0, 17)
        sheet.set_column(1, 3, 22)
        sheet.set_column(9, 10, 18)
        workbook.close()
        return output.getvalue()

    def _check_decision(self):
        """Four eyes: the requester never decides their own request; the
        approver named on it decides, or an administrator above them."""
        user = self.env.user
        if not user.has_group("credit_collection.group_collection_manager"):
            raise AccessError(_("Only a collection manager decides beyond a mandate."))
        if any(usage.state != "to_approve" for usage in self):
            raise UserError(_("Only a request waiting for approval can be decided."))
        for usage in self:
            if usage.user_id == user:
                raise AccessError(
                    _(
                        "You asked for this yourself: %(approver)s decides, not you.",
                        approver=usage.manager_id.name,
                    )
                )
            if user != usage.manager_id and not user.has_group("base.group_system"):
                raise AccessError(
                    _(
                        "%(approver)s decides this request, not you.",
                        approver=usage.manager_id.name,
                    )
                )

    def _ask_approval(self):
        for usage in self:
            manager = usage.manager_id
            if not manager or manager == usage.user_id:
                manager = self._get_fallback_manager(usage.company_id, usage.user_id)
            usage.manager_id = manager
            # in the approver's language, who reads it
            in_lang = usage.with_context(lang=manager.lang or self.env.lang)
            usage.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                summary=in_lang.env._(
                    "%(collector)s asks for %(weapon)s beyond the mandate: "
                    "%(customer)s",
                    collector=usage.user_id.name,
                    weapon=in_lang._get_weapon_label(),
                    customer=usage.partner_id.display_name,
                ),
                note="\n".join(
                    filter(
                        None,
                        [
                            in_lang.request_summary,
                            in_lang.disputed_note,
                            usage.warning,
                            usage.reason,
                        ],
                    )
                ),
                user_id=manager.id,
            )

    def _get_weapon_label(self):
        self.ensure_one()
        return dict(self._fields["weapon"]._description_selection(self.env))[
            self.weapon
        ]

    def _apply(self):
        """Make the weapon take effect through its `_apply_<weapon>` hook, or,
        for a use asked by a promise, let the promise decide. A manager's
        override of a hold has already happened: it is only logged."""
        promised = self.filtered(lambda u: u.res_model in DECIDING_SOURCES)
        todo = (self - promised).sudo().filtered(lambda u: u.weapon != "override")
        for weapon, usages in todo.grouped("weapon").items():
            getattr(usages, f"_apply_{weapon}")()
        for sources in promised._get_sources():
            sources._collection_usage_decided()

    def _get_sources(self):
        """The promises and declarations these uses were asked for, each of
        which decides what happens once its uses are decided."""
        return [
            self.env[model]
            .sudo()
            .browse(self.filtered(lambda u, m=model: u.res_model == m).mapped("res_id"))
            for model in DECIDING_SOURCES
        ]

    def _apply_delay(self):
        for usage in self:
            usage.move_ids.write({"collection_extended_until": usage.payload["date"]})

    def _apply_waiver(self):
        for usage in self:
            usage.move_ids.write(
                {
                    "collection_charges_waived_until": usage.payload["date"],
                    "collection_compensation_waived": True,
                }
            )

    def _apply_terms(self):
        for usage in self:
            record = (
                self.env[usage.res_model]
                .browse(usage.res_id)
                .with_company(usage.company_id)
            )
            field = (
                "property_payment_term_id"
                if usage.res_model == "res.partner"
                else "payment_term_id"
            )
            record[field] = usage.payload["payment_term_id"]

    def _apply_hold(self):
        """One write per reason and author: a policy holds many customers."""
        for (company, reason, user), usages in self.grouped(
            lambda u: (u.company_id, u.reason, u.user_id)
        ).items():
            usages.partner_id.with_company(company).write(
                {
                    "collection_hold": True,
                    "collection_hold_reason": reason,
                    "collection_hold_date": fields.Date.context_today(self),
                    "collection_hold_user_id": user.id,
                }
            )

    def _apply_release(self):
        for company, usages in self.grouped("company_id").items():
            usages.partner_id.with_company(company).write(
                {
                    "collection_hold": False,
                    "collection_hold_reason": False,
                    "collection_hold_date": False,
                    "collection_hold_user_id": False,
                }
            )
