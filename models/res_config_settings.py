from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_default_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Default Collector",
        domain=lambda self: [
            (
                "groups_id",
                "in",
                self.env.ref("credit_collection.group_collection_user").ids,
            )
        ],
        help="Collector of the customers who have none of their own.",
    )
    collection_min_amount = fields.Monetary(
        related="company_id.collection_min_amount",
        readonly=False,
    )
    collection_promise_grace_days = fields.Integer(
        related="company_id.collection_promise_grace_days",
        readonly=False,
    )
    collection_payment_days = fields.Integer(
        related="company_id.collection_payment_days",
        readonly=False,
    )
    collection_interest_mode = fields.Selection(
        related="company_id.collection_interest_mode", readonly=False
    )
    collection_interest_rate = fields.Float(
        related="company_id.collection_interest_rate", readonly=False
    )
    collection_compensation_amount = fields.Monetary(
        related="company_id.collection_compensation_amount", readonly=False
    )
    collection_invoice_mentions = fields.Boolean(
        related="company_id.collection_invoice_mentions", readonly=False
    )
    collection_drift_margin = fields.Integer(
        related="company_id.collection_drift_margin", readonly=False
    )
    collection_tz = fields.Selection(related="company_id.collection_tz", readonly=False)
    collection_on_time_count = fields.Integer(
        related="company_id.collection_on_time_count", readonly=False
    )
    commission_rate = fields.Float(related="company_id.commission_rate", readonly=False)
    commission_journal_ids = fields.Many2many(
        related="company_id.commission_journal_ids", readonly=False
    )
    commission_include_receipts = fields.Boolean(
        related="company_id.commission_include_receipts", readonly=False
    )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    # The default collector is the fallback of the company-dependent field
    # res.partner.collection_user_id in the settings' company.

    @api.model
    def get_values(self):
        values = super().get_values()
        values["collection_default_user_id"] = (
            self.env["ir.default"]
            .sudo()
            ._get("res.partner", "collection_user_id", company_id=self.env.company.id)
        )
        return values

    def set_values(self):
        res = super().set_values()
        self.env["ir.default"].sudo().set(
            "res.partner",
            "collection_user_id",
            self.collection_default_user_id.id or None,
            company_id=self.company_id.id,
        )
        return res
