from odoo import fields, models


class CollectionCaseLine(models.Model):
    """An invoice of a case as handed over: its amounts and charges at that
    day, frozen. Written by the case's actions only."""

    _name = "collection.case.line"
    _description = "Collection Case Invoice"
    _inherit = ["collection.guard.mixin"]
    _order = "case_id, due_date, id"
    _check_company_auto = True

    case_id = fields.Many2one(
        comodel_name="collection.case",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True)
    currency_id = fields.Many2one(related="case_id.currency_id")
    move_id = fields.Many2one(
        comodel_name="account.move", string="Invoice", required=True, readonly=True
    )
    invoice_date = fields.Date(readonly=True)
    due_date = fields.Date(
        readonly=True, help="The original due date of its oldest open installment."
    )
    days_late = fields.Integer(readonly=True)
    amount_total = fields.Monetary(string="Amount", readonly=True)
    amount_open = fields.Monetary(string="Open", readonly=True)
    interest = fields.Monetary(readonly=True)
    interest_rate = fields.Float(
        string="Annual Rate (%)",
        digits=(5, 2),
        readonly=True,
        help="The late-payment rate of the day the case was placed.",
    )
    compensation = fields.Monetary(readonly=True)
    disputed = fields.Boolean(readonly=True)
    reason = fields.Char(string="Customer's Reason", readonly=True)
