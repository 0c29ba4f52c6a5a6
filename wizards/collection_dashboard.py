from contextlib import closing
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import OperationalError
from psycopg2.pool import PoolError

from odoo import _, api, fields, models, sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from ..models.collection_analysis import ANALYSIS_BUCKETS
from ..models.collection_guard import as_module
from ..models.collection_kpi_book import CREDIT_SALES_TYPES, Period

MAX_PERIOD_DAYS = 5 * 366
# how long figures computed for a company and period are shown to the next user
# opening the same dashboard from the menu
SHARED_FOR = timedelta(minutes=10)
# how long a user opening the dashboard waits for the figures another user is
# computing for the same company and period, before computing them too
WAIT_FOR = "30s"
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
    computed_at = fields.Datetime(
        string="Figures As Of",
        readonly=True,
        help="When the figures were computed. A dashboard opened from the menu "
        "shows the figures another user had computed for the same company and "
        "period in the last ten minutes; Update computes them again.",
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
        dashboard = self._get_shared_dashboard() or self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": _("Collection Dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _get_shared_dashboard(self):
        """The current company's dashboard of the default period, with the
        figures another user computed in the last ten minutes, for this user;
        or nothing, and this user computes them. The figures are the
        company's, the same for everyone who may open them: a team opening the
        dashboard in the morning computes them once, the others waiting for
        the first one's figures rather than computing them too."""
        # who may not open a dashboard gets no copy of one either
        self.check_access("create")
        values = self.default_get(["company_id", "date_from", "date_to"])
        source = self._get_shared_source(values)
        if source:
            return self._copy_shared(values, *self._read_shared(source))
        key = SQL(
            "hashtext(%s)",
            "collection.dashboard,{company_id},{date_from},{date_to}".format(**values),
        )
        # held until this transaction ends: the figures this user computes
        # are committed when the next one gets it
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", key))
        if self.env.cr.fetchone()[0]:
            return self.browse()
        shared = self._wait_for_shared(values, key)
        return self._copy_shared(values, *shared) if shared else self.browse()

    @api.model
    def _wait_for_shared(self, values, key):
        """Another user computes these figures now: wait for their commit
        (WAIT_FOR at most), in a transaction that sees it, and read them; or
        None, and this user computes them (waited too long, that user's
        transaction ended without them, no connection to wait on)."""
        try:
            with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as cr:
                cr.execute(SQL("SET LOCAL lock_timeout = %s", WAIT_FOR))
                # a wait too long is no error to log: the user computes
                cr.execute(
                    SQL("SELECT pg_advisory_xact_lock(%s)", key), log_exceptions=False
                )
                cr.rollback()
                source = self.with_env(self.env(cr=cr))._get_shared_source(values)
                return self._read_shared(source) if source else None
        except (OperationalError, PoolError):
            return None

    @api.model
    def _get_shared_source(self, values):
        """The dashboard of these values computed in the last ten minutes."""
        return self.sudo().search(
            [
                ("company_id", "=", values["company_id"]),
                ("date_from", "=", values["date_from"]),
                ("date_to", "=", values["date_to"]),
                ("computed_at", ">=", fields.Datetime.now() - SHARED_FOR),
            ],
            order="computed_at desc, id desc",
            limit=1,
        )

    @api.model
    def _read_shared(self, source):
        """The figures and the lines of dashboard `source`, to copy."""
        figures = source._convert_to_write(
            source.read(list(self.env["collection.dashboard.figures"]._fields))[0]
        )
        for name in models.MAGIC_COLUMNS + ["display_name"]:
            figures.pop(name, None)
        figures["computed_at"] = source.computed_at
        return figures, source.line_ids.copy_data()

    @api.model
    def _copy_shared(self, values, figures, lines):
        """A dashboard of this user with these figures and lines."""
        # past create(): the figures are the module's copy, not a user's input
        dashboard = super(CollectionDashboard, as_module(self)).create(
            [{**values, **figures}]
        )
        as_module(self.env["collection.dashboard.line"]).create(
            [{**line, "dashboard_id": dashboard.id} for line in lines]
        )
        return dashboard.with_env(self.env)

    def action_refresh(self):
        self._compute_dashboard()

    # ------------------------------------------------------------
    # THE FIGURES (computed by collection.kpi.book)
    # ------------------------------------------------------------

    def _get_book_period(self):
        self.ensure_one()
        return Period(self.company_id, self.date_from, self.date_to)

    def _compute_dashboard(self):
        """Every figure of the dashboard, from collection.kpi.book."""
        Line = as_module(self.env["collection.dashboard.line"])
        Book = self.env["collection.kpi.book"]
        for dashboard in self:
            currency = {"currency_id": dashboard.company_id.currency_id.id}
            figures, buckets, levels = Book._get_figures(dashboard._get_book_period())
            dashboard.line_ids.sudo().unlink()
            as_module(dashboard).write(
                {
                    **figures.pop((None, None)),
                    **currency,
                    "computed_at": fields.Datetime.now(),
                }
            )
            lines = [
                {"kind": kind, "user_id": user_id, **values, **currency}
                for (kind, user_id), values in figures.items()
            ]
            lines += [
                {
                    "kind": "bucket",
                    "bucket": bucket,
                    "receivables_end": buckets.get(bucket, 0.0),
                    **currency,
                }
                for bucket, _label, _low, _high in ANALYSIS_BUCKETS
            ]
            lines += [
                {
                    "kind": "level",
                    "level_id": level.id,
                    "dunning_count": count,
                    "amount_dunned": amount,
                    **currency,
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
                "domain": self.env["collection.kpi.book"]._get_dunning_domain(
                    self._get_book_period()
                )
                + (dunning_domain or []),
            }
        if figure in ("promises_kept", "promises_broken"):
            return {
                "type": "ir.actions.act_window",
                "name": _("Promises Due in the Period"),
                "res_model": "collection.promise",
                "view_mode": "list,form",
                "domain": self.env["collection.kpi.book"]._get_promise_domain(
                    self._get_book_period()
                )
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
                self.env["collection.kpi.book"]._get_collected_sql(
                    self._get_book_period()
                ),
                condition,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]
