from odoo import _, api, models
from odoo.exceptions import UserError

from .ir_attachment import SENT_DOCUMENT_MODELS


class MailMessage(models.Model):
    _inherit = "mail.message"

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
        return bool(
            self.sudo().filtered(
                lambda m: (
                    m.model in SENT_DOCUMENT_MODELS
                    and (m.partner_ids or m.attachment_ids)
                )
            )
        )
