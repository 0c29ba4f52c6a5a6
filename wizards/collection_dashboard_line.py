from odoo import _, api, fields, models
from odoo.tools import SQL

from ..models.collection_analysis import ANALYSIS_BUCKETS


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
