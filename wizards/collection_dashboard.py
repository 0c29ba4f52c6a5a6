import io
import itertools
import math

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from ..models import collection_kpi as kpi
from ..models.collection_analysis import ANALYSIS_BUCKETS
from ..models.collection_guard import as_module
from ..models.collection_receivable import COLLECTED_MOVE_TYPES

# the months of sales the countback may walk back, beyond the period's
COUNTBACK_MONTHS = 24
CREDIT_SALES_TYPES = COLLECTED_MOVE_TYPES + ("out_refund",)
MAX_PERIOD_DAYS = 5 * 366
# what a user may write on a dashboard: the rest is computed from them
PARAMETERS = {"company_id", "date_from", "date_to"}


class CollectionDashboardFigures(models.AbstractModel):
    """The figures of a company, a collector or a salesperson over a period:
    the book at its start and end, the credit sales and what was collected,
    and the KPIs of docs/kpis.md computed from them."""

    _name = "collection.dashboard.figures"
    _description = "Collection Dashboard Figures"

    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    receivables_start = fields.Monetary(string="Receivables at Start", readonly=True)
    receivables_end = fields.Monetary(string="Receivables at End", readonly=True)
    current_end = fields.Monetary(string="Not Due at End", readonly=True)
    overdue_end = fields.Monetary(string="Overdue at End", readonly=True)
    credit_sales = fields.Monetary(readonly=True, help="Invoices less credit notes.")
    collected = fields.Monetary(
        string="Collected",
        readonly=True,
        help="Payments matched with invoices in the period (by the later of "
        "the two dates), in company currency.",
    )
    has_sales = fields.Boolean(readonly=True)
    dso = fields.Float(string="DSO", digits=(16, 2), readonly=True)
    dso_countback = fields.Float(string="DSO Countback", digits=(16, 2), readonly=True)
    best_dso = fields.Float(string="Best Possible DSO", digits=(16, 2), readonly=True)
    days_delinquent = fields.Float(
        string="Average Days Delinquent", digits=(16, 2), readonly=True
    )
    has_cei = fields.Boolean(readonly=True)
    cei = fields.Float(string="CEI (%)", digits=(16, 2), readonly=True)
    dunning_count = fields.Integer(string="Dunnings Sent", readonly=True)
    promises_kept = fields.Integer(readonly=True)
    promises_broken = fields.Integer(readonly=True)
    has_promises = fields.Boolean(readonly=True)
    kept_rate = fields.Float(string="Kept Rate (%)", digits=(16, 2), readonly=True)

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


