from odoo import _, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        for order in self:
            order.partner_id._check_collection_hold(
                _("confirming %(order)s", order=order.name)
            )
        return super().action_confirm()

    def action_collection_accept_terms(self):
        self.ensure_one()
        return self.env["collection.weapon.wizard"]._action_open(
            "terms", self.partner_id, order_id=self.id
        )
