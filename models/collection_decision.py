from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from .collection_guard import as_module
from .collection_xlsx import CollectionWorkbook

# The measures a collector takes within a mandate, or asks an approver for.
MEASURES = [
    ("delay", "Payment extension"),
    ("credit", "Payment plan"),
    ("waiver", "Waiver of charges"),
    ("hold", "Credit hold"),
    ("release", "Hold release"),
    ("terms", "Longer payment terms"),
    ("override", "Hold override"),
    ("promise", "Promise after broken ones"),
    ("escalate", "Handover to a handler"),
]


class CollectionDecision(models.Model):
    _name = "collection.decision"
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
        help="Empty for a decision by a dunning or insurance policy.",
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
    measure = fields.Selection(
        selection=MEASURES, string="Measure", required=True, readonly=True
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

    @api.depends("measure", "partner_id.display_name")
    def _compute_display_name(self):
        measures = dict(self._fields["measure"]._description_selection(self.env))
        for decision in self:
            decision.display_name = " · ".join(
                name
                for name in (
                    measures.get(decision.measure),
                    decision.partner_id.display_name,
                )
                if name
            )

    @api.depends("measure", "value", "limit_value", "payload", "move_ids")
    def _compute_display_values(self):
        for decision in self:
            date = (decision.payload or {}).get("date")
            decision.requested_date = fields.Date.to_date(date) if date else False
            decision.invoice_amount = sum(
                decision.move_ids.mapped("amount_total_signed")
            )
            decision.value_display = decision._format_value(decision.value)
            decision.limit_display = (
                decision._format_value(decision.limit_value)
                if decision.mandate_id
                else ""
            )

    @api.depends("res_model", "res_id", "payload", "move_ids.collection_disputed")
    @api.depends_context("lang")
    def _compute_request_summary(self):
        promises = (
            self.env["collection.promise"]
            .sudo()
            .browse(
                # two decisions (a delay and a plan) may be asked by one promise
                set(
                    self.filtered(lambda u: u.res_model == "collection.promise").mapped(
                        "res_id"
                    )
                )
            )
        )
        for decision in self:
            summary = False
            if decision.res_model == "collection.promise":
                promise = promises.filtered(lambda p, u=decision: p.id == u.res_id)
                summary = promise._get_request_summary()
            elif decision.res_model == "collection.case":
                case = self.env["collection.case"].sudo().browse(decision.res_id)
                summary = _(
                    "Handover of %(invoices)s to %(handler)s (%(procedure)s), "
                    "%(amount)s claimed",
                    invoices=", ".join(decision.move_ids.mapped("name")),
                    handler=case.handler_id.name,
                    procedure=dict(
                        case._fields["procedure"]._description_selection(self.env)
                    ).get(case.procedure),
                    amount=case.currency_id.format(case.amount_claimed),
                )
            elif decision.measure == "delay" and decision.requested_date:
                summary = _(
                    "Extension to %(date)s of %(invoices)s",
                    date=format_date(self.env, decision.requested_date),
                    invoices=", ".join(decision.move_ids.mapped("name")),
                )
            decision.request_summary = summary
            disputed = decision.move_ids.filtered("collection_disputed")
            decision.disputed_note = bool(disputed) and _(
                "%(invoices)s disputed (%(amount)s): dunning is suspended for it "
                "whatever is decided here.",
                invoices=", ".join(disputed.mapped("name")),
                amount=decision.currency_id.format(
                    sum(disputed.mapped("amount_residual_signed"))
                ),
            )

    def _get_unit(self):
        """The unit of the weighed value, for a spreadsheet's column."""
        if self.measure in ("delay", "terms"):
            return _("days")
        if self.measure in ("credit", "waiver"):
            return self.currency_id.name
        if self.measure == "promise":
            return _("broken promises")
        return ""

    def _format_value(self, value):
        """A weighed value in its unit: days, an amount, broken promises."""
        if self.measure in ("delay", "terms"):
            return _("%(days)s days", days=round(value))
        if self.measure in ("credit", "waiver"):
            return self.currency_id.format(value)
        if self.measure == "promise":
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
        for decision in self:
            decision._apply()

    def action_refuse(self):
        self._check_decision()
        self._action_decide("refused")
        for sources in self._get_sources():
            sources._collection_decided()

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
        for decision in self.sudo().filtered("user_id"):
            in_lang = decision.with_context(lang=decision.user_id.lang or self.env.lang)
            decision.message_post(
                body=in_lang.env._(
                    "%(decision)s by %(approver)s: %(request)s.",
                    decision=in_lang.env._("Approved")
                    if state == "approved"
                    else in_lang.env._("Refused"),
                    approver=self.env.user.name,
                    request=f"{in_lang._get_measure_label()}, "
                    f"{decision.partner_id.display_name}",
                ),
                partner_ids=decision.user_id.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def action_export_xlsx(self):
        """The selected decisions as a spreadsheet, for the manager's own analysis."""
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("Decisions.xlsx"), self._get_xlsx()
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_xlsx(self):
        """The decisions as a workbook (bytes), a row each."""
        book = CollectionWorkbook()
        sheet = book.add_sheet(
            _("Decisions"),
            headers=[
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
            ],
            widths=[(0, 0, 17), (1, 3, 22), (9, 10, 18)],
        )
        states = dict(self._fields["state"]._description_selection(self.env))
        for row, decision in enumerate(self.sorted("date"), start=1):
            sheet.write_datetime(row, 0, decision.date, book.moment)
            sheet.write(
                row,
                1,
                decision.user_id.name
                or decision.policy_id.name
                or decision.insurance_policy_id.name
                or "",
            )
            sheet.write(row, 2, decision.partner_id.display_name)
            sheet.write(row, 3, decision._get_measure_label())
            sheet.write_number(row, 4, decision.value)
            sheet.write_number(row, 5, decision.limit_value)
            sheet.write(row, 6, _("Yes") if decision.within_mandate else _("No"))
            sheet.write(row, 7, states[decision.state])
            sheet.write(row, 8, decision.approver_id.name or "")
            sheet.write_number(row, 9, decision.amount_at_stake, book.money)
            sheet.write(row, 10, decision.reason or "")
            sheet.write(row, 11, decision._get_unit())
        return book.close()

    def _check_decision(self):
        """Four eyes: the requester never decides their own request; the
        approver named on it decides, or an administrator above them."""
        user = self.env.user
        if not user.has_group("credit_collection.group_collection_manager"):
            raise AccessError(_("Only a collection manager decides beyond a mandate."))
        if any(decision.state != "to_approve" for decision in self):
            raise UserError(_("Only a request waiting for approval can be decided."))
        for decision in self:
            if decision.user_id == user:
                raise AccessError(
                    _(
                        "You asked for this yourself: %(approver)s decides, not you.",
                        approver=decision.manager_id.name,
                    )
                )
            if user != decision.manager_id and not user.has_group("base.group_system"):
                raise AccessError(
                    _(
                        "%(approver)s decides this request, not you.",
                        approver=decision.manager_id.name,
                    )
                )

    def _ask_approval(self):
        for decision in self:
            manager = decision.manager_id
            if not manager or manager == decision.user_id:
                manager = self._get_fallback_manager(
                    decision.company_id, decision.user_id
                )
            decision.manager_id = manager
            # in the approver's language, who reads it
            in_lang = decision.with_context(lang=manager.lang or self.env.lang)
            decision.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                summary=in_lang.env._(
                    "%(collector)s asks for %(measure)s beyond the mandate: "
                    "%(customer)s",
                    collector=decision.user_id.name,
                    measure=in_lang._get_measure_label(),
                    customer=decision.partner_id.display_name,
                ),
                note="\n".join(
                    filter(
                        None,
                        [
                            in_lang.request_summary,
                            in_lang.disputed_note,
                            decision.warning,
                            decision.reason,
                        ],
                    )
                ),
                user_id=manager.id,
            )

    def _get_measure_label(self):
        self.ensure_one()
        return dict(self._fields["measure"]._description_selection(self.env))[
            self.measure
        ]
