from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import split_every

from .collection_guard import with_context_defaults

# The insurer's decision on a customer, recorded by a collection manager.
INSURANCE_PARTNER_FIELDS = {
    "insurance_policy_id",
    "insurance_limit",
    "insurance_decision_date",
    "insurance_buyer_ref",
    "insurance_state",
}
# The states in which the insurer covers the customer's new invoices.
COVERED_STATES = ("granted", "reduced")
# customers an insurer's decision is written for at once, their invoices
# re-assigned and their chatter tracked (a migration insures a whole book in
# one write)
INSURANCE_PAGE = 1000


class ResPartner(models.Model):
    _inherit = "res.partner"

    insurance_policy_id = fields.Many2one(
        comodel_name="collection.insurance.policy",
        string="Credit Insurance",
        company_dependent=True,
        tracking=True,
        help="The policy that insures this customer in the current company.",
    )
    insurance_state = fields.Selection(
        selection=[
            ("requested", "Requested"),
            ("granted", "Granted"),
            ("reduced", "Reduced"),
            ("cancelled", "Cancelled"),
        ],
        string="Cover",
        company_dependent=True,
        tracking=True,
        help="The insurer's last decision. Invoices dated on or after a grant or a "
        "reduction are insured; a cancellation ends the cover of the invoices "
        "dated from it.",
    )
    insurance_limit = fields.Float(
        string="Limit Granted",
        company_dependent=True,
        tracking=True,
        digits="Account",
        help="The exposure the insurer covers, in the policy's currency.",
    )
    insurance_decision_date = fields.Date(
        string="Decision Date", company_dependent=True, tracking=True
    )
    insurance_buyer_ref = fields.Char(
        string="Insurer's Buyer Reference", company_dependent=True, tracking=True
    )
    insurance_currency_id = fields.Many2one(
        related="insurance_policy_id.currency_id", string="Insurance Currency"
    )
    insurance_exposure = fields.Monetary(
        string="Exposure",
        compute="_compute_insurance_exposure",
        currency_field="insurance_currency_id",
        help="The customer's open receivable in the policy's currency.",
    )
    insurance_over_limit = fields.Boolean(
        string="Over Insured Limit", compute="_compute_insurance_exposure"
    )
    insurance_over_amount = fields.Monetary(
        string="Uninsured Exposure",
        compute="_compute_insurance_exposure",
        currency_field="insurance_currency_id",
    )

    insurance_editable = fields.Boolean(compute="_compute_insurance_editable")

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_insurance_editable(self):
        self.insurance_editable = self.env.user.has_group(
            "credit_collection.group_collection_manager"
        )

    @api.depends_context("company")
    @api.depends("insurance_policy_id", "insurance_limit", "insurance_state")
    def _compute_insurance_exposure(self):
        """The open receivable against the limit granted: a customer with a
        policy whose cover is cancelled has none left, one whose cover is only
        requested has not been decided yet."""
        self.insurance_exposure = 0.0
        self.insurance_over_limit = False
        self.insurance_over_amount = 0.0
        partners = self.filtered(
            lambda p: p.insurance_policy_id and p.id == p.commercial_partner_id.id
        )
        if not partners:
            return
        partners.mapped("collection_open_amount")  # the whole list at once
        company = self.env.company
        today = self.env["collection.receivable"]._get_today()
        for partner in partners:
            currency = partner.insurance_currency_id
            exposure = company.currency_id._convert(
                partner.collection_open_amount,
                currency,
                company,
                today,
            )
            limit = (
                partner.insurance_limit
                if partner.insurance_state in COVERED_STATES
                else 0.0
            )
            over = (
                currency.compare_amounts(exposure, limit) > 0
                and partner.insurance_state != "requested"
            )
            partner.insurance_exposure = exposure
            partner.insurance_over_limit = over
            partner.insurance_over_amount = exposure - limit if over else 0.0

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _get_collection_restricted_fields(self):
        return super()._get_collection_restricted_fields() | INSURANCE_PARTNER_FIELDS

    @api.model_create_multi
    def create(self, vals_list):
        if any(
            INSURANCE_PARTNER_FIELDS.intersection(
                k for k, v in with_context_defaults(self, vals).items() if v
            )
            for vals in vals_list
        ):
            for vals in vals_list:
                self._check_insurance_access(with_context_defaults(self, vals))
        return super().create(vals_list)

    def write(self, vals):
        covered = INSURANCE_PARTNER_FIELDS.intersection(vals)
        if covered:
            self._check_insurance_access(vals)
            if len(self) > INSURANCE_PAGE:
                # a page at a time: each page's chatter tracking written (the
                # flush of a commit or a savepoint, which writes the pending
                # tracking of the whole transaction) and its records leaving
                # the cache
                for page in split_every(INSURANCE_PAGE, self.ids):
                    self.browse(page).write(vals)
                    self.env.cr.flush()
                    self.env.invalidate_all()
                return True
        res = super().write(vals)
        if covered:
            self.env["account.move"]._insurance_assign_partners(
                self.commercial_partner_id, self.env.company
            )
        return res

    def _check_insurance_access(self, vals=None):
        if self.env.su:
            return
        if not self.env.user.has_group("credit_collection.group_collection_manager"):
            raise AccessError(
                _(
                    "Only a collection manager records the insurer's decisions on "
                    "a customer's credit insurance."
                )
            )
        policy = self.env["collection.insurance.policy"].browse(
            (vals or {}).get("insurance_policy_id")
        )
        if policy and policy.company_id != self.env.company:
            raise AccessError(
                _(
                    "%(policy)s insures customers of its own company: switch to "
                    "it to record the cover.",
                    policy=policy.sudo().name,
                )
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_insurance_declare(self):
        self.ensure_one()
        return self.env["collection.insurance.declare.wizard"]._action_open(
            self.commercial_partner_id
        )
