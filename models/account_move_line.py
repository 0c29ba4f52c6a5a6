from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    collection_charged_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Charged Invoice",
        index="btree_not_null",
        copy=False,
        help="The late invoice whose interest or compensation this line charges.",
    )
    collection_charge_type = fields.Selection(
        selection=[("interest", "Interest"), ("compensation", "Compensation")],
        copy=False,
    )
    collection_interest_date_to = fields.Date(
        string="Interest Until",
        copy=False,
        help="Last day of the interest this line charges.",
    )
