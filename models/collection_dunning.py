from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_round
from odoo.tools.misc import format_amount, format_date

from .collection_guard import as_module


class CollectionDunning(models.Model):
    _name = "collection.dunning"
    _description = "Dunning"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
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
    # what took the customer to this level, kept as facts and said in the
    # reader's language
    level_move_id = fields.Many2one(
        comodel_name="account.move", string="Invoice Setting the Level", readonly=True
    )
    level_days = fields.Integer(string="Days Late at the Level", readonly=True)
    level_previous_id = fields.Many2one(
        comodel_name="collection.level", string="Previous Level", readonly=True
    )
    level_previous_date = fields.Date(string="Previous Level Sent On", readonly=True)
    level_note = fields.Char(
        string="Why this Level",
        compute="_compute_level_note",
        help="What took the customer to this level.",
    )
    pending_requests = fields.Char(
        string="Awaiting Approval",
        help="The customer's requests (extension, promise, waiver...) an "
        "approver had not decided when the run was proposed.",
    )
    user_id = fields.Many2one(comodel_name="res.users", string="Collector")
    salesperson_id = fields.Many2one(comodel_name="res.users", string="Salesperson")
    date = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        selection=[
            ("draft", "Proposed"),
            ("queued", "To Send"),
            ("done", "Done"),
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
        comodel_name="mail.message", string="Message Sent", readonly=True
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
        "level_id",
        "level_move_id",
        "level_days",
        "level_previous_id",
        "level_previous_date",
    )
    @api.depends_context("lang")
    def _compute_level_note(self):
        for dunning in self:
            level, invoice = dunning.level_id, dunning.level_move_id.sudo().name
            if not level or not invoice:
                dunning.level_note = False
            elif dunning.level_previous_id:
                dunning.level_note = _(
                    "%(level)s follows %(previous)s, sent on %(date)s for %(invoice)s",
                    level=level.name,
                    previous=dunning.level_previous_id.name,
                    date=format_date(self.env, dunning.level_previous_date),
                    invoice=invoice,
                )
            elif level.policy_id.level_order == "in_order":
                dunning.level_note = _(
                    "%(level)s is the first communication for %(invoice)s, %(days)s "
                    "days late",
                    level=level.name,
                    invoice=invoice,
                    days=dunning.level_days,
                )
            else:
                dunning.level_note = _(
                    "%(level)s reached by %(invoice)s, %(days)s days late",
                    level=level.name,
                    invoice=invoice,
                    days=dunning.level_days,
                )

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
            or dunning.run_id.state not in ("draft", "proposed", "executing")
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
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors cancel a dunning."))
        self.check_access("write")
        if any(dunning.state == "cancel" for dunning in self):
            raise UserError(_("This dunning is already cancelled."))
        self._action_cancel()

    def _action_cancel(self):
        as_module(self).write({"state": "cancel"})
        as_module(self.line_ids).write({"state": "cancel"})

    def action_log_answer(self):
        """The call dialog on this dunning's invoices: a collector logs a call
        and records a promise; the customer's salesperson, asked to help,
        logs the answer, which reaches the collector."""
        self.ensure_one()
        return {
            "name": _("Log the Customer's Answer"),
            "type": "ir.actions.act_window",
            "res_model": "collection.call.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": "account.move",
                "active_ids": self.line_ids.move_id.ids,
            },
        }

    def action_print_letter(self):
        if self.filtered(lambda d: d.channel != "letter" and not d.formal_notice):
            raise UserError(_("Only a letter is printed: calls and emails are not."))
        return self.env.ref(
            "credit_collection.action_report_collection_dunning"
        ).report_action(self)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)
