from odoo import fields, models


class AccountMove(models.Model):
    """The case an invoice was handed over with: while it is open, the invoice
    is out of dunning and interest charging (docs/escalation.md)."""

    _inherit = "account.move"

    collection_case_id = fields.Many2one(
        comodel_name="collection.case",
        string="Handed Over In",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="credit_collection.group_collection_user",
        help="The collection case holding this invoice: an agency, a bailiff or a "
        "lawyer collects it; the company neither duns it nor charges it interest.",
    )
