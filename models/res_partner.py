from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .collection_guard import with_context_defaults
from .collection_kpi import kept_rate

# Set by the Hold and Release measures only.
HOLD_FIELDS = {
    "collection_hold",
    "collection_hold_reason",
    "collection_hold_date",
    "collection_hold_user_id",
}
# Who may read why, since when and by whom any customer is on hold.
HOLD_READERS = "credit_collection.group_collection_user,account.group_account_invoice"
# Who may read it for the customers whose collection status they read (a
# salesperson: their own customers).
HOLD_NOTE_READERS = f"{HOLD_READERS},sales_team.group_sale_salesman"
# Who may give a customer its salesperson: a salesperson reads the receivables
# of their own customers, so they may not make a customer their own.
SALESPERSON_ASSIGNERS = (
    "credit_collection.group_collection_user",
    "sales_team.group_sale_manager",
    "account.group_account_invoice",
)
# What decides whose customer a partner is, and whose receivables it carries.
STRUCTURE_FIELDS = {"user_id", "parent_id", "is_company"}


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "collection.guard.mixin"]
    _collection_guard_all = False

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    collection_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        company_dependent=True,
        tracking=True,
        domain=lambda self: [
            (
                "groups_id",
                "in",
                self.env.ref("credit_collection.group_collection_user").ids,
            )
        ],
        help="Collector who follows this customer's receivables in the current "
        "company. Empty: the default collector of the company's settings.",
    )
    collection_policy_id = fields.Many2one(
        comodel_name="collection.policy",
        string="Dunning Policy",
        company_dependent=True,
        tracking=True,
        help="Empty: the default dunning policy of the company.",
    )
    collection_dunning_ids = fields.One2many(
        comodel_name="collection.dunning",
        inverse_name="partner_id",
        string="Dunnings",
    )
    collection_dunning_count = fields.Integer(
        string="Dunnings Sent",
        compute="_compute_collection_dunning_count",
        help="The dunnings sent to the customer that you may read.",
    )
    collection_promise_count = fields.Integer(
        string="Promises", compute="_compute_collection_promise_stats"
    )
    collection_promise_kept = fields.Integer(
        string="Promises Kept", compute="_compute_collection_promise_stats"
    )
    collection_promise_broken = fields.Integer(
        string="Promises Broken", compute="_compute_collection_promise_stats"
    )
    collection_promise_kept_rate = fields.Float(
        string="Kept Rate (%)",
        compute="_compute_collection_promise_stats",
        help="Kept / (kept + broken).",
    )
    collection_promise_amount = fields.Monetary(
        string="Amount Promised",
        compute="_compute_collection_promise_stats",
        currency_field="collection_currency_id",
    )
    collection_promise_collected = fields.Monetary(
        string="Collected on Promises",
        compute="_compute_collection_promise_stats",
        currency_field="collection_currency_id",
        help="Paid on the promises' invoices since each promise was made.",
    )
    collection_status_access = fields.Boolean(
        compute="_compute_collection_status_access",
        help="Whether the current user may read this customer's collection status: "
        "collectors for every customer, salespeople for their own.",
    )
    collection_currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_collection_currency_id",
    )
    collection_open_amount = fields.Monetary(
        string="Open Amount",
        compute="_compute_collection_status",
        search="_search_collection_open_amount",
        currency_field="collection_currency_id",
        help="Open receivable in company currency: invoices less credit notes and "
        "payments not yet matched.",
    )
    collection_overdue_amount = fields.Monetary(
        string="Overdue Amount",
        compute="_compute_collection_status",
        search="_search_collection_overdue_amount",
        currency_field="collection_currency_id",
        help="Open receivable past its due date, in company currency.",
    )
    collection_overdue_count = fields.Integer(
        string="Overdue Invoices",
        compute="_compute_collection_status",
        search="_search_collection_overdue_count",
    )
    collection_oldest_overdue_days = fields.Integer(
        string="Days Overdue",
        compute="_compute_collection_status",
        search="_search_collection_oldest_overdue_days",
        help="Days overdue of the oldest overdue invoice.",
    )
    collection_disputed_amount = fields.Monetary(
        string="Disputed Amount",
        compute="_compute_collection_status",
        search="_search_collection_disputed_amount",
        currency_field="collection_currency_id",
    )
    collection_promise_date = fields.Date(
        string="Promised For",
        compute="_compute_collection_worklist",
        help="The next date of the customer's open promise or payment plan.",
    )
    collection_last_contact_date = fields.Date(
        string="Last Contact",
        compute="_compute_collection_worklist",
        help="The last dunning sent or contact logged with the customer.",
    )
    collection_next_activity = fields.Char(
        string="Next Action",
        compute="_compute_collection_worklist",
        help="The earliest open call or task on the customer's dunnings.",
    )
    collection_next_activity_date = fields.Date(
        string="Next Action Due",
        compute="_compute_collection_worklist",
    )
    collection_level_id = fields.Many2one(
        comodel_name="collection.level",
        string="Highest Level",
        compute="_compute_collection_worklist",
        help="The highest dunning level its open invoices reached.",
    )
    collection_broken_recently = fields.Boolean(
        string="Broke a Promise",
        compute="_compute_collection_worklist",
        help="A promise or plan of the customer was broken in the last 12 months.",
    )
    collection_to_follow = fields.Boolean(
        string="To Follow",
        compute="_compute_collection_to_follow",
        search="_search_collection_to_follow",
        help="Overdue by at least the company's minimum overdue amount.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends_context("uid", "company")
    def _compute_collection_dunning_count(self):
        Dunning = self.env["collection.dunning"]
        if not Dunning.has_access("read"):
            self.collection_dunning_count = 0
            return
        counts = dict(
            Dunning._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("state", "in", ("queued", "done")),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.collection_dunning_count = counts.get(
                partner.commercial_partner_id, 0
            )

    @api.depends_context("company")
    def _compute_collection_promise_stats(self):
        groups = self.env["collection.promise"]._read_group(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("state", "not in", ("draft", "cancel")),
                ("company_id", "=", self.env.company.id),
            ],
            ["partner_id", "state"],
            ["__count", "amount:sum"],
        )
        stats = {}
        for partner, state, count, amount in groups:
            values = stats.setdefault(partner.id, {"count": 0, "amount": 0.0})
            values["count"] += count
            values["amount"] += amount
            values[state] = count
        promises = self.env["collection.promise"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("state", "not in", ("draft", "cancel")),
                ("company_id", "=", self.env.company.id),
            ]
        )
        paid = promises._get_amounts_paid()
        collected = {}
        for promise in promises:
            collected[promise.partner_id.id] = collected.get(
                promise.partner_id.id, 0.0
            ) + (paid.get(promise.id, 0.0))
        for partner in self:
            values = stats.get(partner.commercial_partner_id.id, {})
            kept, broken = values.get("kept", 0), values.get("broken", 0)
            partner.collection_promise_collected = collected.get(
                partner.commercial_partner_id.id, 0.0
            )
            partner.collection_promise_count = values.get("count", 0)
            partner.collection_promise_kept = kept
            partner.collection_promise_broken = broken
            # shown only once a promise ended (the form says so until then)
            partner.collection_promise_kept_rate = kept_rate(kept, broken) or 0.0
            partner.collection_promise_amount = values.get("amount", 0.0)

    @api.depends_context("company")
    def _compute_collection_currency_id(self):
        self.collection_currency_id = self.env.company.currency_id

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _get_collection_action_fields(self):
        return {
            **super()._get_collection_action_fields(),
            **dict.fromkeys(
                HOLD_FIELDS,
                _("A credit hold is put and lifted with the Hold and Release actions."),
            ),
        }

    def _get_collection_restricted_fields(self):
        return super()._get_collection_restricted_fields() | {
            "collection_user_id",
            "collection_policy_id",
        }

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                vals = with_context_defaults(self, vals)
                self.browse()._check_collection_payment_term(vals)
        return super().create(vals_list)

    def write(self, vals):
        if self._get_collection_restricted_fields().intersection(vals):
            self._check_collection_write_access()
        if not self.env.su:
            if "commercial_partner_id" in vals:
                raise AccessError(
                    _("The commercial entity of a contact follows its company.")
                )
            if STRUCTURE_FIELDS.intersection(vals):
                self._check_collection_structure_change(vals)
            self._check_collection_payment_term(vals)
        return super().write(vals)

    def _check_collection_structure_change(self, vals):
        """A salesperson names the salesperson of a new contact only, and does
        not move a customer that has invoices or is on hold to another
        company: whose customer it is, and whose receivables, rests on
        neither."""
        for partner in self:
            current = {
                "user_id": partner.user_id.id,
                "parent_id": partner.parent_id.id,
                "is_company": partner.is_company,
            }
            if all(
                current[name] == (vals[name] or False)
                for name in STRUCTURE_FIELDS.intersection(vals)
            ):
                continue
            commercial = partner.commercial_partner_id
            user = self.env.user
            if commercial.sudo().collection_hold and not user.has_group(
                "credit_collection.group_collection_user"
            ):
                raise AccessError(
                    _(
                        "%(partner)s is on credit hold: only a collector changes "
                        "its company or its salesperson.",
                        partner=partner.display_name,
                    )
                )
            if any(user.has_group(group) for group in SALESPERSON_ASSIGNERS):
                continue
            if (partner.user_id and "user_id" in vals) or self.env[
                "account.move"
            ].sudo().search_count(
                [
                    ("commercial_partner_id", "=", commercial.id),
                    ("state", "=", "posted"),
                ],
                limit=1,
            ):
                raise AccessError(
                    _(
                        "Only a sales manager, an accountant or a collector changes "
                        "the salesperson or the company of %(partner)s.",
                        partner=partner.display_name,
                    )
                )

    def _check_collection_payment_term(self, vals):
        """Payment terms longer than the company's standard are accepted with
        the Accept Payment Terms action, within a mandate; shorter or equal
        ones, or the ones the customer already has, stay free."""
        term_id = vals.get("property_payment_term_id")
        if not term_id:
            return
        term = self.env["account.payment.term"].browse(term_id)
        # unchanged, or a contact taking its company's accepted terms
        if self and all(
            term
            in partner.property_payment_term_id
            | partner.commercial_partner_id.property_payment_term_id
            for partner in self
        ):
            return
        self.env.company._collection_check_payment_term(term)

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "collection_user_id",
            "collection_policy_id",
        ]

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_collection_accept_terms(self):
        return self._open_measure_wizard("terms")

    def _open_measure_wizard(self, measure):
        self.ensure_one()
        return self.env["collection.measure.wizard"]._action_open(measure, self)

    def action_view_collection_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_promise_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_view_collection_dunnings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_dunning_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
            ("state", "in", ("queued", "done")),
        ]
        action["context"] = {}
        return action

    def action_view_collection_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.account_move_action_collection"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]
        action["context"] = {"search_default_collection_overdue": 1}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_collection_write_access(self):
        if not self.env.su and not self.env.user.has_group(
            "credit_collection.group_collection_user"
        ):
            raise AccessError(
                _("Only collectors may change the collection settings of a customer.")
            )

    def _collection_get_recipients(self):
        """{partner id: who receives its reminders}: its first invoicing contact
        with an email, else itself. One query for the whole recordset."""
        contacts = self.search(
            [
                ("parent_id", "in", self.ids),
                ("type", "=", "invoice"),
                ("email", "!=", False),
            ],
            order="id",
        )
        recipients = {partner.id: partner for partner in self}
        for contact in reversed(contacts):
            recipients[contact.parent_id.id] = contact
        return recipients
