from odoo import _, api, fields, models
from odoo.tools.misc import format_amount, format_date, formatLang

from .collection_guard import as_module

ALERT_KINDS = [
    ("grade", "Grade dropped"),
    ("late", "First late payment"),
    ("drift", "Paying later"),
    ("promise", "Promise broken"),
]


class CollectionScoreAlert(models.Model):
    """An early warning about a customer's payment behaviour: given once per
    customer and change (its `key`), to the customer's collector as an
    activity and to its salesperson as a note, each in their language, with
    the figures that moved (docs/payment-behaviour.md)."""

    _name = "collection.score.alert"
    _inherit = ["collection.guard.mixin"]
    _description = "Payment Behaviour Alert"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True
    )
    kind = fields.Selection(selection=ALERT_KINDS, required=True, readonly=True)
    key = fields.Char(required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    facts = fields.Json(readonly=True)
    message = fields.Char(compute="_compute_message")

    _sql_constraints = [
        (
            "alert_unique",
            "UNIQUE (partner_id, company_id, kind, key)",
            "An alert is given once per customer and change.",
        )
    ]

    @api.depends_context("lang")
    @api.depends("kind", "facts")
    def _compute_message(self):
        for alert in self:
            alert.message = alert._get_message()

    def _get_message(self):
        """The alert in the reader's language, with the figures that moved."""
        self.ensure_one()
        facts = self.facts or {}
        currency = self.company_id.currency_id

        def days(value, sign=False):
            text = formatLang(self.env, value, digits=1)
            return f"+{text}" if sign and value > 0 else text

        if self.kind == "grade":
            return _(
                "Grade %(old)s to %(new)s: payment index %(index)s, %(days)s days "
                "late on average over 12 months (%(recent)s over 90 days).",
                old=facts["old"],
                new=facts["new"],
                index=facts["index"],
                days=days(facts["days_late_365"]),
                recent=days(facts["days_late_90"]),
            )
        if self.kind == "late":
            return _(
                "First late payment after %(count)s on time: %(amount)s on "
                "%(invoice)s paid %(days)s days late on %(date)s.",
                count=facts["on_time"],
                amount=format_amount(self.env, facts["amount"], currency),
                invoice=facts["invoice"],
                days=facts["days_late"],
                date=format_date(self.env, fields.Date.to_date(facts["date"])),
            )
        if self.kind == "drift":
            return _(
                "Paying later: %(recent)s days late on average over 90 days against "
                "%(year)s over 12 months, %(diff)s days more.",
                recent=days(facts["days_late_90"]),
                year=days(facts["days_late_365"]),
                diff=days(facts["days_late_90"] - facts["days_late_365"], sign=True),
            )
        return _(
            "Promise %(promise)s broken: %(amount)s due on %(date)s, %(count)s "
            "broken in 12 months.",
            promise=facts["promise"],
            amount=format_amount(self.env, facts["amount"], currency),
            date=format_date(self.env, fields.Date.to_date(facts["date_due"])),
            count=facts["broken"],
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _raise_alerts(self, scores, since, today):
        """The alerts of what changed in `scores` since the day `since`: a
        grade that dropped, a first late payment after the company's run of
        on-time ones, a 90-day average later than the 12-month one by the
        company's margin, a promise broken. Each once per customer and
        change; the collector gets an activity, the salesperson a note."""
        values = []
        for score in scores:
            facts = {
                "days_late_90": score.days_late_90,
                "days_late_365": score.days_late_365,
                "index": score.index_365,
            }
            if (
                score.grade
                and score.previous_grade
                and score.grade > score.previous_grade
            ):
                values.append(
                    (
                        score,
                        "grade",
                        f"{score.previous_grade}>{score.grade}@{score.date}",
                        {**facts, "old": score.previous_grade, "new": score.grade},
                    )
                )
            if score.drifting and score.paid_90:
                values.append((score, "drift", f"drift@{score.drift_since}", facts))
        values += self._get_late_alerts(scores)
        values += self._get_promise_alerts(scores, since)
        existing = {
            (alert.partner_id.id, alert.kind, alert.key)
            for alert in self.search(
                [
                    ("company_id", "in", scores.company_id.ids),
                    ("partner_id", "in", scores.partner_id.ids),
                ]
            )
        }
        new = [
            (score, kind, key, facts)
            for score, kind, key, facts in values
            if (score.partner_id.id, kind, key) not in existing
        ]
        alerts = as_module(self).create(
            [
                {
                    "partner_id": score.partner_id.id,
                    "company_id": score.company_id.id,
                    "kind": kind,
                    "key": key,
                    "date": today,
                    "facts": facts,
                }
                for score, kind, key, facts in new
            ]
        )
        for alert, (score, *_rest) in zip(alerts, new, strict=True):
            alert._notify(score)
        return alerts

    @api.model
    def _get_late_alerts(self, scores):
        partials = self.env["account.partial.reconcile"].browse(
            scores.filtered("late_streak_broken").mapped("late_streak_broken")
        )
        Receivable = self.env["collection.receivable"]
        by_partial = {score.late_streak_broken: score for score in scores}
        values = []
        for partial in partials.sudo():
            score = by_partial[partial.id]
            line = partial.debit_move_id
            due = Receivable._get_due_date(line)
            values.append(
                (
                    score,
                    "late",
                    str(partial.id),
                    {
                        "on_time": score.company_id.collection_on_time_count,
                        "amount": partial.amount,
                        "invoice": line.move_id.name,
                        "days_late": (partial.max_date - due).days,
                        "date": str(partial.max_date),
                    },
                )
            )
        return values

    @api.model
    def _get_promise_alerts(self, scores, since):
        by_partner = {score.partner_id: score for score in scores}
        promises = (
            self.env["collection.promise"]
            .sudo()
            .search(
                [
                    ("company_id", "in", scores.company_id.ids),
                    ("partner_id", "in", scores.partner_id.ids),
                    ("state", "=", "broken"),
                    ("write_date", ">", fields.Datetime.to_datetime(since)),
                ]
            )
        )
        return [
            (
                by_partner[promise.partner_id],
                "promise",
                str(promise.id),
                {
                    "promise": promise.name,
                    "amount": promise.amount,
                    "date_due": str(promise.date_due),
                    "broken": by_partner[promise.partner_id].broken_promises,
                },
            )
            for promise in promises
            if promise.partner_id in by_partner
        ]

    def _notify(self, score):
        """An activity for the customer's collector and a note to its
        salesperson, each written in the reader's language."""
        self.ensure_one()
        customer = as_module(self.partner_id)
        collector = score.collector_id
        if collector:
            in_lang = self.with_context(lang=collector.lang or self.env.lang)
            kinds = dict(in_lang._fields["kind"]._description_selection(in_lang.env))
            customer.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=score.date,
                summary=in_lang.env._(
                    "Payment behaviour: %(kind)s", kind=kinds[self.kind]
                ),
                note=in_lang.message,
                user_id=collector.id,
            )
        salesperson = score.salesperson_id
        if salesperson and salesperson != collector:
            in_lang = self.with_context(lang=salesperson.lang or self.env.lang)
            customer.with_context(mail_post_autofollow=False).message_post(
                body=in_lang.message,
                partner_ids=salesperson.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
