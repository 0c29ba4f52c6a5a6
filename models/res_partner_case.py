from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_case_count = fields.Integer(
        string="Cases",
        compute="_compute_collection_case_count",
        groups="credit_collection.group_collection_user",
    )

    @api.depends_context("company")
    def _compute_collection_case_count(self):
        counts = dict(
            self.env["collection.case"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.collection_case_count = counts.get(partner.commercial_partner_id, 0)

    def action_collection_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_case_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
