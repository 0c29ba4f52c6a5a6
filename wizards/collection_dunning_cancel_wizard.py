from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CollectionDunningCancelWizard(models.TransientModel):
    """Cancelling a dunning that was sent asks what becomes of what it set in
    motion: the credit hold of a "stop deliveries" level and the calls and
    requests still open on it."""

    _name = "collection.dunning.cancel.wizard"
    _description = "Cancel a Dunning"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    dunning_ids = fields.Many2many(
        comodel_name="collection.dunning", string="Dunnings", required=True
    )
    reason = fields.Text(required=True)
    held_partner_ids = fields.Many2many(
        comodel_name="res.partner",
        compute="_compute_consequences",
        string="Customers on Hold",
        help="Put on credit hold by these dunnings' level, and still held.",
    )
    release_hold = fields.Boolean(
        string="Release the Credit Hold",
        help="Asked as a release within your mandate: applied at once if your "
        "mandate allows it, put to your approver otherwise.",
    )
    activity_count = fields.Integer(
        compute="_compute_consequences", string="Open Activities"
    )
    cancel_activities = fields.Boolean(
        string="Cancel Their Activities",
        default=True,
        help="The calls and the salesperson's requests these dunnings created "
        "and nobody has done yet.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if (
            "dunning_ids" in fields_list
            and self.env.context.get("active_model") == "collection.dunning"
        ):
            values["dunning_ids"] = [
                fields.Command.set(self.env.context.get("active_ids", []))
            ]
        return values

    @api.depends("dunning_ids")
    def _compute_consequences(self):
        for wizard in self:
            dunnings = wizard.dunning_ids
            wizard.held_partner_ids = dunnings.filtered(
                lambda d: (
                    d.state != "draft"
                    and d.level_id.hold_deliveries
                    and d.partner_id.with_company(d.company_id).collection_hold
                )
            ).partner_id
            wizard.activity_count = len(dunnings.activity_ids)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        dunnings = self.dunning_ids
        if not dunnings:
            raise UserError(_("Choose the dunnings to cancel."))
        held = self.held_partner_ids
        activities = dunnings.activity_ids
        dunnings.action_cancel()
        for dunning in dunnings:
            dunning.message_post(body=_("Cancelled: %(reason)s", reason=self.reason))
        if self.cancel_activities:
            activities.sudo().unlink()
        if self.release_hold:
            Decision = self.env["collection.decision"]
            for partner in held:
                Decision._request("release", partner, reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