class CollectionDashboard(models.TransientModel):
    _name = "collection.dashboard"
    _inherit = ["collection.dashboard.figures"]
    _description = "Collection Dashboard"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: (
            self._default_date_to().replace(day=1) - relativedelta(months=2)
        ),
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: self._default_date_to()
    )
    line_ids = fields.One2many(
        comodel_name="collection.dashboard.line",
        inverse_name="dashboard_id",
        readonly=True,
    )
    bucket_line_ids = fields.One2many(
        comodel_name="collection.dashboard.line",
        string="Overdue by Bucket",
        inverse_name="dashboard_id",
        domain=[("kind", "=", "bucket")],
        readonly=True,
    )
    collector_line_ids = fields.One2many(
        comodel_name="collection.dashboard.line",
        string="By Collector",
        inverse_name="dashboard_id",
        domain=[("kind", "=", "collector")],
        readonly=True,
    )
    salesperson_line_ids = fields.One2many(
        comodel_name="collection.dashboard.line",
        string="By Salesperson",
        inverse_name="dashboard_id",
        domain=[("kind", "=", "salesperson")],
        readonly=True,
    )
    level_line_ids = fields.One2many(
        comodel_name="collection.dashboard.line",
        string="Dunnings by Level",
        inverse_name="dashboard_id",
        domain=[("kind", "=", "level")],
        readonly=True,
    )

    @api.depends("date_from", "date_to")
    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = _(
                "Collection %(from)s - %(to)s",
                **{
                    "from": format_date(self.env, dashboard.date_from),
                    "to": format_date(self.env, dashboard.date_to),
                },
            )

    def _default_date_to(self):
        """The end of the last complete month: a period of whole months by
        default (docs/kpis.md), the last three."""
        today = self.env["collection.receivable"]._get_today()
        return today.replace(day=1) - relativedelta(days=1)

    @api.constrains("company_id", "date_from", "date_to")
    def _check_period(self):
        today = self.env["collection.receivable"]._get_today()
        for dashboard in self:
            if dashboard.date_to < dashboard.date_from:
                raise ValidationError(_("The period ends before it starts."))
            if dashboard.date_to > today:
                raise ValidationError(_("The period cannot end after today."))
            if (dashboard.date_to - dashboard.date_from).days > MAX_PERIOD_DAYS:
                raise ValidationError(_("A dashboard covers five years at most."))
            # the book is read in SQL: the company must be one of the user's
            if dashboard.company_id not in self.env.user.company_ids:
                raise ValidationError(_("You do not work for this company."))

    @api.model_create_multi
    def create(self, vals_list):
        self._check_parameters(vals_list)
        dashboards = super().create(vals_list)
        dashboards._compute_dashboard()
        return dashboards

    def write(self, vals):
        self._check_parameters([vals])
        result = super().write(vals)
        if PARAMETERS.intersection(vals):
            self._compute_dashboard()
        return result

    def _check_parameters(self, vals_list):
        if self.env.su:  # the figures, written by _compute_dashboard
            return
        if any(set(vals) - PARAMETERS for vals in vals_list):
            raise UserError(
                _(
                    "The dashboard's figures are computed: "
                    "choose a company and a period."
                )
            )

    @api.model
    def action_open_dashboard(self):
        """The menu's action: the current company's last three complete
        months."""
        dashboard = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": _("Collection Dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_refresh(self):
        self._compute_dashboard()

    # ------------------------------------------------------------
    # THE FIGURES
    # ------------------------------------------------------------

    def _get_period(self):
        """(days, months) of the period: its days and its months, the
        calendar months of a period of whole months, else its days in
        average months (a period from the 1st of October to the 1st of
        December is two months and a day, not three months)."""
        self.ensure_one()
        days = (self.date_to - self.date_from).days + 1
        whole = (
            self.date_from.day == 1 and (self.date_to + relativedelta(days=1)).day == 1
        )
        if whole:
            months = (
                (self.date_to.year - self.date_from.year) * 12
                + self.date_to.month
                - self.date_from.month
                + 1
            )
        else:
            months = days * 12 / 365.25
        return days, months

    def _get_month_ends(self):
        """The countback's months, walking back from the period's end: the
        end of each month (the end of the period, then the same day a month
        earlier, or the month's last day when the period ends on one), enough
        to cover the period and COUNTBACK_MONTHS more."""
        self.ensure_one()
        _days, months = self._get_period()
        month_end = self.date_to + relativedelta(day=31) == self.date_to
        ends = []
        for back in range(math.ceil(months) + COUNTBACK_MONTHS + 1):
            end = self.date_to - relativedelta(months=back)
            ends.append(end + relativedelta(day=31) if month_end else end)
        return ends

    def _query_book(self, date):
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
                Analysis._get_query(date, self.company_id.ids),
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

    def _query_sales(self, month_ends):
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
                date_from=self.date_from,
                collector=collector,
                month=month,
                defaults=defaults,
                receivable=self.env[
                    "collection.receivable"
                ]._get_receivable_condition(),
                types=CREDIT_SALES_TYPES,
                company=self.company_id.id,
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

    def _get_collected_sql(self):
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
            company=self.company_id.id,
            date_from=self.date_from,
            date_to=self.date_to,
            collected=COLLECTED_MOVE_TYPES,
        )

    def _query_collected(self):
        """{(kind, key): collected} by company, collector and salesperson."""
        self.env.cr.execute(
            SQL(
                """
                SELECT GROUPING(collector_id), GROUPING(salesperson_id),
                       collector_id, salesperson_id, SUM(amount)
                  FROM (%s) AS collected
              GROUP BY GROUPING SETS ((), (collector_id), (salesperson_id))
                """,
                self._get_collected_sql(),
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

    def _get_dunning_domain(self):
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "done"),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]

    def _get_promise_domain(self):
        """The promises due in the period that were kept or broken."""
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("state", "in", ("kept", "broken")),
            ("date_due", ">=", self.date_from),
            ("date_due", "<=", self.date_to),
        ]

    def _query_dunnings_and_promises(self):
        """{(kind, key): {dunning_count, promises_kept, promises_broken}} by
        company, collector, salesperson (dunnings) and level, and the levels'
        amounts dunned."""
        result = {}
        levels = {}
        Dunning = self.env["collection.dunning"].sudo()
        domain = self._get_dunning_domain()
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
            self._get_promise_domain(),
            ["user_id"],
            ["kept_count:sum", "broken_count:sum"],
        ):
            for key in (("collector", user.id or None), (None, None)):
                figures = result.setdefault(key, {})
                figures["promises_kept"] = figures.get("promises_kept", 0) + kept
                figures["promises_broken"] = figures.get("promises_broken", 0) + broken
        return result, levels

    def _compute_dashboard(self):
        """Every figure of the dashboard, for the company and period: the
        book at the end (by collector, salesperson and bucket) and at the
        start, the credit sales by countback month, the payments collected,
        the dunnings and promises; then the KPIs of each. A few SQL
        aggregates, whatever the size of the book."""
        Line = as_module(self.env["collection.dashboard.line"])
        self.env["collection.analysis"]._flush_book()
        for dashboard in self:
            days, months = dashboard._get_period()
            month_ends = dashboard._get_month_ends()
            month_days = [
                (end - start).days for end, start in itertools.pairwise(month_ends)
            ]
            start_day = dashboard.date_from - relativedelta(days=1)
            end = dashboard._query_book(dashboard.date_to)
            start = dashboard._query_book(start_day)
            sales = dashboard._query_sales(month_ends)
            collected = dashboard._query_collected()
            activity, levels = dashboard._query_dunnings_and_promises()
            figures = {}
            keys = {(None, None)}
            for key in keys.union(end, start, sales, collected, activity):
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
                    "currency_id": dashboard.company_id.currency_id.id,
                }
            dashboard.line_ids.sudo().unlink()
            as_module(dashboard).write(figures.pop((None, None)))
            lines = [
                {
                    "kind": kind,
                    "user_id": user_id,
                    **values,
                }
                for (kind, user_id), values in figures.items()
            ]
            lines += [
                {
                    "kind": "bucket",
                    "bucket": bucket,
                    "receivables_end": end.get(("bucket", bucket), {}).get(
                        "receivables", 0.0
                    ),
                    "currency_id": dashboard.company_id.currency_id.id,
                }
                for bucket, _label, _low, _high in ANALYSIS_BUCKETS
            ]
            lines += [
                {
                    "kind": "level",
                    "level_id": level.id,
                    "dunning_count": count,
                    "amount_dunned": amount,
                    "currency_id": dashboard.company_id.currency_id.id,
                }
                for level, (count, amount) in sorted(
                    levels.items(), key=lambda item: (item[0].sequence, item[0].id)
                )
            ]
            Line.create([{**line, "dashboard_id": dashboard.id} for line in lines])

    # ------------------------------------------------------------
    # THE RECORDS BEHIND THE FIGURES
    # ------------------------------------------------------------

    def action_open_figure(self):
        """The records behind the figure named in the context."""
        self.ensure_one()
        return self._get_figure_action(self.env.context.get("figure"))

    def _get_figure_action(self, figure, condition=None, dunning_domain=None):
        self.ensure_one()
        Analysis = self.env["collection.analysis"]
        company_ids = self.company_id.ids
        condition = condition or SQL("TRUE")
        if figure in ("receivables_end", "current_end", "overdue_end"):
            condition = SQL(
                "%s AND %s",
                condition,
                {
                    "receivables_end": SQL("TRUE"),
                    "current_end": SQL("days_overdue = 0"),
                    "overdue_end": SQL("overdue_amount != 0"),
                }[figure],
            )
            ids = Analysis._get_ids_at(self.date_to, company_ids, condition)
            name = {
                "receivables_end": _("Open Items at the End"),
                "current_end": _("Items Not Due at the End"),
                "overdue_end": _("Overdue Items at the End"),
            }[figure]
            return self._lines_action(name, ids)
        if figure == "receivables_start":
            start_day = self.date_from - relativedelta(days=1)
            ids = Analysis._get_ids_at(start_day, company_ids, condition)
            return self._lines_action(_("Open Items at the Start"), ids)
        if figure == "credit_sales":
            return {
                "type": "ir.actions.act_window",
                "name": _("Credit Sales"),
                "res_model": "account.move",
                "view_mode": "list,form",
                "domain": [
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "posted"),
                    ("move_type", "in", CREDIT_SALES_TYPES),
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date_to),
                ],
            }
        if figure == "collected":
            return self._lines_action(
                _("Payments Collected"), self._get_collected_ids(condition)
            )
        if figure == "dunning_count":
            return {
                "type": "ir.actions.act_window",
                "name": _("Dunnings Sent"),
                "res_model": "collection.dunning",
                "view_mode": "list,form",
                "domain": self._get_dunning_domain() + (dunning_domain or []),
            }
        if figure in ("promises_kept", "promises_broken"):
            return {
                "type": "ir.actions.act_window",
                "name": _("Promises Due in the Period"),
                "res_model": "collection.promise",
                "view_mode": "list,form",
                "domain": self._get_promise_domain()
                + [("state", "=", figure.split("_")[1])],
            }
        raise UserError(_("This figure has no records to open."))

    def _lines_action(self, name, ids):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "views": [
                (
                    self.env.ref(
                        "credit_collection.account_move_line_view_list_dashboard"
                    ).id,
                    "list",
                ),
                (False, "form"),
            ],
            "domain": [("id", "in", ids)],
            "context": {"search_default_group_by_partner": 1},
        }

    def _get_collected_ids(self, condition):
        """The payment lines collected in the period (for the invoices
        meeting `condition`, over the columns collector_id and
        salesperson_id)."""
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT payment_id FROM (%s) AS item WHERE %s",
                self._get_collected_sql(),
                condition,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------
    # EXPORT
    # ------------------------------------------------------------

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _(
                "Collection dashboard %(from)s - %(to)s.xlsx",
                **{"from": self.date_from, "to": self.date_to},
            ),
            self._generate_xlsx(),
        )

    def _generate_xlsx(self):
        """The dashboard's figures as a workbook (bytes): the company's, then
        a sheet by collector, by salesperson, the overdue by bucket and the
        dunnings by level."""
        import xlsxwriter

        self.ensure_one()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        days = workbook.add_format({"num_format": "0.0"})
        title = _(
            "%(company)s: collection from %(from)s to %(to)s, in %(currency)s",
            company=self.company_id.name,
            currency=self.currency_id.name,
            **{
                "from": format_date(self.env, self.date_from),
                "to": format_date(self.env, self.date_to),
            },
        )
        columns = [
            ("receivables_start", money),
            ("receivables_end", money),
            ("current_end", money),
            ("overdue_end", money),
            ("credit_sales", money),
            ("collected", money),
            ("dso", days),
            ("dso_countback", days),
            ("best_dso", days),
            ("days_delinquent", days),
            ("cei", days),
            ("dunning_count", None),
            ("promises_kept", None),
            ("promises_broken", None),
            ("kept_rate", days),
        ]
        missing = {
            "dso": "has_sales",
            "best_dso": "has_sales",
            "days_delinquent": "has_sales",
            "cei": "has_cei",
            "kept_rate": "has_promises",
        }

        def value(record, field):
            if field in missing and not record[missing[field]]:
                return None
            return record[field]

        sheet = workbook.add_worksheet(_("Company"))
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 16)
        sheet.write(0, 0, title, bold)
        for row, (field, number_format) in enumerate(columns, start=2):
            sheet.write(row, 0, self._fields[field].get_description(self.env)["string"])
            if value(self, field) is not None:
                sheet.write_number(row, 1, value(self, field), number_format)
        Line = self.env["collection.dashboard.line"]
        for lines, name, label in (
            (self.collector_line_ids, _("By collector"), _("Collector")),
            (self.salesperson_line_ids, _("By salesperson"), _("Salesperson")),
        ):
            sheet = workbook.add_worksheet(name)
            sheet.freeze_panes(3, 1)
            sheet.set_column(0, 0, 28)
            sheet.set_column(1, len(columns), 14)
            sheet.write(0, 0, title, bold)
            sheet.write_row(
                2,
                0,
                [label]
                + [
                    Line._fields[field].get_description(self.env)["string"]
                    for field, _format in columns
                ],
                header,
            )
            for row, line in enumerate(lines, start=3):
                sheet.write(row, 0, line.name)
                for column, (field, number_format) in enumerate(columns, start=1):
                    if value(line, field) is not None:
                        sheet.write_number(
                            row, column, value(line, field), number_format
                        )
        for lines, name, headers, fields_ in (
            (
                self.bucket_line_ids,
                _("Overdue by bucket"),
                [_("Overdue"), _("Open Amount")],
                ["receivables_end"],
            ),
            (
                self.level_line_ids,
                _("Dunnings by level"),
                [_("Dunning Level"), _("Dunnings Sent"), _("Amount Dunned")],
                ["dunning_count", "amount_dunned"],
            ),
        ):
            sheet = workbook.add_worksheet(name)
            sheet.freeze_panes(3, 1)
            sheet.set_column(0, 0, 28)
            sheet.set_column(1, 2, 16)
            sheet.write(0, 0, title, bold)
            sheet.write_row(2, 0, headers, header)
            for row, line in enumerate(lines, start=3):
                sheet.write(row, 0, line.name)
                for column, field in enumerate(fields_, start=1):
                    sheet.write_number(
                        row,
                        column,
                        line[field],
                        money if field != "dunning_count" else None,
                    )
        workbook.close()
        return output.getvalue()


