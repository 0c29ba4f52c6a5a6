import io

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from .account_move_insurance import RUNNING_STATES, UNDECLARED_STATES
from .collection_guard import as_module
from .collection_receivable import COLLECTED_MOVE_TYPES

DECLARATION_TYPES = [
    ("notification", "Overdue notification"),
    ("extension", "Extension request"),
    ("claim", "Claim"),
]
# The insurance states of the invoices each declaration takes; a claim only
# the notified ones when the policy requires a notification first.
DECLARABLE_STATES = {
    "notification": UNDECLARED_STATES,
    "extension": RUNNING_STATES,
    "claim": RUNNING_STATES,
}
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
    usage_ids = fields.Many2many(
        comodel_name="collection.mandate.usage",
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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code(
                        "collection.insurance.declaration"
                    )
                    or "/"
                )
        return super().create(vals_list)

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
            declaration.usage_ids = self.env["collection.mandate.usage"]._request(
                "delay",
                partner,
                moves,
                date=extension_date,
                reason=note or declaration.reason_id.name,
                source=declaration,
            )
            declaration._collection_usage_decided()
        else:
            declaration._send()
        return declaration.with_env(self.env)

    @api.model
    def _check_declarable(self, declaration_type, partner, moves, promise):
        """The one policy insuring all of `moves`, which must be open, of
        `partner`, and in the state the declaration needs."""
        if not moves:
            raise UserError(_("Choose the invoices to declare."))
        if moves.filtered(
            lambda m: m.state != "posted" or m.move_type not in COLLECTED_MOVE_TYPES
        ):
            raise UserError(_("Declare posted customer invoices only."))
        if moves.commercial_partner_id != partner:
            raise UserError(
                _("Choose invoices of %(partner)s.", partner=partner.display_name)
            )
        uninsured = moves.filtered(lambda m: not m.insurance_policy_id)
        if uninsured:
            raise UserError(
                _(
                    "%(invoices)s not insured: there is nothing to declare to an "
                    "insurer.",
                    invoices=", ".join(uninsured.mapped("name")),
                )
            )
        policy = moves.insurance_policy_id
        if len(policy) > 1:
            raise UserError(_("Declare the invoices of one insurance policy at once."))
        if policy.company_id not in self.env.user.company_ids:
            raise AccessError(
                _("You do not work for %(company)s.", company=policy.company_id.name)
            )
        lapsed = moves.filtered(lambda m: m.insurance_state == "lapsed")
        if lapsed:
            raise UserError(
                _(
                    "The cover of %(invoices)s lapsed: its notification deadline "
                    "passed. Only the insurer may still accept it; ask them "
                    "directly.",
                    invoices=", ".join(lapsed.mapped("name")),
                )
            )
        allowed = DECLARABLE_STATES[declaration_type]
        if declaration_type == "claim" and policy.claim_requires_notification:
            allowed = ("notified",)
        wrong = moves.filtered(lambda m: m.insurance_state not in allowed)
        if wrong:
            states = dict(
                self.env["account.move"]
                ._fields["insurance_state"]
                ._description_selection(self.env)
            )
            if declaration_type == "claim" and policy.claim_requires_notification:
                message = _(
                    "%(policy)s files a claim only for invoices notified to the "
                    "insurer first: %(invoices)s.",
                    policy=policy.name,
                    invoices=", ".join(wrong.mapped("name")),
                )
            else:
                message = _(
                    "%(invoices)s cannot be declared this way: %(state)s.",
                    invoices=", ".join(wrong.mapped("name")),
                    state=", ".join(
                        states[s] for s in set(wrong.mapped("insurance_state"))
                    ),
                )
            raise UserError(message)
        paid = moves.filtered(lambda m: m.amount_residual <= 0)
        if paid:
            raise UserError(
                _(
                    "%(invoices)s paid: nothing is owed to declare.",
                    invoices=", ".join(paid.mapped("name")),
                )
            )
        if promise and promise.partner_id != partner:
            raise UserError(_("The payment plan belongs to another customer."))
        return policy

    @api.model
    def _prepare_lines(self, partner, company, declared):
        """Every open invoice of the buyer in the company, the declared ones
        marked: the insurer reads the whole exposure."""
        receivable = self.env["collection.receivable"]
        moves = declared | self.env["account.move"].sudo().search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", COLLECTED_MOVE_TYPES),
                ("amount_residual", ">", 0),
            ]
        )
        due_dates = receivable._get_oldest_due_dates(moves)
        return [
            fields.Command.create(
                {
                    "move_id": move.id,
                    "declared": move in declared,
                    "invoice_date": move.invoice_date,
                    "due_date": move.insurance_due_date or due_dates.get(move.id),
                    "currency_id": move.currency_id.id,
                    "amount_total": move.amount_total,
                    "amount_open": move.amount_residual,
                    "amount_open_company": move.amount_residual_signed,
                }
            )
            for move in moves.sorted(lambda m: (m.invoice_date or m.date, m.id))
        ]

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

    def _collection_usage_decided(self):
        """An extension request waits for the manager's approval: approved, it
        is sent; refused, it is cancelled."""
        for declaration in self.filtered(lambda d: d.state == "to_approve"):
            states = set(declaration.usage_ids.mapped("state"))
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

    def action_print(self):
        return self.env.ref(
            "credit_collection.action_report_insurance_declaration"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("%(name)s.xlsx", name=self.name.replace("/", "-")), self._get_xlsx()
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_header_rows(self):
        """(label, value) of what the insurer reads before the invoices: the
        same in the PDF and in the spreadsheet."""
        self.ensure_one()
        types = dict(self._fields["declaration_type"]._description_selection(self.env))
        plan = self.promise_id
        rows = [
            (_("Declaration"), self.name),
            (_("Date"), format_date(self.env, self.date)),
            (_("Insurer"), self.policy_id.insurer_id.name),
            (_("Policy Number"), self.policy_number),
            (_("Buyer"), self.buyer_name),
            (_("VAT"), self.buyer_vat or ""),
            (_("Company Number"), self.buyer_registry or ""),
            (_("Insurer's Buyer Reference"), self.buyer_ref or ""),
            (
                _("Limit Granted"),
                self.limit_currency_id.format(self.limit_granted),
            ),
            (_("Type"), types[self.declaration_type]),
            (_("Non-payment Reason"), self.reason_id.name or ""),
            (_("Disputed"), _("Yes") if self.disputed else _("No")),
            (
                _("Payment Plan"),
                ", ".join(
                    f"{format_date(self.env, line.date)}: "
                    f"{plan.currency_id.format(line.amount)}"
                    for line in plan.line_ids
                )
                if plan
                else _("None"),
            ),
        ]
        if self.declaration_type == "extension":
            rows.append(
                (_("Extension Asked Until"), format_date(self.env, self.extension_date))
            )
        rows.append(
            (_("Amount Declared"), self.currency_id.format(self.amount_declared))
        )
        return rows

    def _get_xlsx(self):
        import xlsxwriter

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Declaration"))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        row = 0
        for label, value in self._get_header_rows():
            sheet.write(row, 0, label, bold)
            sheet.write(row, 1, value)
            row += 1
        row += 1
        headers = [
            _("Invoice"),
            _("Invoice Date"),
            _("Due Date"),
            _("Amount"),
            _("Open Amount"),
            _("Currency"),
            _("Declared"),
        ]
        sheet.write_row(row, 0, headers, bold)
        sheet.freeze_panes(row + 1, 0)
        for line in self.line_ids:
            row += 1
            sheet.write(row, 0, line.move_id.name)
            sheet.write_datetime(row, 1, line.invoice_date, date_format)
            sheet.write_datetime(row, 2, line.due_date, date_format)
            sheet.write_number(row, 3, line.amount_total, money)
            sheet.write_number(row, 4, line.amount_open, money)
            sheet.write(row, 5, line.currency_id.name)
            sheet.write(row, 6, _("Yes") if line.declared else _("No"))
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 6, 16)
        workbook.close()
        return output.getvalue()

    @api.model
    def _get_deadlines_rows(self, moves):
        """The deadlines of insured invoices, by insurer and customer: each
        (label, date, missed) with `missed` when the date passed and the step
        it asks for was not taken."""
        today = self.env["collection.receivable"]._get_today()
        rows = []
        for move in moves.filtered("insurance_policy_id").sorted(
            lambda m: (
                m.insurance_policy_id.insurer_id.name or "",
                m.insurance_policy_id.name,
                m.commercial_partner_id.name or "",
                m.insurance_notify_date or fields.Date.today(),
                m.id,
            )
        ):
            state = move.insurance_state
            open_ = move.amount_residual > 0
            deadlines = [
                (
                    "notify",
                    move.insurance_notify_date,
                    state in UNDECLARED_STATES + ("lapsed",) and open_,
                ),
                ("extension", move.insurance_extension_date, False),
                ("stop", move.insurance_stop_date, state in RUNNING_STATES and open_),
                ("claim", move.insurance_claim_date, state == "notified" and open_),
            ]
            rows.append(
                {
                    "move": move,
                    "deadlines": [
                        (kind, date, bool(date and date < today and pending))
                        for kind, date, pending in deadlines
                    ],
                }
            )
        return rows

    @api.model
    def _group_by_policy(self, rows):
        """[(policy, rows)] in the rows' order."""
        groups = {}
        for row in rows:
            groups.setdefault(row["move"].insurance_policy_id, []).append(row)
        return list(groups.items())

    @api.model
    def _get_deadlines_xlsx(self, moves):
        import xlsxwriter

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Deadlines"))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        missed_format = workbook.add_format(
            {"num_format": "yyyy-mm-dd", "font_color": "#C00000", "bold": True}
        )
        money = workbook.add_format({"num_format": "#,##0.00"})
        states = dict(
            self.env["account.move"]
            ._fields["insurance_state"]
            ._description_selection(self.env)
        )
        headers = [
            _("Insurer"),
            _("Insurance Policy"),
            _("Customer"),
            _("Invoice"),
            _("Original Due Date"),
            _("Notify By"),
            _("Maximum Extension Until"),
            _("Stop Deliveries On"),
            _("Claim By"),
            _("State"),
            _("Open Amount"),
            _("Missed"),
        ]
        sheet.write_row(0, 0, headers, bold)
        sheet.freeze_panes(1, 0)
        labels = dict(
            self.env["collection.insurance.alert"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        for row, item in enumerate(self._get_deadlines_rows(moves), start=1):
            move = item["move"]
            policy = move.insurance_policy_id
            sheet.write(row, 0, policy.insurer_id.name)
            sheet.write(row, 1, policy.name)
            sheet.write(row, 2, move.commercial_partner_id.name)
            sheet.write(row, 3, move.name)
            if move.insurance_due_date:
                sheet.write_datetime(row, 4, move.insurance_due_date, date_format)
            for column, (_kind, date, missed) in enumerate(item["deadlines"], start=5):
                if date:
                    sheet.write_datetime(
                        row, column, date, missed_format if missed else date_format
                    )
            sheet.write(row, 9, states.get(move.insurance_state, ""))
            sheet.write_number(row, 10, move.amount_residual_signed, money)
            sheet.write(
                row,
                11,
                ", ".join(
                    labels[kind] for kind, _date, missed in item["deadlines"] if missed
                ),
            )
        sheet.set_column(0, 3, 22)
        sheet.set_column(4, 10, 14)
        sheet.set_column(11, 11, 30)
        workbook.close()
        return output.getvalue()


class CollectionInsuranceDeclarationLine(models.Model):
    _name = "collection.insurance.declaration.line"
    _description = "Credit Insurance Declaration Line"
    _inherit = ["collection.guard.mixin"]
    _order = "declaration_id, invoice_date, id"

    declaration_id = fields.Many2one(
        comodel_name="collection.insurance.declaration",
        required=True,
        ondelete="restrict",
        index=True,
    )
    company_id = fields.Many2one(
        related="declaration_id.company_id", store=True, index=True
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        ondelete="restrict",
        index=True,
    )
    declared = fields.Boolean()
    invoice_date = fields.Date()
    due_date = fields.Date(string="Original Due Date")
    currency_id = fields.Many2one(comodel_name="res.currency")
    amount_total = fields.Monetary(string="Amount")
    amount_open = fields.Monetary(string="Open Amount")
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    amount_open_company = fields.Monetary(
        string="Open Amount (Company)", currency_field="company_currency_id"
    )
    indemnity_amount = fields.Monetary(
        string="Indemnified", currency_field="company_currency_id"
    )
