from odoo import _, api, models
from odoo.exceptions import UserError

from .collection_guard import as_module


class CollectionDunning(models.Model):
    """Sending dunnings: the letters rendered and attached, the emails sent
    from the dunning's chatter, in batches by a scheduled action or at once."""

    _inherit = "collection.dunning"

    @api.model
    def _cron_send_queued(self, batch_size=50):
        """Render and send the queued letters and emails, a batch at a time. A
        dunning that cannot be sent (its customer lost their email address)
        keeps waiting with the reason, and the others go on."""
        domain = [("state", "=", "queued"), ("send_error", "=", False)]
        dunnings = self.search(domain, order="id", limit=batch_size)
        for dunning in as_module(dunnings):
            try:
                with self.env.cr.savepoint():
                    dunning._attach_letters()
                    dunning._send()
                    dunning.state = "done"
            except Exception as error:  # noqa: BLE001 - recorded, the others go on
                dunning.send_error = str(error) or error.__class__.__name__
                dunning.message_post(body=str(error))
                if dunning.user_id:
                    dunning.activity_schedule(
                        act_type_xmlid="mail.mail_activity_data_todo",
                        summary=_("Could not send %(name)s", name=dunning.name),
                        note=str(error),
                        user_id=dunning.user_id.id,
                    )
        self.env["ir.cron"]._notify_progress(
            done=len(dunnings), remaining=self.search_count(domain)
        )

    def action_send_now(self):
        """Send queued dunnings without waiting for the scheduled action; an
        error is shown at once."""
        if any(dunning.state != "queued" for dunning in self):
            raise UserError(_("Only a dunning waiting to be sent can be sent now."))
        dunnings = as_module(self)
        dunnings._attach_letters()
        for dunning in dunnings:
            dunning._send()
        dunnings.write({"state": "done", "send_error": False})

    def _send(self):
        """Post the email or the letter of a dunning whose letter is attached."""
        self.ensure_one()
        level = self.level_id
        if level.channel == "email":
            self._send_email()
        elif level.channel == "letter":
            self.mail_message_id = self.message_post(
                body=_(
                    "%(level)s: letter %(name)s printed for %(amount)s.",
                    level=level.name,
                    name=self.name,
                    amount=self._format_amount(self.amount_total),
                ),
                attachment_ids=self.letter_attachment_id.ids,
            )

    def _attach_letters(self):
        """Render the letter of each dunning that sends one, in its customer's
        language, and attach it. One rendering a letter: Debian's wkhtmltopdf
        (unpatched Qt) fails on several documents at once."""
        report = self.env.ref("credit_collection.action_report_collection_dunning")
        for dunning in self.filtered(
            lambda d: (
                not d.letter_attachment_id
                and (d.channel in ("email", "letter") or d.formal_notice)
            )
        ):
            dunning.letter_attachment_id = report._collection_attach_pdf(
                dunning, dunning, f"{dunning.name.replace('/', '-')}.pdf"
            )

    def _send_email(self):
        recipient = self.partner_id._collection_get_recipients()[self.partner_id.id]
        if not recipient.email:
            raise UserError(
                _("%(partner)s has no email address.", partner=recipient.display_name)
            )
        template = self.level_id.mail_template_id or self.env.ref(
            "credit_collection.mail_template_collection_dunning"
        )
        lang = recipient.lang or self.partner_id.lang
        rendered = template.with_context(lang=lang)._generate_template(
            self.ids, ["subject", "body_html"]
        )[self.id]
        # on the dunning, not the customer: only those who may read the
        # customer's collection read what was sent
        self.mail_message_id = self.with_context(
            mail_post_autofollow=False
        ).message_post(
            subject=rendered["subject"],
            body=rendered["body_html"],
            partner_ids=recipient.ids,
            attachment_ids=self.letter_attachment_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
