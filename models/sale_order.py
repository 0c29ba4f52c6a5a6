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
        return {
            "type": "ir.actions.act_window",
            "res_model": "collection.weapon.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_weapon": "terms",
                "default_partner_id": self.partner_id.commercial_partner_id.id,
                "default_order_id": self.id,
            },
        }
