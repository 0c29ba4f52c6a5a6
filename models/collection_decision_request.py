from collections import namedtuple

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from .collection_guard import as_module
from .collection_receivable import COLLECTED_MOVE_TYPES

# What a request is about, for the `_get_<measure>_facts` hooks.
Facts = namedtuple("Facts", "partner moves date term order source")


class CollectionDecision(models.Model):
    """Requesting a measure: the one entry point, the facts it computes, the
    mandate it checks."""

    _inherit = "collection.decision"

    @api.model
    def _request(
        self,
        measure,
        partner,
        moves=None,
        *,
        date=None,
        payment_term=None,
        order=None,
        reason=None,
        source=None,
    ):
        """The one entry point of every measure: compute what is asked from the
        facts (the invoices, the new date, the terms, the order, the promise
        in `source`), check it against the user's mandate, log it, and apply
        it at once when the mandate covers it, or put it to the mandate's
        approver, taking effect only when approved."""
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors take collection measures."))
        moves = moves or self.env["account.move"]
        partner = partner.commercial_partner_id
        company = self._get_request_company(partner, moves, order, source)
        value, payload, source = self.with_company(company)._get_request_facts(
            measure, partner, moves, date, payment_term, order, source
        )
        values = self._prepare_request_values(
            measure, partner, value, moves, payload, reason, source, company
        )
        decision = as_module(self).with_context(mail_create_nolog=True).create(values)
        if values["within_mandate"]:
            decision._apply()
        else:
            decision._ask_approval()
        return decision

    @api.model
    def _request_by_company(
        self, measure, requests, dunning_policy=None, insurance_policy=None
    ):
        """The decisions the company's own rules take for many customers at
        once, within the company's authority: a dunning policy
        (`dunning_policy`) or a credit insurance policy (`insurance_policy`).
        `requests`: [(partner, moves, reason, source)]. Only for what the
        module decided itself: the dunnings it proposed from the receivable
        book, the stop-delivery dates it reached."""
        rule = dunning_policy or insurance_policy
        # what the amounts at stake read, for every request's invoices at once
        self.env["account.move"].union(
            *(moves for __, moves, __, __ in requests)
        ).fetch(["collection_disputed", "amount_residual_signed"])
        decisions = (
            as_module(self)
            .with_context(mail_create_nolog=True)
            .create(
                [
                    self._prepare_request_values(
                        measure,
                        partner,
                        0.0,
                        moves,
                        None,
                        reason,
                        source,
                        rule.company_id,
                        dunning_policy=dunning_policy,
                        insurance_policy=insurance_policy,
                    )
                    for partner, moves, reason, source in requests
                ]
            )
        )
        decisions._apply()
        return decisions

    @api.model
    def _get_pending_requests(self, company, partners):
        """{customer id: "Extension, Credit"}: the kinds of request awaiting
        an approver for each of `partners` in `company`, read at once."""
        measures = dict(self._fields["measure"]._description_selection(self.env))
        pending = {}
        for partner, measure in self.sudo()._read_group(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partners.ids),
                ("state", "=", "to_approve"),
            ],
            ["partner_id", "measure"],
            order="partner_id, measure",
        ):
            pending.setdefault(partner.id, []).append(measures[measure])
        return {partner_id: ", ".join(kinds) for partner_id, kinds in pending.items()}

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
            lambda m: m.move_type not in COLLECTED_MOVE_TYPES or m.state != "posted"
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
    def _get_request_facts(self, measure, partner, moves, date, term, order, source):
        """(value, payload, source) of a request, computed here so that no
        caller can understate it: days for a delay or terms, company-currency
        amounts for a waiver or a plan, broken promises for a new promise.
        Each measure has its `_get_<measure>_facts` hook."""
        facts = Facts(partner.with_env(self.env), moves, date, term, order, source)
        return getattr(self, f"_get_{measure}_facts", self._get_permission_facts)(facts)

    @api.model
    def _get_delay_facts(self, facts):
        today = self.env["collection.receivable"]._get_today()
        oldest = self.env["collection.receivable"]._get_oldest_due_date(facts.moves)
        if not oldest or not facts.date:
            raise UserError(_("Choose the invoices and the new payment date."))
        promised = facts.source and facts.source._name == "collection.promise"
        if facts.date <= today and not promised:
            raise UserError(_("The new payment date must be after today."))
        if facts.date <= oldest and not promised:
            raise UserError(
                _(
                    "The new payment date must be after the invoices' due date "
                    "(%(date)s): before it, there is nothing to extend.",
                    date=format_date(self.env, oldest),
                )
            )
        return (
            (facts.date - oldest).days,
            self._get_delay_payload(facts.moves, facts.date),
            facts.source,
        )

    @api.model
    def _get_delay_payload(self, moves, date):
        payload = {"date": fields.Date.to_string(date)}
        limit, policy = moves._get_insurance_extension_limit()
        if limit and date > limit:
            # beyond the insurer's maximum extension period: whatever the mandate
            payload["insurance_warning"] = _(
                "Beyond the maximum extension period of the credit insurance "
                "%(policy)s (until %(date)s): a manager approves and the insurer "
                "must agree.",
                policy=policy.name,
                date=format_date(self.env, limit),
            )
        return payload

    @api.model
    def _request_due_date_change(self, move, date, original):
        """The delay decision of a later due date written on a posted invoice
        (by hand, or by resetting it and posting it again), in the name of
        whoever wrote it, whatever their groups: applied within their
        mandate, else put to a manager."""
        company = move.company_id
        requests = self.with_company(company)
        values = requests._prepare_request_values(
            "delay",
            move.commercial_partner_id,
            (date - original).days,
            move,
            requests._get_delay_payload(move, date),
            _(
                "Due date of %(invoice)s changed from %(original)s to %(date)s.",
                invoice=move.name,
                original=format_date(self.env, original),
                date=format_date(self.env, date),
            ),
            None,
            company,
        )
        decision = (
            as_module(requests).with_context(mail_create_nolog=True).create(values)
        )
        if values["within_mandate"]:
            decision._apply()
        else:
            decision._ask_approval()
        return decision

    @api.model
    def _get_waiver_facts(self, facts):
        company = self.env.company
        today = self.env["collection.receivable"]._get_today()
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
            self.env["collection.receivable"]._get_today(),
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
        measure,
        partner,
        value,
        moves,
        payload,
        reason,
        source,
        company,
        dunning_policy=None,
        insurance_policy=None,
    ):
        user = self.env.user
        Mandate = self.env["collection.mandate"]
        # a policy acts for the company; a manager's override is only logged
        by_company = bool(dunning_policy or insurance_policy)
        mandate = (
            Mandate
            if by_company
            else Mandate._get_mandate(
                user, company, self.env["collection.receivable"]._get_today()
            )
        )
        warning = (payload or {}).get("insurance_warning")
        within = not warning and (
            by_company or measure == "override" or mandate._allows(measure, value)
        )
        limit = mandate._get_limit(measure) if mandate else 0.0
        return {
            "company_id": company.id,
            "user_id": False if by_company else user.id,
            "policy_id": dunning_policy.id if dunning_policy else False,
            "insurance_policy_id": insurance_policy.id if insurance_policy else False,
            "warning": warning or False,
            "mandate_id": mandate.id,
            "manager_id": mandate.manager_id.id,
            "partner_id": partner.id,
            "move_ids": [fields.Command.set(moves.ids)] if moves else [],
            "measure": measure,
            "value": value,
            "limit_value": limit or 0.0,
            "within_mandate": within,
            "amount_at_stake": self._get_amount_at_stake(
                measure, partner, moves, value, company, source
            ),
            "state": "applied" if within else "to_approve",
            "reason": reason,
            "payload": payload or {},
            "res_model": source._name if source else False,
            "res_id": source.id if source else False,
        }

    @api.model
    def _get_amount_at_stake(self, measure, partner, moves, value, company, source):
        """What a request puts at stake, in company currency: the amount of the
        promise or plan it was asked for, its invoices' open amount (but the
        disputed ones'), the amount waived, or the customer's open amount when
        the request is about the customer (hold, release, terms)."""
        if measure == "waiver":
            return value
        if source and source._name == "collection.promise":
            return source.currency_id._convert(
                source.amount,
                company.currency_id,
                company,
                self.env["collection.receivable"]._get_today(),
            )
        if moves:
            return sum(
                moves.filtered(lambda m: not m.collection_disputed).mapped(
                    "amount_residual_signed"
                )
            )
        return partner.with_company(company).collection_open_amount

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