class CollectionDashboardLine(models.TransientModel):
    """A row of the dashboard: a collector's or a salesperson's figures, an
    overdue bucket's open amount (`receivables_end`), or a level's dunnings
    sent and the amount they dunned."""

    _name = "collection.dashboard.line"
    _inherit = ["collection.dashboard.figures"]
    _description = "Collection Dashboard Line"
    _order = "kind, bucket, receivables_end desc, id"

    dashboard_id = fields.Many2one(
        comodel_name="collection.dashboard", required=True, ondelete="cascade"
    )
    kind = fields.Selection(
        selection=[
            ("collector", "Collector"),
            ("salesperson", "Salesperson"),
            ("bucket", "Overdue Bucket"),
            ("level", "Dunning Level"),
        ],
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(comodel_name="res.users", readonly=True)
    bucket = fields.Selection(
        selection=[(key, label) for key, label, _low, _high in ANALYSIS_BUCKETS],
        string="Overdue",
        readonly=True,
    )
    level_id = fields.Many2one(
        comodel_name="collection.level", string="Dunning Level", readonly=True
    )
    amount_dunned = fields.Monetary(readonly=True)
    name = fields.Char(compute="_compute_name")

    @api.depends("kind", "user_id", "bucket", "level_id")
    def _compute_name(self):
        nobody = {"collector": _("No collector"), "salesperson": _("No salesperson")}
        buckets = dict(self._fields["bucket"]._description_selection(self.env))
        for line in self:
            if line.kind == "bucket":
                line.name = buckets[line.bucket]
            elif line.kind == "level":
                line.name = line.level_id.display_name
            else:
                line.name = line.user_id.name or nobody[line.kind]

    def action_open(self):
        """The records behind the row: its open items at the end (the
        dunnings sent, for a level)."""
        self.ensure_one()
        dashboard = self.dashboard_id
        if self.kind == "level":
            return dashboard._get_figure_action(
                "dunning_count", dunning_domain=[("level_id", "=", self.level_id.id)]
            )
        return dashboard._get_figure_action("receivables_end", self._get_condition())

    def action_open_figure(self):
        """The records behind one of the row's figures (named in the
        context)."""
        self.ensure_one()
        figure = self.env.context.get("figure")
        domain = []
        if figure == "dunning_count":
            field = {"collector": "user_id", "salesperson": "salesperson_id"}[self.kind]
            domain = [(field, "=", self.user_id.id)]
        if figure in ("promises_kept", "promises_broken"):
            action = self.dashboard_id._get_figure_action(figure)
            action["domain"] += [("user_id", "=", self.user_id.id)]
            return action
        return self.dashboard_id._get_figure_action(
            figure, self._get_condition(), dunning_domain=domain
        )

    def _get_condition(self):
        """SQL over the analysis's columns: the row's items."""
        if self.kind == "bucket":
            return SQL("bucket = %s", self.bucket)
        column = {"collector": "collector_id", "salesperson": "salesperson_id"}[
            self.kind
        ]
        if not self.user_id:
            return SQL("%s IS NULL", SQL.identifier(column))
        return SQL("%s = %s", SQL.identifier(column), self.user_id.id)
