from datetime import timedelta

from odoo import api, models
from odoo.tools import SQL

from .collection_behaviour import grade_sql, payment_index_sql, risk_sql
from .collection_receivable import COLLECTED_MOVE_TYPES


class CollectionCustomerScore(models.Model):
    """The one statement that reads the book for the daily computation."""

    _inherit = "collection.customer.score"

    @api.model
    def _get_figures_sql(self, company, today, since):
        """SQL: one row per customer of `company` with payments in 12 months or
        open items today, its FIGURES in order. Payments are what was
        collected (cash only, collection.receivable) on customer invoices,
        late by the installment's original due date; open items come from
        the book of collection.analysis at today and 30 days ago."""
        Receivable = self.env["collection.receivable"]
        Analysis = self.env["collection.analysis"]
        collector, defaults = Analysis._get_collector_sql("commercial", "line")
        on_time = company.collection_on_time_count
        days_late = SQL("(partial.max_date - %s)", Receivable._get_due_date_sql())
        return SQL(
            """
            WITH payment AS (
                SELECT partner.commercial_partner_id AS partner_id,
                       partial.id AS partial_id,
                       partial.max_date AS date,
                       %(collected)s AS amount,
                       %(days_late)s AS days_late,
                       %(index)s AS index,
                       partial.amount < ABS(line.balance) AS is_partial
                  FROM account_partial_reconcile partial
                  JOIN account_move_line line ON line.id = partial.debit_move_id
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_move_line pay ON pay.id = partial.credit_move_id
                  JOIN account_move payment_move ON payment_move.id = pay.move_id
                  JOIN res_partner partner ON partner.id = line.partner_id
                 WHERE partial.company_id = %(company)s
                   AND %(receivable)s
                   AND move.move_type IN %(collected_types)s
                   AND partial.max_date > %(year_ago)s
                   AND partial.max_date <= %(today)s
            ), cash AS (
                SELECT * FROM payment WHERE amount > 0
            ), streak AS (
                -- a late payment since the last computation after at least N
                -- payments on time
                SELECT DISTINCT ON (partner_id) partner_id, partial_id
                  FROM (
                    SELECT partner_id, partial_id, date, days_late,
                           COUNT(*) FILTER (WHERE days_late <= 0) OVER previous
                               AS on_time,
                           COUNT(*) OVER previous AS before
                      FROM cash
                    WINDOW previous AS (
                        PARTITION BY partner_id ORDER BY date, partial_id
                        ROWS BETWEEN %(on_time)s PRECEDING AND 1 PRECEDING)
                  ) ranked
                 WHERE date > %(since)s AND days_late > 0
                   AND before = %(on_time)s AND on_time = %(on_time)s
              ORDER BY partner_id, date, partial_id
            ), paid AS (
                SELECT partner_id,
                       SUM(amount) FILTER (WHERE date > %(quarter_ago)s) AS paid_90,
                       SUM(amount * days_late) FILTER (WHERE date > %(quarter_ago)s)
                           / NULLIF(SUM(amount) FILTER (WHERE date > %(quarter_ago)s),
                                    0) AS days_late_90,
                       SUM(amount * index) FILTER (WHERE date > %(quarter_ago)s)
                           / NULLIF(SUM(amount) FILTER (WHERE date > %(quarter_ago)s),
                                    0) AS index_90,
                       SUM(amount) AS paid_365,
                       SUM(amount * days_late) / NULLIF(SUM(amount), 0)
                           AS days_late_365,
                       SUM(amount * index) / NULLIF(SUM(amount), 0) AS index_365,
                       100.0 * COUNT(*) FILTER (WHERE is_partial) / COUNT(*)
                           AS partial_share
                  FROM cash
              GROUP BY partner_id
            ), book AS (%(book)s),
            book_before AS (%(book_before)s),
            open_sum AS (
                SELECT partner_id,
                       MIN(collector_id) AS collector_id,
                       SUM(amount) AS open_amount,
                       SUM(amount) FILTER (WHERE disputed AND amount > 0)
                           AS disputed_amount,
                       COUNT(DISTINCT move_id) FILTER (WHERE disputed AND amount > 0)
                           AS open_disputes,
                       SUM(overdue_amount) FILTER (WHERE NOT disputed AND amount > 0)
                           AS overdue_amount,
                       SUM(overdue_amount * days_overdue)
                           FILTER (WHERE NOT disputed AND amount > 0)
                           / NULLIF(SUM(overdue_amount)
                                    FILTER (WHERE NOT disputed AND amount > 0), 0)
                           AS overdue_days,
                       MAX(days_overdue) FILTER (WHERE NOT disputed AND amount > 0
                                                 AND days_overdue > 0)
                           AS oldest_overdue_days
                  FROM book
              GROUP BY partner_id
            ), before_sum AS (
                SELECT partner_id, SUM(amount) AS open_amount
                  FROM book_before
              GROUP BY partner_id
            ), promise AS (
                SELECT partner_id, COUNT(*) AS broken
                  FROM collection_promise
                 WHERE company_id = %(company)s AND state = 'broken'
                   AND date_due > %(year_ago)s
              GROUP BY partner_id
            ), deadline AS (
                SELECT DISTINCT ON (move.commercial_partner_id)
                       move.commercial_partner_id AS partner_id,
                       kind.deadline, kind.kind
                  FROM account_move move
                 CROSS JOIN LATERAL (VALUES %(deadlines)s)
                       AS kind(kind, deadline, pending)
                 WHERE move.company_id = %(company)s
                   AND move.state = 'posted'
                   AND move.insurance_policy_id IS NOT NULL
                   AND kind.pending AND kind.deadline IS NOT NULL
              ORDER BY move.commercial_partner_id, kind.deadline
            ), customer AS (
                SELECT partner_id FROM paid
                 UNION SELECT partner_id FROM open_sum
            ), graded AS (
                SELECT customer.partner_id, paid.paid_90, paid.days_late_90,
                       paid.index_90, paid.paid_365, paid.days_late_365,
                       paid.index_365, paid.partial_share, %(grade)s AS grade
                  FROM customer
             LEFT JOIN paid ON paid.partner_id = customer.partner_id
            ), loss AS (
                SELECT book.partner_id,
                       SUM(book.amount * %(risk)s) AS expected_loss
                  FROM book
                  JOIN graded ON graded.partner_id = book.partner_id
                 WHERE NOT book.disputed AND book.amount > 0
              GROUP BY book.partner_id
            )
            SELECT graded.partner_id,
                   COALESCE(open_sum.collector_id, %(collector)s) AS collector_id,
                   commercial.user_id AS salesperson_id,
                   COALESCE(graded.paid_90, 0) AS paid_90,
                   COALESCE(graded.days_late_90, 0) AS days_late_90,
                   ROUND(graded.index_90) AS index_90,
                   COALESCE(graded.paid_365, 0) AS paid_365,
                   COALESCE(graded.days_late_365, 0) AS days_late_365,
                   ROUND(graded.index_365) AS index_365,
                   graded.grade,
                   COALESCE(graded.partial_share, 0) AS partial_share,
                   COALESCE(streak.partial_id, 0) AS late_streak_broken,
                   COALESCE(promise.broken, 0) AS broken_promises,
                   COALESCE(open_sum.open_disputes, 0) AS open_disputes,
                   COALESCE(open_sum.disputed_amount, 0) AS disputed_amount,
                   COALESCE(open_sum.open_amount, 0) AS open_amount,
                   COALESCE(before_sum.open_amount, 0) AS open_amount_before,
                   COALESCE(
                       NULLIF((commercial.credit_limit ->> %(company)s::text)::numeric,
                              0),
                       (commercial.insurance_limit ->> %(company)s::text)::numeric,
                       0) AS credit_limit,
                   COALESCE(open_sum.overdue_amount, 0) AS overdue_amount,
                   COALESCE(ROUND(open_sum.overdue_days), 0) AS overdue_days,
                   COALESCE(open_sum.oldest_overdue_days, 0) AS oldest_overdue_days,
                   COALESCE(loss.expected_loss, 0) AS expected_loss,
                   deadline.deadline AS next_deadline,
                   deadline.kind AS next_deadline_kind
              FROM graded
              JOIN res_partner commercial ON commercial.id = graded.partner_id
              CROSS JOIN (SELECT %(company)s::int AS company_id) AS line
              %(defaults)s
         LEFT JOIN open_sum ON open_sum.partner_id = graded.partner_id
         LEFT JOIN before_sum ON before_sum.partner_id = graded.partner_id
         LEFT JOIN streak ON streak.partner_id = graded.partner_id
         LEFT JOIN promise ON promise.partner_id = graded.partner_id
         LEFT JOIN deadline ON deadline.partner_id = graded.partner_id
         LEFT JOIN loss ON loss.partner_id = graded.partner_id
            """,
            collected=Receivable._get_collected_sql(SQL("partial.amount")),
            days_late=days_late,
            index=payment_index_sql(days_late),
            receivable=Receivable._get_receivable_condition(),
            collected_types=COLLECTED_MOVE_TYPES,
            company=company.id,
            today=today,
            since=since,
            on_time=on_time,
            quarter_ago=today - timedelta(days=90),
            year_ago=today - timedelta(days=365),
            book=Analysis._get_query(today, company.ids),
            book_before=Analysis._get_query(today - timedelta(days=30), company.ids),
            deadlines=self.env["account.move"]._get_insurance_deadlines_sql(),
            grade=grade_sql(SQL("paid.index_365")),
            risk=risk_sql(SQL("graded.grade"), SQL("book.days_overdue")),
            collector=collector,
            defaults=defaults,
        )
