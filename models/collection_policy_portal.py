from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CollectionPolicy(models.Model):
    """The creditor's rules for what a customer may settle alone on the
    portal: within them a promise or a plan is accepted at once, beyond
    them it waits for the collector and the collector's mandate
    (docs/customer-portal.md)."""

    _inherit = "collection.policy"

    portal_self_service = fields.Boolean(
        string="Customer Self-Service",
        help="The customer's portal offers to dispute an invoice and to propose "
        "a promise or a payment plan. Without it the portal shows the statement "
        "only.",
    )
    portal_promise_days = fields.Integer(
        string="Latest Promise (days after the oldest due date)",
        default=30,
        help="A promise or a plan's last installment up to this many days after "
        "the due date of the oldest invoice it covers is accepted at once.",
    )
    portal_max_installments = fields.Integer(string="Most Installments", default=6)
    portal_plan_days = fields.Integer(
        string="Longest Plan (days)",
        default=180,
        help="From today to the plan's last installment.",
    )
    portal_down_payment = fields.Float(
        string="Minimum Down Payment (%)",
        default=10.0,
        digits=(5, 2),
        help="The first installment of a plan, as a share of what it covers, "
        "paid within the first 15 days.",
    )
    portal_min_installment = fields.Monetary(
        string="Smallest Installment", default=100.0
    )
    portal_auto_limit = fields.Monetary(
        string="Accepted Alone Up To",
        default=5000.0,
        help="A promise or plan over this amount always waits for the collector.",
    )
    portal_broken_months = fields.Integer(
        string="Not After a Broken Promise (months)",
        default=12,
        help="A customer who broke a promise in these last months proposes to the "
        "collector: nothing is accepted at once.",
    )

    @api.constrains(
        "portal_promise_days",
        "portal_max_installments",
        "portal_plan_days",
        "portal_down_payment",
        "portal_min_installment",
        "portal_auto_limit",
        "portal_broken_months",
    )
    def _check_portal_rules(self):
        for policy in self:
            if (
                min(
                    policy.portal_promise_days,
                    policy.portal_max_installments,
                    policy.portal_plan_days,
                    policy.portal_down_payment,
                    policy.portal_min_installment,
                    policy.portal_auto_limit,
                    policy.portal_broken_months,
                )
                < 0
                or policy.portal_down_payment > 100
            ):
                raise ValidationError(
                    _(
                        "The self-service rules are not negative and the down "
                        "payment is at most 100 %."
                    )
                )

    def _get_portal_rules(self):
        """The self-service rules as the customer reads them on the portal,
        one sentence each, in the reader's language."""
        self.ensure_one()
        money = self.company_id.currency_id.format
        percent = f"{self.portal_down_payment:g}"
        return [
            _("Up to %(amount)s in all.", amount=money(self.portal_auto_limit)),
            _(
                "The last payment at most %(days)s days after the oldest due date.",
                days=self.portal_promise_days,
            ),
            _(
                "A plan in at most %(count)s installments, ending within %(days)s "
                "days.",
                count=self.portal_max_installments,
                days=self.portal_plan_days,
            ),
            _(
                "A plan's first installment of at least %(percent)s %% within 15 "
                "days, each installment at least %(amount)s.",
                percent=percent,
                amount=money(self.portal_min_installment),
            ),
        ]
