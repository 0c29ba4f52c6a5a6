import itertools
import math
from collections import namedtuple

from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

from . import collection_kpi as kpi
from .collection_receivable import COLLECTED_MOVE_TYPES

# the months of sales the countback may walk back, beyond the period's
COUNTBACK_MONTHS = 24
CREDIT_SALES_TYPES = COLLECTED_MOVE_TYPES + ("out_refund",)

# A company over a period (both days included): what the KPIs are of.
Period = namedtuple("Period", ["company", "date_from", "date_to"])


class CollectionKpiBook(models.AbstractModel):
    """The collection figures of a company over a period, and their KPIs
    (docs/kpis.md): the book at its start and end (by collector,
    salesperson and bucket), the credit sales by countback month, what was
    collected, the dunnings and promises. A few SQL aggregates, whatever the
    size of the book. The dashboard shows them; a commission settlement
    reads its salespeople's."""

    _name = "collection.kpi.book"
    _description = "Collection Figures of a Period"

    @api.model
    def _get_figures(self, period):
        """({(kind, user id): figures with their KPIs}, the company's under
        (None, None), {bucket: open amount at the end}, {level: (dunnings
        sent, amount dunned)})."""
        self.env["collection.analysis"]._flush_book()
        days, months = self._get_period(period)
        month_ends = self._get_month_ends(period)
        month_days = [
            (end - start).days for end, start in itertools.pairwise(month_ends)
        ]
        end = self._query_book(period, period.date_to)
        start = self._query_book(period, period.date_from - relativedelta(days=1))
        sales = self._query_sales(period, month_ends)
        collected = self._query_collected(period)
        activity, levels = self._query_dunnings_and_promises(period)
        figures = {}
        for key in {(None, None)}.union(end, start, sales, collected, activity):
            if key[0] == "bucket":
                continue
            amounts = {
                "receivables_start": start.get(key, {}).get("receivables", 0.0),
                "receivables_end": end.get(key, {}).get("receivables", 0.0),
                "current_end": end.get(key, {}).get("current", 0.0),
                "overdue_end": end.get(key, {}).get("overdue", 0.0),
                "credit_sales": sales.get(key, [0.0])[0],
                "collected": collected.get(key, 0.0),
                "dunning_count": 0,
                "promises_kept": 0,
                "promises_broken": 0,
                **activity.get(key, {}),
            }
            monthly = zip(sales.get(key, [0.0, []])[1], month_days, strict=False)
            figures[key] = {
                **amounts,
                **self._get_kpis(amounts, days, months, list(monthly)),
            }
        buckets = {
            key[1]: values.get("receivables", 0.0)
            for key, values in end.items()
            if key[0] == "bucket"
        }
        return figures, buckets, levels

    @api.model
    def _get_kpis(self, figures, days, months, monthly_sales):
        """The KPI fields' values from the amounts of `figures` (a dict of
        the amount fields): None of a formula is shown as missing."""
        sales = figures.get("credit_sales", 0.0)
        end = figures.get("receivables_end", 0.0)
        current = figures.get("current_end", 0.0)
        dso = kpi.dso_standard(end, sales, days)
        best = kpi.best_possible_dso(current, sales, days)
        cei = kpi.cei(
            figures.get("receivables_start", 0.0), sales, months, end, current
        )
        kept = kpi.kept_rate(
            figures.get("promises_kept", 0), figures.get("promises_broken", 0)
        )
        return {
            "has_sales": dso is not None,
            "dso": dso or 0.0,
            "dso_countback": kpi.dso_countback(end, monthly_sales),
            "best_dso": best or 0.0,
            "days_delinquent": kpi.average_days_delinquent(dso, best) or 0.0,
            "has_cei": cei is not None,
            "cei": cei or 0.0,
            "has_promises": kept is not None,
            "kept_rate": kept or 0.0,
        }

    @api.model
    def _get_period(self, period):
        """(days, months) of the period: its days and its months, the
        calendar months of a period of whole months, else its days in
        average months (a period from the 1st of October to the 1st of
        December is two months and a day, not three months)."""
        days = (period.date_to - period.date_from).days + 1
        whole = (
            period.date_from.day == 1
            and (period.date_to + relativedelta(days=1)).day == 1
        )
        if whole:
            months = (
                (period.date_to.year - period.date_from.year) * 12
                + period.date_to.month
                - period.date_from.month
                + 1
            )
        else:
            months = days * 12 / 365.25
        return days, months

    @api.model
    def _get_month_ends(self, period):
        """The countback's months, walking back from the period's end: the
        end of each month (the end of the period, then the same day a month
        earlier, or the month's last day when the period ends on one), enough
        to cover the period and COUNTBACK_MONTHS more."""
        _days, months = self._get_period(period)
        month_end = period.date_to + relativedelta(day=31) == period.date_to
        ends = []
        for back in range(math.ceil(months) + COUNTBACK_MONTHS + 1):
            end = period.date_to - relativedelta(months=back)
            ends.append(end + relativedelta(day=31) if month_end else end)
        return ends

    @api.model
    def _query_book(self, period, date):
        """{(kind, key): {amount field: value}} of the book open at the end
        of `date`, by collector, salesperson and bucket, the company's totals
        under (None, None)."""
        Analysis = self.env["collection.analysis"]
        self.env.cr.execute(
            SQL(
                """
                SELECT GROUPING(collector_id), GROUPING(salesperson_id),
                       GROUPING(bucket), collector_id, salesperson_id, bucket,
                       SUM(amount), SUM(amount) FILTER (WHERE days_overdue = 0),
                       SUM(overdue_amount)
                  FROM (%s) AS item
              GROUP BY GROUPING SETS ((), (collector_id), (salesperson_id), (bucket))
                """,
                Analysis._get_query(date, period.company.ids),
            )
        )
        result = {}
        for (
            no_collector,
            no_seller,
            no_bucket,
            collector,
            seller,
            bucket,
            *amounts,
        ) in self.env.cr.fetchall():
            key = self._group_key(
                no_collector, no_seller, no_bucket, collector, seller, bucket
            )
            result[key] = dict(
                zip(
                    ("receivables", "current", "overdue"),
                    (float(amount or 0.0) for amount in amounts),
                    strict=True,
                )
            )
        return result

    @api.model
    def _group_key(self, no_collector, no_seller, no_bucket, collector, seller, bucket):
        if not no_collector:
            return ("collector", collector)
        if not no_seller:
            return ("salesperson", seller)
        if not no_bucket:
            return ("bucket", bucket)
        return (None, None)

    @api.model
    def _query_sales(self, period, month_ends):
        """{(kind, key): (sales of the period, [sales of each countback month,
        the latest first])}: one query over the receivable lines of the
        invoices and credit notes dated in the months, by company,
        collector and salesperson."""
        Analysis = self.env["collection.analysis"]
        collector, defaults = Analysis._get_collector_sql("commercial", "line")
        month = SQL(
            "CASE %s END",
            SQL(" ").join(
                SQL("WHEN line.date > %s THEN %s", end, index)
                for index, end in enumerate(month_ends[1:])
            ),
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT GROUPING(collector_id), GROUPING(salesperson_id),
                       collector_id, salesperson_id, month,
                       SUM(balance), SUM(balance) FILTER (WHERE date >= %(date_from)s)
                  FROM (
                        SELECT line.date, line.balance,
                               %(collector)s AS collector_id,
                               move.invoice_user_id AS salesperson_id,
                               %(month)s AS month
                          FROM account_move_line line
                          JOIN account_account account ON account.id = line.account_id
                          JOIN account_move move ON move.id = line.move_id
                          JOIN res_partner partner ON partner.id = line.partner_id
                          JOIN res_partner commercial
                               ON commercial.id = partner.commercial_partner_id
                          %(defaults)s
                         WHERE %(receivable)s
                           AND move.move_type IN %(types)s
                           AND line.company_id = %(company)s
                           AND line.date > %(first)s AND line.date <= %(last)s
                  ) AS sale
              GROUP BY GROUPING SETS (
                       (month), (collector_id, month), (salesperson_id, month))
                """,
                date_from=period.date_from,
                collector=collector,
                month=month,
                defaults=defaults,
                receivable=self.env[
                    "collection.receivable"
                ]._get_receivable_condition(),
                types=CREDIT_SALES_TYPES,
                company=period.company.id,
                first=month_ends[-1],
                last=month_ends[0],
            )
        )
        result = {}
        for (
            no_collector,
            no_seller,
            collector,
            seller,
            month,
            sales,
            in_period,
        ) in self.env.cr.fetchall():
            key = self._group_key(
                no_collector, no_seller, True, collector, seller, None
            )
            period, months = result.setdefault(
                key, [0.0, [0.0] * (len(month_ends) - 1)]
            )
            result[key][0] = period + float(in_period or 0.0)
            months[month] = float(sales or 0.0)
        return result

    @api.model
    def _get_collected_sql(self, period):
        """SQL: the payments matched with the company's invoices in the
        period, what they collected (collection.receivable: cash only) in
        company currency, the invoice's collector and salesperson."""
        collector, defaults = self.env["collection.analysis"]._get_collector_sql(
            "commercial", "line"
        )
        return SQL(
            """
            SELECT partial.credit_move_id AS payment_id, %(amount)s AS amount,
                   %(collector)s AS collector_id,
                   move.invoice_user_id AS salesperson_id
              FROM account_partial_reconcile partial
              JOIN account_move_line line ON line.id = partial.debit_move_id
              JOIN account_move move ON move.id = line.move_id
              JOIN account_move_line payment ON payment.id = partial.credit_move_id
              JOIN account_move payment_move ON payment_move.id = payment.move_id
              JOIN res_partner partner ON partner.id = line.partner_id
              JOIN res_partner commercial
                   ON commercial.id = partner.commercial_partner_id
              %(defaults)s
             WHERE partial.company_id = %(company)s
               AND partial.max_date BETWEEN %(date_from)s AND %(date_to)s
               AND move.move_type IN %(collected)s
               AND payment_move.move_type NOT IN ('out_refund', 'in_refund')
            """,
            amount=self.env["collection.receivable"]._get_collected_sql(
                SQL("partial.amount")
            ),
            collector=collector,
            defaults=defaults,
            company=period.company.id,
            date_from=period.date_from,
            date_to=period.date_to,
            collected=COLLECTED_MOVE_TYPES,
        )

    @api.model
    def _query_collected(self, period):
        """{(kind, key): collected} by company, collector and salesperson."""
        self.env.cr.execute(
            SQL(
                """
                SELECT GROUPING(collector_id), GROUPING(salesperson_id),
                       collector_id, salesperson_id, SUM(amount)
                  FROM (%s) AS collected
              GROUP BY GROUPING SETS ((), (collector_id), (salesperson_id))
                """,
                self._get_collected_sql(period),
            )
        )
        return {
            self._group_key(no_collector, no_seller, True, collector, seller, None): (
                float(amount or 0.0)
            )
            for no_collector, no_seller, collector, seller, amount in (
                self.env.cr.fetchall()
            )
        }

    @api.model
    def _get_dunning_domain(self, period):
        """The dunnings sent in the period."""
        return [
            ("company_id", "=", period.company.id),
            ("state", "=", "done"),
            ("date", ">=", period.date_from),
            ("date", "<=", period.date_to),
        ]

    @api.model
    def _get_promise_domain(self, period):
        """The promises due in the period that were kept or broken."""
        return [
            ("company_id", "=", period.company.id),
            ("state", "in", ("kept", "broken")),
            ("date_due", ">=", period.date_from),
            ("date_due", "<=", period.date_to),
        ]

    @api.model
    def _query_dunnings_and_promises(self, period):
        """{(kind, key): {dunning_count, promises_kept, promises_broken}} by
        company, collector, salesperson (dunnings) and level, and the levels'
        amounts dunned."""
        result = {}
        levels = {}
        Dunning = self.env["collection.dunning"].sudo()
        domain = self._get_dunning_domain(period)
        for kind, field in (
            ("collector", "user_id"),
            ("salesperson", "salesperson_id"),
        ):
            for user, count in Dunning._read_group(domain, [field], ["__count"]):
                result.setdefault((kind, user.id or None), {})["dunning_count"] = count
        for level, count, amount in Dunning._read_group(
            domain, ["level_id"], ["__count", "amount_open:sum"]
        ):
            levels[level] = (count, amount)
        result.setdefault((None, None), {})["dunning_count"] = sum(
            count for count, _amount in levels.values()
        )
        Promise = self.env["collection.promise"].sudo()
        for user, kept, broken in Promise._read_group(
            self._get_promise_domain(period),
            ["user_id"],
            ["kept_count:sum", "broken_count:sum"],
        ):
            for key in (("collector", user.id or None), (None, None)):
                figures = result.setdefault(key, {})
                figures["promises_kept"] = figures.get("promises_kept", 0) + kept
                figures["promises_broken"] = figures.get("promises_broken", 0) + broken
        return result, levels
