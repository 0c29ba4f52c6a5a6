from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class CollectionLevel(models.Model):
    _name = "collection.level"
    _description = "Dunning Level"
    _order = "policy_id, sequence, days_after_due, id"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    policy_id = fields.Many2one(
        comodel_name="collection.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    currency_id = fields.Many2one(related="policy_id.currency_id")
    days_after_due = fields.Integer(
        string="Days after Due Date",
        required=True,
        help="Reached this many days after the due date; negative for a courtesy "
        "reminder before it.",
    )
    min_gap_days = fields.Integer(
        string="Days after the Previous Dunning",
        help="Proposed only once this many days have passed since the customer "
        "received a dunning: a customer never gets two levels on the same day.",
    )
    channel = fields.Selection(
        selection=[("email", "Email"), ("letter", "Letter"), ("phone", "Phone call")],
        required=True,
        default="email",
    )
    automatic = fields.Boolean(
        default=True,
        help="Sent by the daily scheduled action, without review.",
    )
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Email Template",
        domain=[("model", "=", "collection.dunning")],
    )
    letter_text = fields.Html(
        translate=True,
        help="Opening text of the letter or email, before the table of invoices.",
    )
    activity_type_id = fields.Many2one(
        comodel_name="mail.activity.type",
        help="An activity of this type is scheduled when the level is reached; for "
        "a phone call, a call.",
    )
    activity_user = fields.Selection(
        selection=[("collector", "Collector"), ("salesperson", "Salesperson")],
        string="Activity For",
        default="collector",
    )
    notify_salesperson = fields.Boolean(
        help="Ask the customer's salesperson to help, with an activity.",
    )
    charge_interest = fields.Boolean(string="Charge Interest")
    charge_compensation = fields.Boolean(
        string="Charge Compensation",
        help="The fixed compensation for recovery costs (B2B), or the capped damages "
        "of the Belgian consumer rules.",
    )
    fee_amount = fields.Monetary(string="Fee")
    formal_notice = fields.Boolean(
        help="The letter is a formal notice (mise en demeure / ingebrekestelling).",
    )
    hold_deliveries = fields.Boolean(
        help="Puts the customer on credit hold: no order confirmed, no delivery "
        "validated.",
    )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("min_gap_days")
    def _check_min_gap_days(self):
        if any(level.min_gap_days < 0 for level in self):
            raise ValidationError(
                _("The days after the previous dunning cannot be negative.")
            )

    @api.constrains(
        "days_after_due",
        "sequence",
        "fee_amount",
        "charge_interest",
        "charge_compensation",
    )
    def _check_policy(self):
        self.policy_id._check_level_ids()

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_last_level(self):
        for policy in self.policy_id:
            if not policy.level_ids - self:
                raise UserError(
                    _(
                        "The dunning policy %(policy)s needs at least one level.",
                        policy=policy.name,
                    )
                )
