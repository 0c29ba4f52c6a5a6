from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from .collection_guard import as_module

# Invoices of the record's customer that a promise may cover.
PROMISABLE_INVOICES_DOMAIN = (
    "[('commercial_partner_id', '=', partner_id), ('state', '=', 'posted'),"
    " ('move_type', 'in', ('out_invoice', 'out_receipt')),"
    " ('payment_state', 'in', ('not_paid', 'partial'))]"
)
# What a user may still edit on a promise once it was confirmed; everything
# else is frozen, and a new agreement is a new promise through the mandate.
PROMISE_FREE_FIELDS = {"note", "contact_name", "reason_id", "channel"}
# Written by the promise's actions only, even on a draft.
PROMISE_ACTION_FIELDS = {"state", "decision_ids", "date", "name", "currency_id"}
CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("letter", "Letter"),
    ("portal", "Customer Portal"),
]


class CollectionPromise(models.Model):
    _name = "collection.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _collection_sequence = "collection.promise"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_currency_id",
        store=True,
        help="The invoices' currency: the promise is held, checked and evaluated "
        "in it.",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="account_move_collection_promise_rel",
        column1="collection_promise_id",
        column2="account_move_id",
        string="Invoices",
        check_company=True,
        domain=PROMISABLE_INVOICES_DOMAIN,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        default=lambda self: self.env.user,
        tracking=True,
        check_company=True,
    )
    channel = fields.Selection(selection=CHANNELS, default="phone", required=True)
    contact_name = fields.Char(string="Spoke With")
    reason_id = fields.Many2one(
        comodel_name="collection.reason",
        string="Non-payment Reason",
        check_company=True,
    )
    note = fields.Text()
    date = fields.Date(
        string="Made On",
        required=True,
        default=fields.Date.context_today,
        readonly=True,
    )
    line_ids = fields.One2many(
        comodel_name="collection.promise.line",
        inverse_name="promise_id",
        string="Installments",
        copy=True,
    )
    amount = fields.Monetary(compute="_compute_amount", store=True, tracking=True)
    date_due = fields.Date(
        string="Promised Date",
        compute="_compute_amount",
        store=True,
        help="Date of the last installment.",
    )
    is_plan = fields.Boolean(
        string="Payment Plan", compute="_compute_amount", store=True
    )
    amount_paid = fields.Monetary(compute="_compute_amount_paid")
    paid_percent = fields.Float(compute="_compute_amount_paid")
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    kept_count = fields.Integer(
        compute="_compute_outcome", store=True, aggregator="sum", string="Kept"
    )
    broken_count = fields.Integer(
        compute="_compute_outcome", store=True, aggregator="sum", string="Broken"
    )
    decision_ids = fields.Many2many(
        comodel_name="collection.decision",
        string="Mandate Uses",
        readonly=True,
        copy=False,
    )
    insurance_warning = fields.Char(
        compute="_compute_insurance_warning",
        help="The promise ends beyond the credit insurer's maximum extension "
        "period: a manager approves and the insurer must agree.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_ids.currency_id", "company_id")
    def _compute_currency_id(self):
        for promise in self:
            promise.currency_id = (
                promise.move_ids[:1].currency_id or promise.company_id.currency_id
            )

    @api.depends("line_ids.amount", "line_ids.date")
    def _compute_amount(self):
        for promise in self:
            promise.amount = sum(promise.line_ids.mapped("amount"))
            # an installment being typed has no date yet
            promise.date_due = max(
                filter(None, promise.line_ids.mapped("date")), default=False
            )
            promise.is_plan = len(promise.line_ids) >= 2

    @api.depends("decision_ids.warning")
    def _compute_insurance_warning(self):
        for promise in self:
            promise.insurance_warning = " ".join(
                set(filter(None, promise.decision_ids.sudo().mapped("warning")))
            )

    @api.depends("state")
    def _compute_outcome(self):
        """1 or 0, for the kept rate of a collector or a customer in a pivot."""
        for promise in self:
            promise.kept_count = promise.state == "kept"
            promise.broken_count = promise.state == "broken"

    @api.depends("move_ids", "date", "amount")
    def _compute_amount_paid(self):
        paid = self._get_amounts_paid()
        for promise in self:
            promise.amount_paid = paid.get(promise.id, 0.0)
            promise.paid_percent = (
                min(100.0, 100.0 * promise.amount_paid / promise.amount)
                if promise.amount
                else 0.0
            )

    def _get_request_summary(self):
        """The promise as its approver reads it: amount, dates, installments."""
        if not self:
            return False
        self.ensure_one()
        if len(self.line_ids) > 1:
            return _(
                "Payment plan %(name)s: %(amount)s in %(count)s installments, from "
                "%(first)s to %(last)s",
                name=self.name,
                amount=self.currency_id.format(self.amount),
                count=len(self.line_ids),
                first=format_date(self.env, min(self.line_ids.mapped("date"))),
                last=format_date(self.env, self.date_due),
            )
        return _(
            "Promise %(name)s: %(amount)s by %(date)s",
            name=self.name,
            amount=self.currency_id.format(self.amount),
            date=format_date(self.env, self.date_due),
        )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("move_ids", "partner_id")
    def _check_move_ids(self):
        for promise in self:
            if (
                promise.move_ids.commercial_partner_id
                - promise.partner_id.commercial_partner_id
            ):
                raise ValidationError(
                    _("A promise covers invoices of its own customer only.")
                )
            if len(promise.move_ids.currency_id) > 1:
                raise ValidationError(
                    _(
                        "A promise covers invoices in one currency: make one "
                        "promise per currency."
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _creation_message(self):
        # a whole sentence, so that translations agree in gender
        return _("Promise created")

    def _get_collection_action_fields(self):
        return dict.fromkeys(PROMISE_ACTION_FIELDS)

    def _collection_guarded_fields(self, vals, create=False):
        refused = super()._collection_guarded_fields(vals, create=create)
        if create:  # named from the sequence by create() itself
            refused.discard("name")
        if any(promise.state != "draft" for promise in self):
            refused |= set(vals) - PROMISE_FREE_FIELDS
        return refused - {"message_main_attachment_id"}

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft(self):
        if any(promise.state != "draft" for promise in self):
            raise UserError(
                _("A promise that was recorded cannot be deleted: cancel it.")
            )

    def _message_update_content(self, message, *args, **kwargs):
        message._collection_check_not_sent()
        return super()._message_update_content(message, *args, **kwargs)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        for promise in self:
            if promise.state != "draft":
                raise UserError(_("Only a draft promise can be confirmed."))
            promise._check_promise()
        self._action_confirm()

    def _action_confirm(self):
        """Put the promise's delay, credit and the customer's broken promises
        to the collector's mandate: it opens, and suspends dunning, once every
        use is within the mandate or approved. `_request` computes each value
        from the promise itself."""
        Decision = self.env["collection.decision"]
        for promise in self:
            partner, moves = promise.partner_id, promise.move_ids
            reason = promise.note or promise.reason_id.name
            measures = ["delay"]
            if promise.is_plan:
                measures.append("credit")
            if promise._get_broken_count():
                measures.append("promise")
            as_module(promise).state = "to_approve"
            for measure in measures:
                as_module(promise).decision_ids |= Decision._request(
                    measure,
                    partner,
                    moves,
                    date=promise.date_due,
                    reason=reason,
                    source=promise,
                )
            promise._collection_decided()

    def action_cancel(self):
        if any(p.state not in ("draft", "to_approve", "open") for p in self):
            raise UserError(
                _("Only a draft, pending or open promise can be cancelled.")
            )
        as_module(self).write({"state": "cancel"})

    def action_send_confirmation(self):
        """Email the confirmation letter to the customer's invoicing contact:
        only once the agreement holds."""
        self._check_confirmable()
        for promise in self:
            partner = promise.partner_id
            recipient = partner._collection_get_recipients()[partner.id]
            if not recipient.email:
                raise UserError(
                    _(
                        "%(partner)s has no email address.",
                        partner=recipient.display_name,
                    )
                )
            promise._send_confirmation(recipient)

    def _send_confirmation(self, recipient):
        """Email the confirmation letter (PDF) to `recipient`, from the
        promise's chatter."""
        promise = self.ensure_one()
        report = self.env.ref("credit_collection.action_report_collection_promise")
        attachment = report._collection_attach_pdf(
            promise, promise, f"{promise.name.replace('/', '-')}.pdf"
        )
        promise.with_context(mail_post_autofollow=False).message_post(
            subject=_("Our agreement %(name)s", name=promise.name),
            body=_(
                "Please find attached the confirmation of our agreement: "
                "%(amount)s by %(date)s.",
                amount=promise.currency_id.format(promise.amount),
                date=format_date(
                    promise.with_context(lang=recipient.lang).env,
                    promise.date_due,
                ),
            ),
            partner_ids=recipient.ids,
            attachment_ids=attachment.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def action_print_confirmation(self):
        self._check_confirmable()
        return self.env.ref(
            "credit_collection.action_report_collection_promise"
        ).report_action(self)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_confirmable(self):
        """The confirmation says dunning is suspended while the agreement
        holds: true of an open promise only."""
        if any(promise.state != "open" for promise in self):
            raise UserError(
                _(
                    "Only an open promise is confirmed to the customer: one waiting "
                    "for approval does not suspend dunning yet."
                )
            )

    def _check_promise(self):
        self.ensure_one()
        today = self.env["collection.receivable"]._get_today()
        if not self.move_ids:
            raise UserError(_("A promise covers at least one invoice."))
        if not self.line_ids or any(line.amount <= 0 for line in self.line_ids):
            raise UserError(_("Each installment needs a positive amount."))
        if any(line.date < today for line in self.line_ids):
            raise UserError(_("A promised date cannot be in the past."))
        # amount_residual is in the invoice's currency, like the promise
        open_amount = sum(self.move_ids.mapped("amount_residual"))
        if self.currency_id.compare_amounts(self.amount, open_amount) > 0:
            raise UserError(
                _(
                    "The promise (%(amount)s) is more than the invoices' open amount "
                    "(%(open)s).",
                    amount=self.currency_id.format(self.amount),
                    open=self.currency_id.format(open_amount),
                )
            )
        self._check_single_promise()

    def _check_single_promise(self):
        """An invoice is under one pending or open promise at most."""
        for promise in self:
            others = self.sudo().search(
                [
                    ("id", "!=", promise.id),
                    ("move_ids", "in", promise.move_ids.ids),
                    ("state", "in", ("to_approve", "open")),
                ],
                limit=1,
            )
            if others:
                raise UserError(
                    _(
                        "%(invoices)s already under promise %(promise)s: cancel it "
                        "first, or record one agreement for all of them.",
                        invoices=", ".join(
                            (promise.move_ids & others.move_ids).mapped("name")
                        ),
                        promise=others.name,
                    )
                )

    def _collection_decided(self):
        """Open the promise once its decisions all took effect; cancel it if
        one was refused."""
        for promise in self.filtered(lambda p: p.state == "to_approve"):
            states = set(promise.decision_ids.mapped("state"))
            if "refused" in states:
                as_module(promise).state = "cancel"
            elif states and states <= {"applied", "approved"}:
                promise._check_single_promise()
                as_module(promise).state = "open"
                promise.message_post(
                    body=_(
                        "Promise %(name)s: %(amount)s by %(date)s.",
                        name=promise.name,
                        amount=promise.currency_id.format(promise.amount),
                        date=format_date(promise.env, promise.date_due),
                    )
                )
