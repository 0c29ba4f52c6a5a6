from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.base.models.res_partner import _tz_get


class ResCompany(models.Model):
    _inherit = "res.company"

    commission_rate = fields.Float(
        string="Default Commission Rate (%)",
        digits=(16, 2),
        help="The commission rate of a salesperson without a rate of their own.",
    )
    commission_journal_ids = fields.Many2many(
        comodel_name="account.journal",
        relation="account_journal_res_company_commission_rel",
        column1="res_company_id",
        column2="account_journal_id",
        string="Commission Journals",
        domain="[('company_id', '=', id), ('type', 'in', ('bank', 'cash'))]",
        help="The payments in these journals earn commission; empty: every "
        "bank and cash journal.",
    )
    commission_include_receipts = fields.Boolean(
        string="Commission on Sales Receipts",
        help="Sales receipts earn commission as invoices do.",
    )
    collection_min_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        currency_field="currency_id",
        help="Customers whose overdue amount is below this are not to follow.",
    )
    collection_policy_id = fields.Many2one(
        comodel_name="collection.policy",
        string="Default Dunning Policy",
        check_company=True,
        help="Policy of the customers and invoices that have none of their own.",
    )
    collection_interest_mode = fields.Selection(
        selection=[
            ("fr", "France: ECB rate + 10 points"),
            ("be", "Belgium: published rate (ECB + 8, rounded up to the half point)"),
            ("eu", "EU directive: ECB rate + 8 points"),
            ("contract", "Contractual rate"),
        ],
        string="Late-payment Interest",
        compute="_compute_collection_interest_mode",
        store=True,
        readonly=False,
    )
    collection_interest_rate = fields.Float(
        string="Contractual Rate (%)",
        digits=(6, 2),
        help="Annual rate of the contractual mode. A French company charges at "
        "least three times the French legal interest rate of the half-year: when "
        "this rate is lower, interest is computed at that minimum.",
    )
    collection_payment_days = fields.Integer(
        string="Standard Payment Terms (days)",
        default=30,
        help="Accepting longer payment terms for a customer or an order is a "
        "collection measure: it needs the mandate's permission.",
    )
    collection_promise_grace_days = fields.Integer(
        string="Promise Grace Period (days)",
        default=2,
        help="An installment still unpaid this many days after its date breaks the "
        "promise.",
    )
    collection_tz = fields.Selection(
        selection="_collection_tz_selection",
        string="Collection Time Zone",
        default=lambda self: self._default_collection_tz(),
        help="The company's day for every collection rule (lateness, runs, "
        "interest, mandates): today is the date in this time zone, whatever "
        "a user's own.",
    )
    collection_drift_margin = fields.Integer(
        string="Drift Margin (days)",
        default=10,
        help="A customer whose 90-day average is this many days later than its "
        "12-month one raises an alert.",
    )
    collection_on_time_count = fields.Integer(
        string="On-time Payments Before a First Late One",
        default=5,
        help="A customer who paid this many times on time and then pays late "
        "raises an alert.",
    )
    collection_invoice_mentions = fields.Boolean(
        string="Late-payment Mentions on Invoices",
        default=True,
        help="Customer invoices print, and carry in their electronic version, "
        "the payment date, the early-payment discount, the penalty rate and "
        "the fixed compensation the law asks for (docs/legal-mentions.md).",
    )
    collection_compensation_amount = fields.Monetary(
        string="Fixed Compensation",
        currency_field="currency_id",
        default=40.0,
        help="Fixed compensation for recovery costs, per invoice paid late (B2B).",
    )

    @api.model
    def _collection_tz_selection(self):
        return _tz_get(self)

    @api.model
    def _default_collection_tz(self):
        return self.env.company.partner_id.tz or self.env.user.tz or "UTC"

    @api.depends("country_id")
    def _compute_collection_interest_mode(self):
        modes = {"FR": "fr", "BE": "be"}
        for company in self:
            company.collection_interest_mode = (
                company.collection_interest_mode
                or modes.get(company.country_id.code, "eu")
            )

    @api.constrains("collection_drift_margin", "collection_on_time_count")
    def _check_collection_early_warning(self):
        for company in self:
            if (
                company.collection_drift_margin < 1
                or company.collection_on_time_count < 1
            ):
                raise ValidationError(
                    _(
                        "The drift margin and the number of on-time payments of "
                        "the early warning are at least 1."
                    )
                )

    @api.constrains("commission_rate")
    def _check_commission_rate(self):
        if any(not 0 <= company.commission_rate <= 100 for company in self):
            raise ValidationError(_("A commission rate is between 0 and 100 %."))

    def _collection_check_payment_term(self, term):
        """Refuse terms longer than the company's standard to a user's write:
        those are accepted with the Accept Payment Terms action. Collection
        managers, who decide beyond the mandates, and administrators set them
        directly."""
        self.ensure_one()
        user = self.env.user
        if user.has_group("credit_collection.group_collection_manager") or (
            user.has_group("base.group_system")
        ):
            return
        days = term._collection_get_days()
        if days > self.collection_payment_days:
            raise AccessError(
                _(
                    "%(term)s gives up to %(days)s days, more than the %(standard)s "
                    "days of %(company)s: accept them with Accept Payment Terms, "
                    "within your mandate.",
                    term=term.display_name,
                    days=days,
                    standard=self.collection_payment_days,
                    company=self.name,
                )
            )

    def _collection_get_annual_rates(self):
        """A function giving the company's annual late-payment rate (%) of a
        day. A French company's contractual rate is never below three times
        the French legal rate of the day's half-year (Code de commerce,
        L441-10)."""
        self.ensure_one()
        return self.env["collection.interest.rate"]._get_annual_rates(
            self.collection_interest_mode,
            self.collection_interest_rate,
            legal_floor=self._collection_has_legal_floor(),
        )

    def _collection_has_legal_floor(self):
        """Whether the company's contractual rate is held to three times the
        French legal rate (Code de commerce, L441-10): a French company in
        mode `contract`."""
        self.ensure_one()
        return (
            self.collection_interest_mode == "contract"
            and self._collection_country_code() == "FR"
        )

    def _collection_country_code(self):
        """The country whose law the company's collection follows."""
        self.ensure_one()
        return self.account_fiscal_country_id.code or self.country_id.code

    def _collection_registry_label(self):
        """What the company's registry number is called on a letter: SIRET or
        SIREN in France, the enterprise number in Belgium."""
        self.ensure_one()
        country = self._collection_country_code()
        if country == "FR":
            digits = "".join(c for c in self.company_registry or "" if c.isdigit())
            return "SIRET" if len(digits) == 14 else "SIREN"
        if country == "BE":
            return _("Enterprise number")
        return _("Company number")

    def _collection_registered_letter_label(self):
        """How a formal notice is sent: by registered letter, with an
        acknowledgement of receipt in France."""
        self.ensure_one()
        country = self._collection_country_code()
        if country == "FR":
            return _("By registered letter with acknowledgement of receipt")
        return _("By registered letter")
