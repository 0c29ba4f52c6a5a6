from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date


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

    def _get_nothing_to_settle_message(self):
        """Why the period has nothing to settle, and where its payments and
        the commission still waiting are."""
        Entry = self.env["collection.commission.entry"].sudo()
        domain = [("company_id", "=", self.company_id.id), ("state", "=", "earned")]
        if self.user_ids:
            domain.append(("user_id", "in", self.user_ids.ids))
        period = Entry.search(
            [
                *domain,
                ("payment_date", ">=", self.date_from),
                ("payment_date", "<=", self.date_to),
                ("settlement_id", "!=", False),
            ]
        )
        waiting = Entry.search([*domain, ("settlement_id", "=", False)])
        parts = [
            _(
                "Nothing to settle from %(from)s to %(to)s.",
                **{
                    "from": format_date(self.env, self.date_from),
                    "to": format_date(self.env, self.date_to),
                },
            )
        ]
        if period:
            parts.append(
                _(
                    "Its payments are in %(settlements)s.",
                    settlements=", ".join(
                        f"{settlement.name} ({settlement.user_id.name})"
                        for settlement in period.settlement_id
                    ),
                )
            )
        if waiting:
            dates = waiting.mapped("payment_date")
            parts.append(
                _(
                    "Waiting to be settled: %(amount)s on payments from %(first)s "
                    "to %(last)s.",
                    amount=self.company_id.currency_id.format(
                        sum(waiting.mapped("commission"))
                    ),
                    first=format_date(self.env, min(dates)),
                    last=format_date(self.env, max(dates)),
                )
            )
        return " ".join(parts)

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
            raise UserError(self._get_nothing_to_settle_message())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_commission_settlement_action"
        )
        action["domain"] = [("id", "in", settlements.ids)]
        return action
