from odoo import fields, models

from ..models.collection_case import OUTCOMES


class CollectionCaseCloseWizard(models.TransientModel):
    """Closing a case says how it ended; a withdrawal says why."""

    _name = "collection.case.close.wizard"
    _description = "Close a Collection Case"

    case_id = fields.Many2one(comodel_name="collection.case", required=True)
    outcome = fields.Selection(selection=OUTCOMES, required=True)
    reason = fields.Text(
        help="Why it ends so: required for a withdrawal, kept on the case."
    )

    def action_confirm(self):
        self.ensure_one()
        self.case_id._close(self.outcome, self.reason)
        return {"type": "ir.actions.act_window_close"}
