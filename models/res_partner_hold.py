from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from .collection_guard import as_module
from .res_partner import HOLD_NOTE_READERS, HOLD_READERS


class ResPartner(models.Model):
    """A customer's credit hold, one company's: its insurer's or its collector's
    decision blocks that company's orders and deliveries only, but a
    collection manager's logged override."""

    _inherit = "res.partner"

    collection_hold = fields.Boolean(
        string="On Credit Hold",
        company_dependent=True,
        tracking=True,
        copy=False,
        help="Sale orders cannot be confirmed nor deliveries validated in this "
        "company, but by a collection manager, whose override is logged.",
    )
    collection_hold_reason = fields.Char(
        string="Hold Reason", company_dependent=True, copy=False, groups=HOLD_READERS
    )
    collection_hold_date = fields.Date(
        string="On Hold Since", company_dependent=True, copy=False, groups=HOLD_READERS
    )
    collection_hold_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Put on Hold By",
        company_dependent=True,
        copy=False,
        groups=HOLD_READERS,
    )
    collection_hold_note = fields.Char(
        string="Why on Hold",
        compute="_compute_collection_hold_note",
        groups=HOLD_NOTE_READERS,
        help="The hold's reason, date and author, for those who may read this "
        "customer's collection status.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends_context("uid", "company")
    @api.depends("collection_hold")
    def _compute_collection_hold_note(self):
        for partner in self:
            partner.collection_hold_note = partner._get_collection_hold_note()

    def _get_collection_hold_note(self):
        """The hold's reason, date and author, in the reader's language, when
        the reader may read this customer's collection status; else False."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        if not commercial.collection_hold or not commercial.collection_status_access:
            return False
        hold = commercial.sudo()
        return _(
            "%(reason)s (since %(date)s, by %(user)s)",
            reason=hold.collection_hold_reason or _("no reason given"),
            date=format_date(self.env, hold.collection_hold_date),
            user=hold.collection_hold_user_id.name or _("the module"),
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_collection_hold(self):
        return self._open_measure_wizard("hold")

    def action_collection_release(self):
        return self._open_measure_wizard("release")

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _collection_set_hold(self, reason, user):
        """Put these customers on hold in the current company, as the module:
        the one write of a hold, after a decision or a case placed. Each
        customer's chatter tracks it as Odoo's tracking does, the messages
        written in one batch (a run holds hundreds of customers at once)."""
        held = self.filtered(lambda partner: not partner.collection_hold)
        as_module(self).with_context(mail_notrack=True).write(
            {
                "collection_hold": True,
                "collection_hold_reason": reason,
                "collection_hold_date": self.env["collection.receivable"]._get_today(),
                "collection_hold_user_id": user.id,
            }
        )
        held._collection_log_tracking("collection_hold", False, True)

    def _collection_log_tracking(self, fname, old, new):
        """The chatter message Odoo's tracking writes for `fname` changed from
        `old` to `new`, on each of these records, created in one batch."""
        if not self:
            return
        records = as_module(self)
        info = records.fields_get([fname], ["string", "type", "selection"])[fname]
        Tracking = self.env["mail.tracking.value"]
        author_id, email_from = records._message_compute_author(raise_on_email=False)
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        reply_to = self.env["mail.thread"]._notify_get_reply_to(default=email_from)
        # as the module: a caller's `default_` keys fill no message field
        messages = as_module(self.env["mail.message"]).create(
            [
                {
                    "author_id": author_id,
                    "email_from": email_from,
                    "reply_to": reply_to[False],
                    "model": self._name,
                    "res_id": record.id,
                    "message_type": "notification",
                    "is_internal": True,
                    "subtype_id": subtype_id,
                    "body": "",
                }
                for record in records
            ]
        )
        as_module(Tracking).create(
            [
                {
                    **Tracking._create_tracking_values(old, new, fname, info, record),
                    "mail_message_id": message.id,
                }
                for record, message in zip(records, messages, strict=True)
            ]
        )

    def _check_collection_hold(self, what):
        """Refuse `what` for a customer on hold in the current company; a
        collection manager goes ahead, and the override is logged."""
        held = self.commercial_partner_id.filtered("collection_hold")
        if not held:
            return
        if self.env.user.has_group("credit_collection.group_collection_manager"):
            for partner in held:
                self.env["collection.decision"]._request(
                    "override", partner, reason=what
                )
            return
        raise UserError(held[:1]._get_collection_hold_error(what))

    def _get_collection_hold_error(self, what):
        """Why `what` is refused for this customer on hold in the current
        company. The hold's reason is told to those who may read it only."""
        self.ensure_one()
        if self.collection_status_access:
            hold = self.sudo()
            return _(
                "%(partner)s is on credit hold since %(date)s (%(reason)s): "
                "%(what)s is blocked. Ask %(who)s or a collection manager.",
                partner=self.display_name,
                date=format_date(self.env, hold.collection_hold_date),
                reason=hold.collection_hold_reason or _("no reason given"),
                what=what,
                who=hold.collection_user_id.name or _("the collector"),
            )
        return _(
            "%(partner)s is on credit hold: %(what)s is blocked. Ask the "
            "collection team.",
            partner=self.display_name,
            what=what,
        )
