from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

# The deadlines of an insured invoice, as the alerts name them.
DEADLINES = [
    ("notify", "Overdue notification"),
    ("extension", "End of the maximum extension period"),
    ("stop", "Stop deliveries"),
    ("claim", "Claim"),
]


class CollectionInsurancePolicy(models.Model):
    """A credit-insurance contract: whom it covers is decided per customer
    (`res.partner.insurance_*`), the deadlines it sets are counted from each
    insured invoice's original due date (docs/credit-insurance.md)."""

    _name = "collection.insurance.policy"
    _description = "Credit Insurance Policy"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    insurer_id = fields.Many2one(
        comodel_name="res.partner",
        string="Insurer",
        required=True,
        tracking=True,
        check_company=True,
    )
    policy_number = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
        help="Currency of the limits the insurer grants.",
    )
    coverage_percent = fields.Float(
        string="Coverage (%)",
        default=90.0,
        tracking=True,
        help="Share of an insured loss the insurer indemnifies.",
    )
    notification_days = fields.Integer(
        string="Overdue Notification (days)",
        default=60,
        tracking=True,
        help="An unpaid insured invoice is notified to the insurer at the latest "
        "this many days after its original due date; past it, the cover lapses.",
    )
    max_extension_days = fields.Integer(
        string="Maximum Extension (days)",
        default=60,
        tracking=True,
        help="A payment date granted beyond the original due date plus these days "
        "needs the insurer's agreement and a manager's approval.",
    )
    stop_delivery_days = fields.Integer(
        string="Stop Deliveries (days)",
        default=60,
        tracking=True,
        help="Deliveries to the customer stop this many days after the due date "
        "of its oldest unpaid insured invoice.",
    )
    hold_at_stop_delivery = fields.Boolean(
        string="Hold at the Stop-delivery Date",
        default=True,
        tracking=True,
        help="Put the customer on credit hold when the stop-delivery date is "
        "reached, in the policy's name and logged as its collection decision.",
    )
    claim_days = fields.Integer(
        string="Claim (days)",
        default=30,
        tracking=True,
        help="The claim is filed at the latest this many days after its basis.",
    )
    claim_basis = fields.Selection(
        selection=[
            ("notification", "After the overdue notification"),
            ("due_date", "After the original due date"),
        ],
        default="notification",
        required=True,
        tracking=True,
    )
    claim_requires_notification = fields.Boolean(
        string="Claim Requires a Notification",
        default=True,
        tracking=True,
        help="A claim is filed only for invoices notified to the insurer before.",
    )
    alert_days = fields.Integer(
        string="Alert (days before)",
        default=10,
        tracking=True,
        help="The collector gets an activity this many days before each deadline.",
    )
    manager_alert_days = fields.Integer(
        string="Manager Alert (days before)",
        default=3,
        tracking=True,
        help="The collection manager gets one too this many days before.",
    )
    manager_id = fields.Many2one(
        comodel_name="res.users",
        string="Manager",
        tracking=True,
        domain=lambda self: [
            (
                "groups_id",
                "in",
                self.env.ref("credit_collection.group_collection_manager").ids,
            )
        ],
        help="Told of deadlines close at hand and of every cover lost. Empty: the "
        "company's collection managers.",
    )
    last_alert_date = fields.Date(
        readonly=True,
        copy=False,
        help="The day the scheduled action last gave this company's alerts.",
    )
    partner_count = fields.Integer(
        string="Insured Customers", compute="_compute_partner_count"
    )

    _sql_constraints = [
        (
            "policy_number_uniq",
            "unique(company_id, insurer_id, policy_number)",
            "This insurer's policy number is already recorded in this company.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_alert_date(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_alert_date(vals)
        return super().write(vals)

    def _check_alert_date(self, vals):
        if "last_alert_date" in vals and not self.env.su:
            raise AccessError(
                _("The daily scheduled action alone says when it gave its alerts.")
            )

    def _creation_message(self):
        return _("Credit insurance policy created")

    # ------------------------------------------------------------
    # COMPUTE AND CONSTRAINT METHODS
    # ------------------------------------------------------------

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]
            .with_company(self.company_id[:1])
            ._read_group(
                [("insurance_policy_id", "in", self.ids)],
                ["insurance_policy_id"],
                ["__count"],
            )
        )
        for policy in self:
            policy.partner_count = counts.get(policy, 0)

    @api.constrains(
        "notification_days",
        "max_extension_days",
        "stop_delivery_days",
        "claim_days",
        "alert_days",
        "manager_alert_days",
        "coverage_percent",
    )
    def _check_days(self):
        for policy in self:
            if (
                min(
                    policy.notification_days,
                    policy.max_extension_days,
                    policy.stop_delivery_days,
                    policy.claim_days,
                )
                <= 0
            ):
                raise ValidationError(
                    _(
                        "%(policy)s: the notification, maximum extension, stop-"
                        "delivery and claim periods are at least one day.",
                        policy=policy.name,
                    )
                )
            if policy.alert_days < 0 or policy.manager_alert_days < 0:
                raise ValidationError(
                    _("%(policy)s: alerts come before a deadline.", policy=policy.name)
                )
            if not 0 < policy.coverage_percent <= 100:
                raise ValidationError(
                    _(
                        "%(policy)s: the coverage is a percentage above 0 and up "
                        "to 100.",
                        policy=policy.name,
                    )
                )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Insured Customers"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("insurance_policy_id", "=", self.id)],
            "context": {"allowed_company_ids": self.company_id.ids},
        }

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.account_move_action_insurance_deadlines"
        )
        action["domain"] = [("insurance_policy_id", "=", self.id)]
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_managers(self):
        """Who is told of deadlines close at hand and of lost covers."""
        self.ensure_one()
        if self.manager_id:
            return self.manager_id
        group = self.env.ref("credit_collection.group_collection_manager")
        return group.users.filtered(
            lambda u: self.company_id in u.company_ids and u.active and not u.share
        )
