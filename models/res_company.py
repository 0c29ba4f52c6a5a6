from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_min_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        currency_field="currency_id",
        help="Customers whose overdue amount is below this are not to follow.",
    )
