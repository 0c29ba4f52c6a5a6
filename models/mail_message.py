from odoo import _, api, models
from odoo.exceptions import UserError

from .ir_attachment import SENT_DOCUMENT_MODELS

# What a sent message said, to whom, by whom and with what: never rewritten.
SENT_MESSAGE_FIELDS = {
    "body",
    "subject",
    "attachment_ids",
    "partner_ids",
    "author_id",
    "email_from",
    "model",
    "res_id",
    "message_type",
    "date",
}


class MailMessage(models.Model):
    _inherit = "mail.message"

    def write(self, vals):
        if (
            not self.env.su
            and SENT_MESSAGE_FIELDS.intersection(vals)
            and self._collection_sent()
        ):
            raise UserError(_("What was sent to a customer is kept as it was sent."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_collection_sent(self):
        """What was sent to a customer from a dunning or a promise (a message
        to partners, or with the letter) is kept as sent."""
        if not self.env.su and self._collection_sent():
            raise UserError(
                _("What was sent to a customer is kept: cancel the dunning instead.")
            )

    def _collection_check_not_sent(self):
        """Refuse editing a message that went to a customer."""
        if self._collection_sent():
            raise UserError(_("What was sent to a customer is kept as it was sent."))

    def _collection_sent(self):
        """Whether one of these messages went to a customer: the email or
        letter a dunning links to, or a message of a dunning or a promise
        that went to partners or carried its document (none of which may be
        changed, so a sent message stays known as sent)."""
        messages = self.sudo()
        return bool(
            messages.filtered(
                lambda m: (
                    m.model in SENT_DOCUMENT_MODELS
                    and (m.partner_ids or m.attachment_ids)
                )
            )
            or self.env["collection.dunning"]
            .sudo()
            .search_count([("mail_message_id", "in", messages.ids)], limit=1)
        )
