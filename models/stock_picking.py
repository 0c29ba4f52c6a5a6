from odoo import _, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        """No delivery to a customer on credit hold is done, but by a
        collection manager, whose override is logged: once, when it is done,
        whatever wizard (backorder, immediate transfer) led there."""
        for picking in self.filtered(lambda p: p.picking_type_code == "outgoing"):
            order = picking.sale_id
            (
                picking.partner_id
                | order.partner_id
                | order.partner_invoice_id
                | order.partner_shipping_id
            )._check_collection_hold(_("delivering %(picking)s", picking=picking.name))
        return super()._action_done()
