from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError


class CollectionMandate(models.Model):
    _name = "collection.mandate"
    _description = "Collector Mandate"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_ids = fields.Many2many(
        comodel_name="res.users",
        string="Collectors",
        required=True,
        tracking=True,
        domain=lambda self: [
            (
                "groups_id",
                "in",
                self.env.ref("credit_collection.group_collection_user").ids,
            )
        ],
    )
    manager_id = fields.Many2one(
        comodel_name="res.users",
        string="Approver",
        required=True,
        tracking=True,
        domain=lambda self: [
            (
                "groups_id",
                "in",
                self.env.ref("credit_collection.group_collection_manager").ids,
            )
        ],
        help="Decides what goes beyond this mandate.",
    )
    date_start = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(string="Valid Until", tracking=True)
    max_delay_days = fields.Integer(
        string="Delay (days)",
        tracking=True,
        help="Most days between an invoice's original due date and a promised date.",
    )
    max_credit_amount = fields.Monetary(
        string="Credit", tracking=True, help="Largest payment plan agreed alone."
    )
    max_waiver_amount = fields.Monetary(
        string="Waiver",
        tracking=True,
        help="Most interest, compensation and fees waived in one decision.",
    )
    can_hold = fields.Boolean(string="May Hold", tracking=True)
    can_release = fields.Boolean(string="May Release", tracking=True)
    can_accept_terms = fields.Boolean(
        string="May Accept Terms",
        tracking=True,
        help="Accept payment terms longer than the company's.",
    )
    can_escalate = fields.Boolean(
        string="May Hand Over",
        tracking=True,
        help="Hand claims over to an agency, a bailiff or a lawyer.",
    )
    max_broken_promises = fields.Integer(
        string="Broken Promises",
        default=2,
        tracking=True,
        help="A customer with this many broken promises in a year needs approval "
        "for a new one.",
    )
    report_frequency = fields.Selection(
        selection=[("daily", "Daily"), ("weekly", "Weekly")],
        default="weekly",
        required=True,
    )
    last_digest_date = fields.Date(readonly=True, copy=False)
    decision_ids = fields.One2many(
        comodel_name="collection.decision",
        inverse_name="mandate_id",
        string="Uses",
    )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains(
        "max_delay_days",
        "max_credit_amount",
        "max_waiver_amount",
        "max_broken_promises",
        "date_start",
        "date_end",
    )
    def _check_values(self):
        for mandate in self:
            if (
                min(
                    mandate.max_delay_days,
                    mandate.max_credit_amount,
                    mandate.max_waiver_amount,
                    mandate.max_broken_promises,
                )
                < 0
            ):
                raise ValidationError(_("A mandate's limits cannot be negative."))
            if mandate.date_end and mandate.date_end < mandate.date_start:
                raise ValidationError(_("A mandate cannot end before it starts."))

    @api.constrains("user_ids", "manager_id")
    def _check_four_eyes(self):
        for mandate in self:
            if mandate.manager_id in mandate.user_ids:
                raise ValidationError(
                    _(
                        "%(manager)s cannot approve beyond their own mandate: name "
                        "another approver.",
                        manager=mandate.manager_id.name,
                    )
                )

    @api.constrains("user_ids", "date_start", "date_end", "company_id", "active")
    def _check_one_mandate(self):
        for mandate in self.filtered("active"):
            overlapping = self.search(
                [
                    ("id", "!=", mandate.id),
                    ("company_id", "=", mandate.company_id.id),
                    ("user_ids", "in", mandate.user_ids.ids),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", mandate.date_start),
                ]
                + ([("date_start", "<=", mandate.date_end)] if mandate.date_end else [])
            )
            if overlapping:
                collectors = (overlapping.user_ids & mandate.user_ids).mapped("name")
                raise ValidationError(
                    _(
                        "%(collectors)s would have two mandates at the same time "
                        "(%(mandate)s).",
                        collectors=", ".join(collectors),
                        mandate=overlapping[0].name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _creation_message(self):
        # a whole sentence, so that translations agree in gender
        return _("Mandate created")

    @api.model_create_multi
    def create(self, vals_list):
        mandates = super().create(vals_list)
        mandates._check_not_own()
        return mandates

    def write(self, vals):
        self._check_not_own()
        result = super().write(vals)
        self._check_not_own()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.decision_ids:
            raise UserError(
                _("A mandate that was used is kept with its decisions: archive it.")
            )

    def _check_not_own(self):
        """A manager's own mandate is given by somebody else: an administrator,
        or another manager."""
        user = self.env.user
        if self.env.su or user.has_group("base.group_system"):
            return
        if any(user in mandate.user_ids for mandate in self):
            raise AccessError(
                _("Your own mandate is given by another manager, not by you.")
            )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_mandate(self, user, company, date):
        return self.sudo().search(
            [
                ("user_ids", "in", user.ids),
                ("company_id", "=", company.id),
                ("date_start", "<=", date),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", date),
            ],
            limit=1,
        )

    def _get_limit(self, measure):
        """The mandate's limit for a measure counted in days or money; None for
        the measures that are permissions."""
        return {
            "delay": self.max_delay_days,
            "credit": self.max_credit_amount,
            "waiver": self.max_waiver_amount,
            "promise": self.max_broken_promises,
        }.get(measure)

    def _describe_limit(self, measure):
        """The mandate's limit for `measure`, in words for the collector."""
        if not self:
            return _("No mandate: every request goes to a manager")
        limit = self._get_limit(measure)
        if measure == "delay":
            return _("%(days)s days", days=limit)
        if measure in ("credit", "waiver"):
            return self.company_id.currency_id.format(limit)
        if measure == "terms":
            return _(
                "Terms up to %(days)s days",
                days=self.company_id.collection_payment_days,
            ) + (_(", longer ones too") if self.can_accept_terms else "")
        allowed = {
            "hold": self.can_hold,
            "release": self.can_release,
            "escalate": self.can_escalate,
        }.get(measure)
        return _("Allowed") if allowed else _("Not allowed")

    def _allows(self, measure, value):
        """Whether this mandate covers a decision of `measure` worth `value`; no
        mandate covers nothing."""
        if not self:
            return False
        if measure == "terms" and value <= self.company_id.collection_payment_days:
            return True
        if measure == "promise":  # value: the customer's broken promises this year
            return value < self.max_broken_promises
        permissions = {
            "hold": self.can_hold,
            "release": self.can_release,
            "terms": self.can_accept_terms,
            "escalate": self.can_escalate,
        }
        if measure in permissions:
            return permissions[measure]
        return value <= self._get_limit(measure)

    @api.model
    def _cron_send_digest(self):
        """Send each manager the report of their collectors' decisions: every day for
        a daily mandate, on Mondays for a weekly one, once per day at most."""
        today = self.env["collection.receivable"]._get_today()
        report = self.env.ref("credit_collection.action_report_collection_decision")
        for mandate in self.search([("date_start", "<=", today)]):
            if mandate.last_digest_date == today or (
                mandate.report_frequency == "weekly" and today.weekday() != 0
            ):
                continue
            days = 1 if mandate.report_frequency == "daily" else 7
            decisions = self.env["collection.decision"].search(
                [
                    ("mandate_id", "=", mandate.id),
                    ("date", ">=", today - timedelta(days=days)),
                    ("date", "<", today),
                ]
            )
            mandate.last_digest_date = today
            if not decisions:
                continue
            attachment = report._collection_attach_pdf(
                decisions, mandate, f"{mandate.name} - {today}.pdf"
            )
            mandate.message_post(
                subject=_("Collection decisions: %(mandate)s", mandate=mandate.name),
                body=_(
                    "%(count)s decision(s) under %(mandate)s since %(date)s, "
                    "%(beyond)s beyond the mandate.",
                    count=len(decisions),
                    mandate=mandate.name,
                    date=today - timedelta(days=days),
                    beyond=len(decisions.filtered(lambda u: not u.within_mandate)),
                ),
                partner_ids=mandate.manager_id.partner_id.ids,
                attachment_ids=attachment.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
