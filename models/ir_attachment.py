from odoo import api, models


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _collection_download_xlsx(self, name, content):
        """The action downloading `content` as the spreadsheet `name`."""
        attachment = self.create(
            {
                "name": name,
                "raw": content,
                "mimetype": "application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }
