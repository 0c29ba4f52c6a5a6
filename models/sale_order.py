from odoo import _, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        for order in self:
            order.partner_id._check_collection_hold(
                _("confirming %(order)s", order=order.name)
            )
        return super().action_confirm()
