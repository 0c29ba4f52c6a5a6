from odoo import fields, models


class CollectionReason(models.Model):
    _name = "collection.reason"
    _description = "Reason for Non-payment"
    _order = "sequence, id"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    category = fields.Selection(
        selection=[
            ("cash", "Cash problem"),
            ("terms", "Payment terms"),
            ("dispute", "Dispute"),
            ("administrative", "Administrative"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
    )
    is_dispute = fields.Boolean(
        string="Dispute",
        help="Invoices given this reason are disputed: dunning is suspended and, "
        "for an insured customer, credit-insurance cover is suspended.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        help="Leave empty to share the reason between companies.",
    )
    note = fields.Text(
        translate=True,
        help="How the collector should handle this reason.",
    )
