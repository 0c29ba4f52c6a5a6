from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class CollectionCommissionSettleWizard(models.TransientModel):
    """Settle the commission of a period of payment dates: one settlement per
    salesperson chosen (every salesperson with something to settle when none
    is chosen)."""

    _name = "collection.commission.settle.wizard"
    _description = "Settle Commissions"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    date_from = fields.Date(
        string="Payments From",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        ),
    )
    date_to = fields.Date(
        string="Payments To",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)
        ),
    )
    user_ids = fields.Many2many(
        comodel_name="res.users",
        string="Salespeople",
        help="Leave empty for every salesperson with payments to settle.",
    )

    @api.constrains("date_from", "date_to", "company_id")
    def _check_period(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise ValidationError(_("The period ends before it starts."))
            if wizard.company_id not in self.env.user.company_ids:
                raise ValidationError(_("You do not work for this company."))

    def action_settle(self):
        self.ensure_one()
        users = self.user_ids
        if not users:
            users = (
                self.env["collection.commission.entry"]
                .sudo()
                .search(
                    [
                        ("company_id", "=", self.company_id.id),
                        ("settlement_id", "=", False),
                        ("state", "=", "earned"),
                        ("payment_date", "<=", self.date_to),
                    ]
                )
                .user_id
            )
        settlements = self.env["collection.commission.settlement"]._settle(
            self.company_id, self.date_from, self.date_to, users
        )
        if not settlements:
            raise UserError(
                _(
                    "Nothing to settle: no payment collected from %(from)s to "
                    "%(to)s that is not settled already.",
                    **{"from": self.date_from, "to": self.date_to},
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_commission_settlement_action"
        )
        action["domain"] = [("id", "in", settlements.ids)]
        return action
