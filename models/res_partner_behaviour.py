from odoo import api, fields, models

from .collection_customer_score import GRADE_SELECTION


class ResPartner(models.Model):
    """The customer's payment behaviour in the current company, on its form,
    for those who may read its collection status."""

    _inherit = "res.partner"

    collection_grade = fields.Selection(
        selection=GRADE_SELECTION,
        string="Payment Grade",
        compute="_compute_collection_behaviour",
        help="From the payment index of the last 12 months (docs/payment-"
        "behaviour.md): A from 75, B from 55, C from 35, D below.",
    )
    collection_payment_index = fields.Integer(
        string="Payment Index", compute="_compute_collection_behaviour"
    )
    collection_days_late = fields.Float(
        string="Days Late (12 Months)",
        digits=(16, 1),
        compute="_compute_collection_behaviour",
    )

    @api.depends_context("uid", "company")
    def _compute_collection_behaviour(self):
        commercial = self._collection_status_allowed(self.commercial_partner_id)
        scores = {
            score.partner_id: score
            for score in self.env["collection.customer.score"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", commercial.ids),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        }
        for partner in self:
            score = scores.get(partner.commercial_partner_id)
            partner.collection_grade = score.grade if score else False
            partner.collection_payment_index = score.index_365 if score else 0
            partner.collection_days_late = score.days_late_365 if score else 0.0
