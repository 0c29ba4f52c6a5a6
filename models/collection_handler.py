from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

HANDLER_KINDS = [
    ("agency", "Collection Agency"),
    ("bailiff", "Bailiff"),
    ("lawyer", "Lawyer"),
]


class CollectionHandler(models.Model):
    """Who a claim is handed to (an agency, a bailiff, a lawyer) and the
    agreement the company signed with them: what they earn on what they
    collect, and how soon they pay it over. A case copies the agreement when
    it is placed (docs/escalation.md)."""

    _name = "collection.handler"
    _description = "Collection Handler"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(related="partner_id.name", store=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Handler",
        required=True,
        check_company=True,
        help="The agency, bailiff or lawyer: its address is on the case file and "
        "its commission is billed by it.",
    )
    kind = fields.Selection(
        selection=HANDLER_KINDS, required=True, default="agency", tracking=True
    )
    commission_rate = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        tracking=True,
        help="Earned on every amount collected after the claim is placed, "
        "whether paid to the handler or to the company.",
    )
    old_invoice_days = fields.Integer(
        string="Old Invoices After (days)",
        default=365,
        tracking=True,
        help="A case whose oldest invoice is more than this many days past due "
        "when placed earns the extra commission on everything collected.",
    )
    old_invoice_rate = fields.Float(
        string="Extra Commission on Old Cases (%)",
        digits=(5, 2),
        tracking=True,
    )
    fixed_fee = fields.Monetary(
        string="Fee per Case",
        tracking=True,
        help="Billed once per case placed, whatever is collected.",
    )
    remittance_days = fields.Integer(
        string="Pays Over Within (days)",
        default=30,
        tracking=True,
        help="What the handler collects is paid over to the company within "
        "these days: later, the payment is flagged.",
    )
    case_ids = fields.One2many(
        comodel_name="collection.case", inverse_name="handler_id", string="Cases"
    )
    case_count = fields.Integer(compute="_compute_case_count")

    @api.depends("case_ids")
    def _compute_case_count(self):
        counts = dict(
            self.env["collection.case"]._read_group(
                [("handler_id", "in", self.ids)], ["handler_id"], ["__count"]
            )
        )
        for handler in self:
            handler.case_count = counts.get(handler, 0)

    @api.constrains(
        "commission_rate", "old_invoice_rate", "fixed_fee", "remittance_days"
    )
    def _check_agreement(self):
        for handler in self:
            if (
                min(
                    handler.commission_rate,
                    handler.old_invoice_rate,
                    handler.fixed_fee,
                    handler.remittance_days,
                    handler.old_invoice_days,
                )
                < 0
                or max(handler.commission_rate, handler.old_invoice_rate) > 100
            ):
                raise ValidationError(
                    _(
                        "A handler's rates are between 0 and 100 %, its fee and "
                        "days are not negative."
                    )
                )

    def action_open_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_case_action"
        )
        action["domain"] = [("handler_id", "=", self.id)]
        action["context"] = {"default_handler_id": self.id}
        return action
