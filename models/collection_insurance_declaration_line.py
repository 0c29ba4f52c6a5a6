from odoo import fields, models


class CollectionInsuranceDeclarationLine(models.Model):
    _name = "collection.insurance.declaration.line"
    _description = "Credit Insurance Declaration Line"
    _inherit = ["collection.guard.mixin"]
    _order = "declaration_id, invoice_date, id"

    declaration_id = fields.Many2one(
        comodel_name="collection.insurance.declaration",
        required=True,
        ondelete="restrict",
        index=True,
    )
    company_id = fields.Many2one(
        related="declaration_id.company_id", store=True, index=True
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        ondelete="restrict",
        index=True,
    )
    declared = fields.Boolean()
    invoice_date = fields.Date()
    due_date = fields.Date(string="Original Due Date")
    currency_id = fields.Many2one(comodel_name="res.currency")
    amount_total = fields.Monetary(string="Amount")
    amount_open = fields.Monetary(string="Open Amount")
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    amount_open_company = fields.Monetary(
        string="Open Amount (Company)", currency_field="company_currency_id"
    )
    indemnity_amount = fields.Monetary(
        string="Indemnified", currency_field="company_currency_id"
    )
