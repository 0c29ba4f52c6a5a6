from odoo import _, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        """No delivery to a customer on credit hold is done, but by a
        collection manager, whose override is logged: once, when it is done,
        whatever wizard (backorder, immediate transfer) led there."""
        for picking in self.filtered(lambda p: p.picking_type_code == "outgoing"):
            # the order's customers as the module reads them: a stock user
            # allowed to validate the delivery may not read the order
            order = picking.sudo().sale_id
            customers = (
                order.partner_id | order.partner_invoice_id | order.partner_shipping_id
            )
            (picking.partner_id | customers.with_env(self.env)).with_company(
                picking.company_id
            )._check_collection_hold(_("delivering %(picking)s", picking=picking.name))
        return super()._action_done()
