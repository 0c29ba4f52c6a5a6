"""Test-only extensions, loaded into the registry by the tests that need them
(odoo_test_helper's FakeModelLoader): what another module could add."""

from odoo import api, fields, models


class CollectionDunningLine(models.Model):
    _inherit = "collection.dunning.line"

    x_test_band = fields.Char(compute="_compute_x_test_band", store=True)
    x_test_reviewed = fields.Boolean(default=True)

    @api.depends("days_overdue", "state")
    def _compute_x_test_band(self):
        for line in self:
            band = "over 30" if line.days_overdue > 30 else "30 or less"
            line.x_test_band = f"{line.state}: {band}"


class CollectionDunning(models.Model):
    _inherit = "collection.dunning"

    x_test_line_count = fields.Integer(compute="_compute_x_test_line_count", store=True)

    @api.depends("line_ids")
    def _compute_x_test_line_count(self):
        for dunning in self:
            dunning.x_test_line_count = len(dunning.line_ids)
