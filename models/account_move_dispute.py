from odoo import _, fields, models
from odoo.exceptions import UserError

from .collection_guard import as_module

DISPUTE_STATES = [
    ("open", "Open"),
    ("review", "In Review"),
    ("resolved", "Resolved by Credit Note"),
    ("rejected", "Rejected"),
    ("closed", "Closed"),
]


class AccountMove(models.Model):
    """A customer's dispute of an invoice, from the day it is opened to how it
    ends: in review, resolved by a credit note, rejected with an answer to
    the customer, or closed. Open or in review, the invoice is out of
    dunning; the customer reads its state on the portal
    (docs/customer-portal.md)."""

    _inherit = "account.move"

    collection_disputed = fields.Boolean(
        string="Disputed",
        tracking=True,
        copy=False,
        help="The customer disputes this invoice: dunning is suspended.",
    )
    collection_dispute_date = fields.Date(
        string="Disputed Since", readonly=True, copy=False
    )
    collection_dispute_user_id = fields.Many2one(
        comodel_name="res.users", string="Disputed By", readonly=True, copy=False
    )
    collection_dispute_state = fields.Selection(
        selection=DISPUTE_STATES,
        string="Dispute State",
        readonly=True,
        copy=False,
        tracking=True,
        help="Open or In Review: dunning is suspended. Resolved by Credit Note: "
        "a credit note of this invoice was posted. Rejected: the customer was "
        "answered why. Closed: lifted without a credit note.",
    )
    collection_dispute_answer = fields.Text(
        string="Answer to the Customer",
        copy=False,
        tracking=True,
        help="Why the dispute is rejected or how it was settled: the customer "
        "reads it on the portal.",
    )

    def write(self, vals):
        """A dispute lifted is closed, unless a credit note or a rejection
        says how it ended (its reason stays, the customer reads it)."""
        disputed = self.filtered("collection_disputed")
        if (
            disputed
            and disputed != self
            and ({"collection_disputed", "collection_reason_id"} & set(vals))
        ):
            # a dispute already open keeps its day, author and state
            disputed.write(vals)
            return (self - disputed).write(vals)
        lifted = self.browse()
        if "collection_disputed" in vals and not vals["collection_disputed"]:
            lifted = self.filtered("collection_disputed")
        result = super().write(vals)
        if lifted:
            as_module(lifted).collection_dispute_state = "closed"
        return result

    def action_collection_dispute(self):
        self.write({"collection_disputed": True})

    def action_collection_lift_dispute(self):
        self.write({"collection_disputed": False})

    def action_collection_review_dispute(self):
        """The collector looks into the dispute: the customer reads that it
        is in review."""
        self._check_collection_write_access()
        if any(move.collection_dispute_state != "open" for move in self):
            raise UserError(_("Only an open dispute can be put in review."))
        as_module(self).collection_dispute_state = "review"

    def action_collection_reject_dispute(self):
        """The dispute is rejected, the customer told why: dunning resumes."""
        self._check_collection_write_access()
        if not all(move.collection_disputed for move in self):
            raise UserError(_("Only a disputed invoice can have its dispute rejected."))
        unanswered = self.filtered(
            lambda m: not (m.collection_dispute_answer or "").strip()
        )
        if unanswered:
            raise UserError(
                _(
                    "Write the answer to the customer first (why the dispute of "
                    "%(invoices)s is rejected): they read it on the portal.",
                    invoices=", ".join(unanswered.mapped("name")),
                )
            )
        self.write({"collection_disputed": False})
        as_module(self).collection_dispute_state = "rejected"

    def button_draft(self):
        """A credit note that resolved a dispute, reset to draft: the dispute
        is open again until it is posted again."""
        reopened = self.filtered(
            lambda m: m.move_type == "out_refund" and m.state == "posted"
        ).reversed_entry_id.filtered(lambda m: m.collection_dispute_state == "resolved")
        result = super().button_draft()
        if reopened:
            as_module(reopened).collection_disputed = True
        return result

    def _post(self, soft=True):
        """A credit note of a disputed invoice resolves its dispute."""
        posted = super()._post(soft=soft)
        credited = posted.filtered(
            lambda m: m.move_type == "out_refund"
        ).reversed_entry_id.filtered("collection_disputed")
        if credited:
            as_module(credited).collection_disputed = False
            as_module(credited).collection_dispute_state = "resolved"
        return posted
