from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

# docs/commission.md's default scale: (days late at most, factor %); None: later
DEFAULT_SCALE = [(0, 100.0), (30, 75.0), (60, 50.0), (None, 0.0)]


def commission_factor(days_late, scale):
    """The factor (%) of the first step of `scale` ((days at most, factor),
    sorted, None last for "later") that the days late reach."""
    for days, factor in scale:
        if days is None or days_late <= days:
            return factor
    return 0.0


def commission_amount(base, rate, factor):
    """The commission on a collected untaxed `base`, to the cent."""
    return float_round(base * rate / 100.0 * factor / 100.0, precision_digits=2)


class CollectionCommissionRate(models.Model):
    """A salesperson's commission rate in a company (the company's default
    rate otherwise)."""

    _name = "collection.commission.rate"
    _description = "Commission Rate"
    _order = "company_id, user_id"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", required=True, index=True
    )
    rate = fields.Float(string="Rate (%)", digits=(16, 2), required=True)

    _sql_constraints = [
        (
            "user_company_uniq",
            "UNIQUE(company_id, user_id)",
            "A salesperson has one commission rate per company.",
        )
    ]

    @api.constrains("rate")
    def _check_rate(self):
        if any(not 0 <= line.rate <= 100 for line in self):
            raise ValidationError(_("A commission rate is between 0 and 100 %."))


class CollectionCommissionScale(models.Model):
    """A step of the scale of days late at payment: a payment at most
    `days_late` days after the due date earns `factor` % of the commission
    (the step without days: later)."""

    _name = "collection.commission.scale"
    _description = "Commission Scale of Days Late"
    _order = "company_id, later, days_late"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    days_late = fields.Integer(
        string="Days Late at Most",
        help="Payments at most this many days after the due date (0: on time "
        "or early).",
    )
    later = fields.Boolean(
        string="Or Later", help="The last step: any payment later than the others."
    )
    factor = fields.Float(string="Factor (%)", digits=(16, 2), required=True)

    @api.constrains("factor")
    def _check_factor(self):
        if any(not 0 <= step.factor <= 100 for step in self):
            raise ValidationError(_("A factor of the scale is between 0 and 100 %."))

    @api.model
    def _get_scale(self, company):
        """[(days late at most, factor)] of the company, sorted, None (later)
        last: docs/commission.md's default when the company has no scale."""
        steps = self.sudo().search([("company_id", "=", company.id)])
        if not steps:
            return DEFAULT_SCALE
        return [(None if step.later else step.days_late, step.factor) for step in steps]

    @api.model
    def _get_rates(self, company, users):
        """{user id: rate} in the company: the salesperson's, else the
        company's default."""
        rates = {
            rate.user_id.id: rate.rate
            for rate in self.env["collection.commission.rate"]
            .sudo()
            .search([("company_id", "=", company.id), ("user_id", "in", users.ids)])
        }
        return {user.id: rates.get(user.id, company.commission_rate) for user in users}


class CollectionCommissionTimingMixin(models.AbstractModel):
    """How late a payment was, said in words: "4 days early", "on time",
    "20 days late" (a negative number of days late reads as nothing)."""

    _name = "collection.commission.timing.mixin"
    _description = "Collection: Payment Timing in Words"

    days_late_display = fields.Char(string="Paid", compute="_compute_days_late_display")

    @api.depends("days_late")
    @api.depends_context("lang")
    def _compute_days_late_display(self):
        for record in self:
            days = record.days_late
            if days < 0:
                record.days_late_display = _("%(days)s days early", days=-days)
            elif days == 0:
                record.days_late_display = _("on time")
            else:
                record.days_late_display = _("%(days)s days late", days=days)
