from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

# Documents sent to customers: their attachments are kept as sent.
SENT_DOCUMENT_MODELS = ("collection.dunning", "collection.promise")


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def write(self, vals):
        if not self.env.su and self._collection_sent():
            raise AccessError(_("A letter sent to a customer is kept as it was sent."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_collection_letters(self):
        if self._collection_sent():
            raise UserError(
                _(
                    "A letter sent to a customer is kept: cancel the dunning or the "
                    "promise instead."
                )
            )

    def _to_store(self, store, /, *, fields=None, extra_fields=None):
        """The chatter offers no bin on a letter sent to a customer."""
        result = super()._to_store(store, fields=fields, extra_fields=extra_fields)
        for attachment in self._collection_sent_ones():
            store.add(attachment, {"collection_kept": True})
        return result

    def _collection_sent(self):
        """Whether one of these attachments is a dunning letter or a promise
        confirmation."""
        return bool(self._collection_sent_ones())

    def _collection_sent_ones(self):
        """Those of these attachments that are a dunning letter or a promise
        confirmation: one query."""
        attachments = self.sudo()
        letters = (
            self.env["collection.dunning"]
            .sudo()
            .search([("letter_attachment_id", "in", self.ids)])
            .letter_attachment_id
        )
        return self.browse(
            attachments.filtered(
                lambda a: a.res_model in SENT_DOCUMENT_MODELS or a in letters
            ).ids
        )

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
