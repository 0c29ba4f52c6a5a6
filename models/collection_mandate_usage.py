from collections import namedtuple

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# What a request is about, for the `_get_<weapon>_facts` hooks.
Facts = namedtuple("Facts", "partner moves date term order source")

WEAPONS = [
    ("delay", "Delay"),
    ("credit", "Credit"),
    ("waiver", "Waiver"),
    ("hold", "Hold"),
    ("release", "Release"),
    ("terms", "Terms"),
    ("override", "Hold override"),
    ("promise", "Promise after broken ones"),
]


class CollectionMandateUsage(models.Model):
    _name = "collection.mandate.usage"
    _description = "Use of a Collection Weapon"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        readonly=True,
        help="Empty for a use by a dunning policy.",
    )
    policy_id = fields.Many2one(
        comodel_name="collection.policy",
        string="By Policy",
        readonly=True,
        check_company=True,
    )
    mandate_id = fields.Many2one(
        comodel_name="collection.mandate", readonly=True, check_company=True
    )
    manager_id = fields.Many2one(
        comodel_name="res.users", string="Approver", readonly=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        check_company=True,
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    weapon = fields.Selection(selection=WEAPONS, required=True, readonly=True)
    value = fields.Float(readonly=True, help="Days for a delay, an amount otherwise.")
    limit_value = fields.Float(string="Limit", readonly=True)
    within_mandate = fields.Boolean(readonly=True)
    amount_at_stake = fields.Monetary(
        readonly=True, help="Open amount of the customer when the weapon was used."
    )
    state = fields.Selection(
        selection=[
            ("applied", "Applied"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("refused", "Refused"),
        ],
        required=True,
        readonly=True,
        tracking=True,
    )
    approver_id = fields.Many2one(
        comodel_name="res.users", string="Decided By", readonly=True
    )
    decision_date = fields.Datetime(readonly=True)
    reason = fields.Text(readonly=True)
    payload = fields.Json(readonly=True, help="What to apply once approved.")
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source", model_field="res_model", readonly=True
    )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            _("The uses of the collection weapons are kept: refuse a request.")
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_approve(self):
        self._check_decision()
        self._action_decide("approved")
        for usage in self:
            usage._apply()

    def action_refuse(self):
        self._check_decision()
        self._action_decide("refused")
        self._get_sources()._collection_usage_decided()

    def _action_decide(self, state):
        self.sudo().write(
            {
                "state": state,
                "approver_id": self.env.uid,
                "decision_date": fields.Datetime.now(),
            }
        )
        self.sudo().activity_feedback(
            ["mail.mail_activity_data_todo"],
            feedback=_("Approved") if state == "approved" else _("Refused"),
        )

    def action_export_xlsx(self):
        """The selected uses as a spreadsheet, for the manager's own analysis."""
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("Mandate usage.xlsx"), self._get_xlsx()
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_report_data(self):
        """Uses grouped by collector (or policy), with totals per weapon."""
        groups = {}
        for usage in self.sorted(lambda u: (u.user_id.name or "", u.date)):
            who = usage.user_id.name or usage.policy_id.name or ""
            group = groups.setdefault(who, {"usages": self.browse(), "weapons": {}})
            group["usages"] |= usage
            total = group["weapons"].setdefault(
                usage.weapon,
                {
                    "label": usage._get_weapon_label(),
                    "count": 0,
                    "beyond": 0,
                    "refused": 0,
                    "value": 0.0,
                    "at_stake": 0.0,
                },
            )
            total["count"] += 1
            total["beyond"] += not usage.within_mandate
            total["refused"] += usage.state == "refused"
            total["value"] += usage.value
            total["at_stake"] += usage.amount_at_stake
        return groups

    def _get_xlsx(self):
        import io

        import xlsxwriter

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Uses"))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        headers = [
            _("Date"),
            _("Collector"),
            _("Customer"),
            _("Weapon"),
            _("Value"),
            _("Limit"),
            _("Within Mandate"),
            _("State"),
            _("Decided By"),
            _("Amount at Stake"),
            _("Reason"),
        ]
        sheet.write_row(0, 0, headers, bold)
        states = dict(self._fields["state"]._description_selection(self.env))
        for row, usage in enumerate(self.sorted("date"), start=1):
            sheet.write_datetime(row, 0, usage.date, date_format)
            sheet.write(row, 1, usage.user_id.name or usage.policy_id.name or "")
            sheet.write(row, 2, usage.partner_id.display_name)
            sheet.write(row, 3, usage._get_weapon_label())
            sheet.write_number(row, 4, usage.value)
            sheet.write_number(row, 5, usage.limit_value)
            sheet.write(row, 6, _("Yes") if usage.within_mandate else _("No"))
            sheet.write(row, 7, states[usage.state])
            sheet.write(row, 8, usage.approver_id.name or "")
            sheet.write_number(row, 9, usage.amount_at_stake, money)
            sheet.write(row, 10, usage.reason or "")
        sheet.set_column(0, 0, 17)
        sheet.set_column(1, 3, 22)
        sheet.set_column(9, 10, 18)
        workbook.close()
        return output.getvalue()

    def _check_decision(self):
        """Four eyes: the requester never decides their own request; the
        approver named on it decides, or an administrator above them."""
        user = self.env.user
        if not user.has_group("credit_collection.group_collection_manager"):
            raise AccessError(_("Only a collection manager decides beyond a mandate."))
        if any(usage.state != "to_approve" for usage in self):
            raise UserError(_("Only a request waiting for approval can be decided."))
        for usage in self:
            if usage.user_id == user:
                raise AccessError(
                    _(
                        "You asked for this yourself: %(approver)s decides, not you.",
                        approver=usage.manager_id.name,
                    )
                )
            if user != usage.manager_id and not user.has_group("base.group_system"):
                raise AccessError(
                    _(
                        "%(approver)s decides this request, not you.",
                        approver=usage.manager_id.name,
                    )
                )

    @api.model
    def _request(
        self,
        weapon,
        partner,
        moves=None,
        *,
        date=None,
        payment_term=None,
        order=None,
        reason=None,
        source=None,
    ):
        """The one entry point of every weapon: compute what is asked from the
        facts (the invoices, the new date, the terms, the order, the promise
        in `source`), check it against the user's mandate, log it, and apply
        it at once when the mandate covers it, or put it to the mandate's
        approver, taking effect only when approved."""
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors use the collection weapons."))
        moves = moves or self.env["account.move"]
        partner = partner.commercial_partner_id
        company = self._get_request_company(partner, moves, order, source)
        value, payload, source = self.with_company(company)._get_request_facts(
            weapon, partner, moves, date, payment_term, order, source
        )
        values = self._prepare_request_values(
            weapon, partner, value, moves, payload, reason, source, company
        )
        usage = self.sudo().create(values)
        if values["within_mandate"]:
            usage._apply()
        else:
            usage._ask_approval()
        return usage

    @api.model
    def _request_for_policy(self, weapon, policy, requests):
        """The uses a dunning policy makes for many customers at once, within
        the company's own authority: [(partner, moves, reason, source)]. Only
        for dunnings the module proposed from the receivable book."""
        usages = self.sudo().create(
            [
                self._prepare_request_values(
                    weapon,
                    partner,
                    0.0,
                    moves,
                    None,
                    reason,
                    source,
                    policy.company_id,
                    policy=policy,
                )
                for partner, moves, reason, source in requests
            ]
        )
        usages._apply()
        return usages

    @api.model
    def _get_request_company(self, partner, moves, order, source):
        """The company the request acts in: the invoices', the order's or the
        source's; one of the user's companies, and the customer's."""
        companies = moves.company_id | (order.company_id if order else moves.company_id)
        if source and "company_id" in source and not moves and not order:
            companies |= source.company_id
        company = companies if len(companies) == 1 else self.env.company
        if len(companies) > 1:
            raise UserError(_("Choose the invoices of one company."))
        if company not in self.env.user.company_ids:
            raise AccessError(
                _("You do not work for %(company)s.", company=company.name)
            )
        if moves.commercial_partner_id - partner or moves.filtered(
            lambda m: (
                m.move_type not in ("out_invoice", "out_receipt") or m.state != "posted"
            )
        ):
            raise UserError(
                _(
                    "Choose posted invoices of %(partner)s.",
                    partner=partner.display_name,
                )
            )
        if partner.company_id and partner.company_id != company:
            raise UserError(
                _(
                    "%(partner)s belongs to another company.",
                    partner=partner.display_name,
                )
            )
        return company

    @api.model
    def _get_request_facts(self, weapon, partner, moves, date, term, order, source):
        """(value, payload, source) of a request, computed here so that no
        caller can understate it: days for a delay or terms, company-currency
        amounts for a waiver or a plan, broken promises for a new promise.
        Each weapon has its `_get_<weapon>_facts` hook."""
        facts = Facts(partner, moves, date, term, order, source)
        return getattr(self, f"_get_{weapon}_facts", self._get_permission_facts)(facts)

    @api.model
    def _get_delay_facts(self, facts):
        today = fields.Date.context_today(self)
        oldest = self.env["collection.receivable"]._get_oldest_due_date(facts.moves)
        if not oldest or not facts.date:
            raise UserError(_("Choose the invoices and the new payment date."))
        promised = facts.source and facts.source._name == "collection.promise"
        if facts.date <= today and not promised:
            raise UserError(_("The new payment date must be after today."))
        payload = {"date": fields.Date.to_string(facts.date)}
        return (facts.date - oldest).days, payload, facts.source

    @api.model
    def _get_waiver_facts(self, facts):
        company = self.env.company
        today = fields.Date.context_today(self)
        if not facts.moves:
            raise UserError(_("Choose the invoices concerned."))
        charges = facts.moves._collection_get_charges(today)
        amount = sum(
            move.currency_id._convert(
                charges[move.id]["interest"], company.currency_id, company, today
            )
            + charges[move.id]["compensation"]
            for move in facts.moves
        )
        if company.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(
                _("These invoices have no interest nor compensation to waive.")
            )
        return amount, {"date": fields.Date.to_string(today)}, facts.source

    @api.model
    def _get_credit_facts(self, facts):
        """A plan's amount, in company currency at today's rate."""
        promise = facts.source
        if not promise or promise._name != "collection.promise":
            raise UserError(_("Credit is granted through a payment plan."))
        company = self.env.company
        amount = promise.currency_id._convert(
            promise.amount,
            company.currency_id,
            company,
            fields.Date.context_today(self),
        )
        return amount, {}, promise

    @api.model
    def _get_promise_facts(self, facts):
        broken = self.env["collection.promise"]._count_broken(facts.partner)
        return broken, {}, facts.source

    @api.model
    def _get_terms_facts(self, facts):
        term, order, partner = facts.term, facts.order, facts.partner
        if not term:
            raise UserError(_("Choose the payment terms to accept."))
        if term.company_id and term.company_id != self.env.company:
            raise UserError(_("These payment terms belong to another company."))
        if order and order.partner_id.commercial_partner_id != partner:
            raise UserError(
                _(
                    "%(order)s is not an order of %(partner)s.",
                    order=order.name,
                    partner=partner.display_name,
                )
            )
        if order and order.state not in ("draft", "sent"):
            raise UserError(
                _(
                    "%(order)s is confirmed or cancelled: its terms are settled.",
                    order=order.name,
                )
            )
        payload = {"payment_term_id": term.id}
        return term._collection_get_days(), payload, order or partner

    @api.model
    def _get_hold_facts(self, facts):
        if facts.partner.collection_hold:
            raise UserError(
                _("%(partner)s is already on hold.", partner=facts.partner.display_name)
            )
        return self._get_permission_facts(facts)

    @api.model
    def _get_release_facts(self, facts):
        if not facts.partner.collection_hold:
            raise UserError(
                _("%(partner)s is not on hold.", partner=facts.partner.display_name)
            )
        return self._get_permission_facts(facts)

    @api.model
    def _get_permission_facts(self, facts):
        """Hold, release and a manager's override weigh nothing: they are
        allowed or not."""
        return 0.0, {}, facts.source

    def _prepare_request_values(
        self,
        weapon,
        partner,
        value,
        moves,
        payload,
        reason,
        source,
        company,
        policy=None,
    ):
        user = self.env.user
        Mandate = self.env["collection.mandate"]
        mandate = (
            Mandate
            if policy
            else Mandate._get_mandate(user, company, fields.Date.context_today(self))
        )
        # a policy acts for the company; a manager's override is only logged
        within = bool(policy) or weapon == "override" or mandate._allows(weapon, value)
        limit = mandate._get_limit(weapon) if mandate else 0.0
        return {
            "company_id": company.id,
            "user_id": False if policy else user.id,
            "policy_id": policy.id if policy else False,
            "mandate_id": mandate.id,
            "manager_id": mandate.manager_id.id,
            "partner_id": partner.id,
            "move_ids": [fields.Command.set(moves.ids)] if moves else [],
            "weapon": weapon,
            "value": value,
            "limit_value": limit or 0.0,
            "within_mandate": within,
            "amount_at_stake": partner.with_company(company).collection_open_amount,
            "state": "applied" if within else "to_approve",
            "reason": reason,
            "payload": payload or {},
            "res_model": source._name if source else False,
            "res_id": source.id if source else False,
        }

    def _ask_approval(self):
        for usage in self:
            manager = usage.manager_id
            if not manager or manager == usage.user_id:
                manager = self._get_fallback_manager(usage.company_id, usage.user_id)
            usage.manager_id = manager
            usage.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                summary=_(
                    "%(collector)s asks for %(weapon)s beyond the mandate: "
                    "%(customer)s",
                    collector=usage.user_id.name,
                    weapon=usage._get_weapon_label(),
                    customer=usage.partner_id.display_name,
                ),
                note=usage.reason or "",
                user_id=manager.id,
            )

    @api.model
    def _get_fallback_manager(self, company, requester):
        """Without a mandate, the request goes to a collection manager of the
        company other than the requester."""
        group = self.env.ref("credit_collection.group_collection_manager")
        managers = (
            group.users.filtered(
                lambda u: company in u.company_ids and u.active and not u.share
            )
            - requester
        )
        return managers.sorted("id")[:1] or self.env.ref("base.user_admin")

    def _get_weapon_label(self):
        self.ensure_one()
        return dict(self._fields["weapon"]._description_selection(self.env))[
            self.weapon
        ]

    def _apply(self):
        """Make the weapon take effect through its `_apply_<weapon>` hook, or,
        for a use asked by a promise, let the promise decide. A manager's
        override of a hold has already happened: it is only logged."""
        promised = self.filtered(lambda u: u.res_model == "collection.promise")
        todo = (self - promised).sudo().filtered(lambda u: u.weapon != "override")
        for weapon, usages in todo.grouped("weapon").items():
            getattr(usages, f"_apply_{weapon}")()
        promised._get_sources()._collection_usage_decided()

    def _get_sources(self):
        """The promises these uses were asked for."""
        return (
            self.env["collection.promise"]
            .sudo()
            .browse(
                self.filtered(lambda u: u.res_model == "collection.promise").mapped(
                    "res_id"
                )
            )
        )

    def _apply_delay(self):
        for usage in self:
            usage.move_ids.write({"collection_extended_until": usage.payload["date"]})

    def _apply_waiver(self):
        for usage in self:
            usage.move_ids.write(
                {
                    "collection_charges_waived_until": usage.payload["date"],
                    "collection_compensation_waived": True,
                }
            )

    def _apply_terms(self):
        for usage in self:
            record = (
                self.env[usage.res_model]
                .browse(usage.res_id)
                .with_company(usage.company_id)
            )
            field = (
                "property_payment_term_id"
                if usage.res_model == "res.partner"
                else "payment_term_id"
            )
            record[field] = usage.payload["payment_term_id"]

    def _apply_hold(self):
        """One write per reason and author: a policy holds many customers."""
        for (reason, user), usages in self.grouped(
            lambda u: (u.reason, u.user_id)
        ).items():
            usages.partner_id.write(
                {
                    "collection_hold": True,
                    "collection_hold_reason": reason,
                    "collection_hold_date": fields.Date.context_today(self),
                    "collection_hold_user_id": user.id,
                }
            )

    def _apply_release(self):
        self.partner_id.write(
            {
                "collection_hold": False,
                "collection_hold_reason": False,
                "collection_hold_date": False,
                "collection_hold_user_id": False,
            }
        )
