from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _collection_attach_pdf(self, docs, record, name):
        """Render this report for `docs` as a PDF attached to `record`."""
        content, _format = self._render_qweb_pdf(self, docs.ids)
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "res_model": record._name,
                "res_id": record.id,
                "mimetype": "application/pdf",
            }
        )
