from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from .collection_guard import as_module

# How far apart a plan's installments fall.
FREQUENCIES = {"weekly": 7, "monthly": 30}
# The days a plan's first installment (its down payment) is due within.
DOWN_PAYMENT_DAYS = 15


class ResPartner(models.Model):
    """What a customer does on the collection portal: read its statement,
    dispute an invoice, propose a promise or a payment plan within the
    creditor's self-service rules (docs/customer-portal.md). Called by the
    portal's controller with the portal user's environment; the records are
    written by the module (`as_module`), nothing past its checks."""

    _inherit = "res.partner"

    def _collection_portal_url(self):
        """The collection portal's address for a customer one of whose
        contacts has a portal account, for its letters and emails; False
        otherwise."""
        commercial = self.commercial_partner_id.sudo()
        if not (commercial | commercial.child_ids).user_ids:
            return False
        return f"{commercial.get_base_url()}/my/collection"

    def _collection_portal_policy(self):
        """The dunning policy whose self-service rules apply to the customer
        in the current company."""
        commercial = self.commercial_partner_id.sudo()
        return (
            commercial.collection_policy_id
            or self.env.company.sudo().collection_policy_id
        )

    def _collection_portal_moves(self, domain, order):
        """The customer's posted invoices in the current company within
        `domain`: what the portal may show it, whatever it asks."""
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", self.env.company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    *domain,
                ],
                order=order,
            )
        )

    def _collection_portal_invoices(self):
        """The customer's open invoices in the current company."""
        return self._collection_portal_moves(
            [("payment_state", "in", ("not_paid", "partial"))],
            "invoice_date_due, id",
        )

    def _collection_portal_disputes(self):
        """The customer's disputes of the last year in the current company,
        open or ended, for the customer to read how each ended."""
        since = self.env["collection.receivable"]._get_today() - timedelta(days=365)
        return self._collection_portal_moves(
            [
                ("collection_dispute_state", "!=", False),
                "|",
                ("collection_disputed", "=", True),
                ("invoice_date", ">=", since),
            ],
            "invoice_date desc, id desc",
        )

    def _collection_portal_check_invoices(self, move_ids):
        """The invoices `move_ids` if they are the customer's own and open;
        anything else is refused, whatever the form sent."""
        invoices = self._collection_portal_invoices()
        moves = invoices.browse(move_ids) & invoices
        if not move_ids or len(moves) != len(set(move_ids)):
            raise UserError(_("Choose among your open invoices."))
        return moves

    def _collection_portal_dispute(self, move, reason, comment, attachments=()):
        """The customer disputes `move` with one of the dispute reasons: the
        invoice leaves dunning, the collector is told, the comment and the
        documents are kept on the invoice."""
        self.ensure_one()
        if not reason.sudo().is_dispute or not reason.sudo().active:
            raise UserError(_("Choose the reason of your dispute from the list."))
        if not (comment or "").strip():
            raise UserError(_("Tell us what is wrong with this invoice."))
        if move.collection_disputed:
            raise UserError(_("%(invoice)s is already disputed.", invoice=move.name))
        as_module(move).collection_reason_id = reason
        staff = self._collection_portal_staff()
        reason_name = reason.with_env(staff.env).sudo().name
        message = as_module(move).message_post(
            body=staff._collection_portal_dispute_text(
                self.env.user.partner_id.name, reason_name, comment.strip()
            ),
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        if attachments:
            documents = as_module(self.env["ir.attachment"]).create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "res_model": "account.move",
                        "res_id": move.id,
                    }
                    for name, content in attachments
                ]
            )
            message.attachment_ids = documents
        staff._collection_portal_tell_collector(
            move,
            _(
                "%(customer)s disputes %(invoice)s on the portal: %(reason)s",
                customer=self.commercial_partner_id.name,
                invoice=move.name,
                reason=reason_name,
            ),
        )
        return move

    def _collection_portal_dispute_text(self, who, reason, comment):
        return _(
            "Disputed on the customer portal by %(who)s (%(reason)s): %(comment)s",
            who=who,
            reason=reason,
            comment=comment,
        )

    def _collection_portal_staff(self):
        """The customer in the language of its collector, who reads what the
        portal writes on the customer's records."""
        collector = self._collection_portal_collector()
        return self.with_context(lang=collector.lang or self.env.lang)

    def _collection_portal_collector(self):
        return (
            self.commercial_partner_id.sudo().collection_user_id
            or self.env.ref("base.user_admin").sudo()
        )

    @api.model
    def _collection_portal_schedule(
        self, total, date=None, installments=1, frequency="monthly", down_payment=0.0
    ):
        """The installments (date, amount) of a promise (one) or a plan: the
        down payment first, the rest in equal parts, the last one taking the
        cents."""
        today = self.env["collection.receivable"]._get_today()
        currency = self.env.company.currency_id
        if installments < 1:
            raise UserError(_("A plan has at least one installment."))
        if installments == 1:
            if not date:
                raise UserError(_("Choose the date you will pay."))
            return [(date, total)]
        if frequency not in FREQUENCIES:
            raise UserError(_("Choose weekly or monthly installments."))
        if down_payment < 0 or currency.compare_amounts(down_payment, total) >= 0:
            raise UserError(
                _("The down payment is less than the whole amount of the plan.")
            )
        rest = installments - 1 if down_payment else installments
        part = currency.round((total - down_payment) / rest)
        first = date or today + timedelta(
            days=DOWN_PAYMENT_DAYS if down_payment else FREQUENCIES[frequency]
        )
        schedule = [(first, down_payment)] if down_payment else []
        start = (
            first if down_payment else first - timedelta(days=FREQUENCIES[frequency])
        )
        for index in range(1, rest + 1):
            schedule.append(
                (start + timedelta(days=FREQUENCIES[frequency] * index), part)
            )
        schedule[-1] = (
            schedule[-1][0],
            currency.round(total - sum(amount for _day, amount in schedule[:-1])),
        )
        return schedule

    def _collection_portal_beyond_rules(self, moves, schedule):
        """Why the creditor's self-service rules do not accept this promise
        or plan at once, in the customer's words; empty when they do."""
        policy = self._collection_portal_policy()
        commercial = self.commercial_partner_id
        today = self.env["collection.receivable"]._get_today()
        currency = self.env.company.currency_id
        total = sum(amount for _day, amount in schedule)
        last = max(day for day, _amount in schedule)
        oldest = min(moves.mapped("invoice_date_due"))
        reasons = []
        if currency.compare_amounts(total, policy.portal_auto_limit) > 0:
            reasons.append(
                _(
                    "over %(limit)s",
                    limit=currency.format(policy.portal_auto_limit),
                )
            )
        if last > oldest + timedelta(days=policy.portal_promise_days):
            reasons.append(
                _(
                    "later than %(date)s",
                    date=format_date(
                        self.env, oldest + timedelta(days=policy.portal_promise_days)
                    ),
                )
            )
        if len(schedule) > 1:
            if len(schedule) > policy.portal_max_installments:
                reasons.append(
                    _(
                        "more than %(count)s installments",
                        count=policy.portal_max_installments,
                    )
                )
            if last > today + timedelta(days=policy.portal_plan_days):
                reasons.append(
                    _("longer than %(days)s days", days=policy.portal_plan_days)
                )
            first_day, first = schedule[0]
            percent = f"{policy.portal_down_payment:g}"
            if (
                100 * first < policy.portal_down_payment * total
                or first_day > today + timedelta(days=DOWN_PAYMENT_DAYS)
            ):
                reasons.append(
                    _(
                        "a down payment under %(percent)s %% within %(days)s days",
                        percent=percent,
                        days=DOWN_PAYMENT_DAYS,
                    )
                )
            if any(
                currency.compare_amounts(amount, policy.portal_min_installment) < 0
                for _day, amount in schedule
            ):
                reasons.append(
                    _(
                        "an installment under %(amount)s",
                        amount=currency.format(policy.portal_min_installment),
                    )
                )
        if moves.filtered(
            "collection_disputed"
        ) or self._collection_portal_invoices().filtered("collection_disputed"):
            reasons.append(_("an invoice in dispute"))
        if commercial.sudo().collection_hold:
            reasons.append(_("your account is on hold"))
        broken = (
            self.env["collection.promise"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", commercial.id),
                    ("state", "=", "broken"),
                    (
                        "date",
                        ">=",
                        fields.Date.subtract(today, months=policy.portal_broken_months),
                    ),
                ]
            )
        )
        if broken:
            reasons.append(_("a promise not kept recently"))
        if any(
            move.insurance_extension_date and last > move.insurance_extension_date
            for move in moves.sudo()
        ):
            reasons.append(_("beyond what your credit insurer allows"))
        return reasons

    def _collection_portal_propose(self, moves, schedule, note=""):
        """The customer's promise (one installment) or plan on `moves`:
        accepted at once within the self-service rules, else waiting for the
        collector, whose Confirm puts it to the mandate like any promise."""
        self.ensure_one()
        policy = self._collection_portal_policy()
        if not policy.portal_self_service:
            raise UserError(_("Promises and plans are agreed with your contact here."))
        handed = moves.sudo().filtered("collection_case_id")
        if handed:
            raise UserError(
                _(
                    "%(invoices)s are followed by %(handler)s: please settle them "
                    "with them.",
                    invoices=", ".join(handed.mapped("name")),
                    handler=handed.collection_case_id.handler_id[:1].name,
                )
            )
        commercial = self.commercial_partner_id
        collector = self._collection_portal_collector()
        beyond = self._collection_portal_beyond_rules(moves, schedule)
        promise = as_module(self.env["collection.promise"]).create(
            {
                "partner_id": commercial.id,
                "company_id": self.env.company.id,
                "move_ids": [fields.Command.set(moves.ids)],
                "user_id": collector.id,
                "channel": "portal",
                "contact_name": self.env.user.partner_id.name,
                "note": note,
                "line_ids": [
                    fields.Command.create({"date": day, "amount": amount})
                    for day, amount in schedule
                ],
            }
        )
        # the checks of any promise: dates, amounts, one promise an invoice
        promise._check_promise()
        staff = self._collection_portal_staff()
        if beyond:
            summary = staff._collection_portal_proposal_text(promise, moves, schedule)
            as_module(promise).message_post(body=summary)
            staff._collection_portal_tell_collector(promise, summary)
        else:
            as_module(promise).state = "open"
            as_module(promise).message_post(
                body=staff._collection_portal_accepted_text(promise)
            )
            # confirmed by email with its letter, to the one who agreed it,
            # from the collector (a portal user's message carries no letter)
            reader = self.env.user.partner_id
            if reader.email:
                as_module(
                    promise.with_user(collector).with_context(lang=reader.lang)
                )._send_confirmation(reader)
        return promise, beyond

    def _collection_portal_proposal_text(self, promise, moves, schedule):
        promise = promise.with_env(self.env)
        return _(
            "%(customer)s proposes %(promise)s on the portal, beyond the "
            "self-service rules: %(reasons)s. Confirm it or cancel it.",
            customer=self.commercial_partner_id.name,
            promise=promise.sudo()._get_request_summary(),
            reasons=", ".join(self._collection_portal_beyond_rules(moves, schedule)),
        )

    def _collection_portal_accepted_text(self, promise):
        promise = promise.with_env(self.env).sudo()
        return _(
            "Accepted on the customer portal within the self-service rules: "
            "%(amount)s by %(date)s.",
            amount=promise.currency_id.format(promise.amount),
            date=format_date(self.env, promise.date_due),
        )

    def _collection_portal_tell_collector(self, record, summary):
        as_module(record).activity_schedule(
            act_type_xmlid="mail.mail_activity_data_todo",
            summary=summary[:250],
            note=summary,
            user_id=self._collection_portal_collector().id,
        )
