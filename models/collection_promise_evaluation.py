from datetime import timedelta

from odoo import _, api, models
from odoo.tools import SQL

from .collection_guard import as_module


class CollectionPromise(models.Model):
    """Evaluating promises: what was paid on their invoices since they were
    made, kept or broken every day."""

    _inherit = "collection.promise"

    def _get_amounts_paid(self):
        """{promise id: amount paid on its invoices since it was made}, in the
        invoices' currency (the promise's), one query for the recordset: a
        promise is kept by payments (cash), not by credit notes nor
        write-offs."""
        promises = self.filtered("id")
        if not promises:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT rel.collection_promise_id, SUM(%(collected)s)
                  FROM account_move_collection_promise_rel rel
                  JOIN collection_promise promise
                       ON promise.id = rel.collection_promise_id
                  JOIN account_move_line line ON line.move_id = rel.account_move_id
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_partial_reconcile partial
                       ON partial.debit_move_id = line.id
                  JOIN account_move_line counterpart
                       ON counterpart.id = partial.credit_move_id
                  JOIN account_move payment_move
                       ON payment_move.id = counterpart.move_id
                 WHERE rel.collection_promise_id = ANY(%(ids)s)
                   AND %(receivable)s
                   AND counterpart.date >= promise.date
              GROUP BY rel.collection_promise_id
                """,
                collected=self.env["collection.receivable"]._get_collected_sql(
                    SQL("partial.debit_amount_currency")
                ),
                ids=promises.ids,
                receivable=self.env[
                    "collection.receivable"
                ]._get_receivable_condition(),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _cron_evaluate(self):
        """Daily: an open promise fully paid is kept; one with an installment
        unpaid past its date and the grace period is broken, dunning resumes
        and the collector is told. Evaluating twice changes nothing."""
        today = self.env["collection.receivable"]._get_today()
        promises = self.search([("state", "=", "open")])
        paid = promises._get_amounts_paid()
        for promise in promises:
            grace = timedelta(days=promise.company_id.collection_promise_grace_days)
            amount_paid = paid.get(promise.id, 0.0)
            if promise.currency_id.compare_amounts(amount_paid, promise.amount) >= 0:
                as_module(promise).state = "kept"
                continue
            due = sum(
                line.amount for line in promise.line_ids if line.date + grace < today
            )
            if promise.currency_id.compare_amounts(amount_paid, due) < 0:
                promise._break()

    def _break(self):
        as_module(self).state = "broken"
        message = _(
            "Promise %(name)s broken: %(paid)s paid of %(amount)s. Dunning resumes.",
            name=self.name,
            paid=self.currency_id.format(self.amount_paid),
            amount=self.currency_id.format(self.amount),
        )
        self.message_post(body=message)
        self.activity_schedule(
            act_type_xmlid="mail.mail_activity_data_call",
            summary=message,
            user_id=(self.user_id or self.env.user).id,
        )

    def _get_broken_count(self):
        """Broken promises of the customer in the last 365 days."""
        return self._count_broken(self.partner_id)

    @api.model
    def _count_broken(self, partner):
        return self.sudo().search_count(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("state", "=", "broken"),
                (
                    "date",
                    ">=",
                    self.env["collection.receivable"]._get_today()
                    - timedelta(days=365),
                ),
            ]
        )
