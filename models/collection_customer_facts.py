from odoo import api, fields, models


class CollectionCustomerFactsMixin(models.AbstractModel):
    """The customer's receivables on a sales document (opportunity, order),
    for its salesperson: what is overdue, the level reached, a hold, a broken
    or open promise. Read for the whole list at once, from the customer's
    status, and only for whoever may read that status."""

    _name = "collection.customer.facts.mixin"
    _description = "Collection: the Customer's Receivables at Hand"

    collection_status_access = fields.Boolean(compute="_compute_collection_facts")
    collection_alert = fields.Boolean(
        compute="_compute_collection_facts",
        help="The customer is overdue, on credit hold or broke a promise.",
    )
    collection_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_collection_facts"
    )
    collection_overdue_amount = fields.Monetary(
        string="Customer Overdue",
        compute="_compute_collection_facts",
        currency_field="collection_currency_id",
    )
    collection_oldest_overdue_days = fields.Integer(
        string="Days Overdue", compute="_compute_collection_facts"
    )
    collection_level_id = fields.Many2one(
        comodel_name="collection.level",
        string="Highest Level",
        compute="_compute_collection_facts",
    )
    collection_hold = fields.Boolean(
        string="On Credit Hold", compute="_compute_collection_facts"
    )
    collection_broken_recently = fields.Boolean(
        string="Broke a Promise", compute="_compute_collection_facts"
    )
    collection_promise_date = fields.Date(
        string="Promised For", compute="_compute_collection_facts"
    )
    collection_over_limit = fields.Boolean(
        string="Over Insured Limit", compute="_compute_collection_facts"
    )
    collection_insurance_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_collection_facts"
    )
    collection_uninsured_amount = fields.Monetary(
        string="Uninsured Exposure",
        compute="_compute_collection_facts",
        currency_field="collection_insurance_currency_id",
        help="The customer's open receivable above the limit its credit insurer "
        "granted.",
    )

    @api.depends_context("uid", "company")
    @api.depends("partner_id")
    def _compute_collection_facts(self):
        partners = self.partner_id.commercial_partner_id
        # the status of the whole pipeline's customers, computed at once
        partners.mapped("collection_overdue_amount")
        partners.mapped("collection_promise_date")
        partners.mapped("insurance_over_limit")
        for lead in self:
            partner = lead.partner_id.commercial_partner_id
            access = bool(partner) and partner.collection_status_access
            lead.collection_status_access = access
            lead.collection_currency_id = partner.collection_currency_id
            # a hold is one company's: the document's
            lead.collection_hold = partner.with_company(
                lead.company_id or self.env.company
            ).collection_hold
            lead.update(
                {
                    "collection_overdue_amount": access
                    and partner.collection_overdue_amount,
                    "collection_oldest_overdue_days": access
                    and partner.collection_oldest_overdue_days,
                    "collection_level_id": access and partner.collection_level_id,
                    "collection_broken_recently": access
                    and partner.collection_broken_recently,
                    "collection_promise_date": access
                    and partner.collection_promise_date,
                }
            )
            over = access and partner.insurance_over_limit
            lead.collection_over_limit = over
            lead.collection_insurance_currency_id = partner.insurance_currency_id
            lead.collection_uninsured_amount = over and partner.insurance_over_amount
            lead.collection_alert = bool(
                lead.collection_hold
                or lead.collection_overdue_amount > 0
                or lead.collection_broken_recently
                or over
            )

    def action_view_collection_customer(self):
        """The customer's form, with its Collection tab's figures."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": partner.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
