from odoo import _, api, fields, models

from .collection_guard import with_context_defaults

# The customer, invoiced or delivered: none may be on credit hold.
CUSTOMER_FIELDS = ("partner_id", "partner_invoice_id", "partner_shipping_id")


class SaleOrder(models.Model):
    _name = "sale.order"
    # the customer's receivables in the order's banner
    _inherit = ["sale.order", "collection.customer.facts.mixin"]

    collection_confirm_blocked = fields.Boolean(
        compute="_compute_collection_confirm_blocked",
        help="The customer is on credit hold in the order's company and you may "
        "not override it: Confirm is not offered.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("partner_id", "company_id")
    @api.depends_context("uid")
    def _compute_collection_confirm_blocked(self):
        manager = self.env.user.has_group("credit_collection.group_collection_manager")
        for order in self:
            customers = (
                order.partner_id | order.partner_invoice_id | order.partner_shipping_id
            ).commercial_partner_id.with_company(order.company_id or self.env.company)
            order.collection_confirm_blocked = not manager and any(
                customers.sudo().mapped("collection_hold")
            )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                vals = with_context_defaults(self, vals)
                if vals.get("payment_term_id"):
                    partner = self.env["res.partner"].browse(vals.get("partner_id"))
                    self._check_collection_payment_term(
                        vals["payment_term_id"], partner
                    )
        return super().create(vals_list)

    def write(self, vals):
        customers = [vals[name] for name in CUSTOMER_FIELDS if vals.get(name)]
        if not self.env.su and customers:
            partners = self.env["res.partner"].browse(customers)
            for order in self.filtered(lambda o: o.state == "sale"):
                partners.with_company(order.company_id)._check_collection_hold(
                    _("moving %(order)s to this customer", order=order.name)
                )
        if vals.get("state") == "sale":
            # confirmed by any route: the button, a direct write, an online
            # payment (as superuser, for the customer)
            for order in self.filtered(lambda o: o.state != "sale"):
                order._check_collection_hold_on_confirm(vals)
        if not self.env.su and vals.get("payment_term_id"):
            for order in self:
                partner = self.env["res.partner"].browse(
                    vals.get("partner_id", order.partner_id.id)
                )
                if order.payment_term_id.id != vals["payment_term_id"]:
                    self._check_collection_payment_term(
                        vals["payment_term_id"], partner
                    )
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_collection_accept_terms(self):
        self.ensure_one()
        return self.env["collection.measure.wizard"]._action_open(
            "terms", self.partner_id, order_id=self.id
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_collection_hold_on_confirm(self, vals):
        """A customer on credit hold in the order's company has no order
        confirmed, but by a collection manager, whose override is logged."""
        self.ensure_one()
        partners = self.env["res.partner"].browse(
            vals.get(name) or self[name].id for name in CUSTOMER_FIELDS
        )
        partners.with_company(self.company_id)._check_collection_hold(
            _("confirming %(order)s", order=self.name)
        )

    @api.model
    def _check_collection_payment_term(self, term_id, partner):
        """Terms longer than the company's standard need Accept Payment Terms,
        but the customer's own, already accepted."""
        term = self.env["account.payment.term"].browse(term_id)
        if term == partner.commercial_partner_id.property_payment_term_id:
            return
        self.env.company._collection_check_payment_term(term)
