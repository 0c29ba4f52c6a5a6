from odoo import _, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def button_validate(self):
        for picking in self.filtered(lambda p: p.picking_type_code == "outgoing"):
            picking.partner_id._check_collection_hold(
                _("delivering %(picking)s", picking=picking.name)
            )
        return super().button_validate()
