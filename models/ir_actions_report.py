import functools
import subprocess

from odoo import api, models

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin


@functools.cache
def _wkhtmltopdf_draws_headers():
    """Whether the installed wkhtmltopdf draws Odoo's header and footer: only
    the builds "with patched qt" do; the others (Debian's) ignore them and
    leave the paper format's top margin blank."""
    try:
        out = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"],
            capture_output=True,
            check=False,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return b"patched qt" in out


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _collection_header_in_body(self):
        """Whether the module's documents carry the company's letterhead in
        their body, on a small top margin: when wkhtmltopdf does not draw
        headers. A letter never starts with a blank band."""
        return not _wkhtmltopdf_draws_headers()

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
