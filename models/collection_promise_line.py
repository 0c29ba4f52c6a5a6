from datetime import date

from werkzeug.urls import url_encode

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from odoo.addons.payment import utils as payment_utils


class CollectionPromiseLine(models.Model):
    _name = "collection.promise.line"
    _inherit = ["collection.guard.mixin"]
    _description = "Promise Installment"
    _order = "promise_id, date, id"

    promise_id = fields.Many2one(
        comodel_name="collection.promise", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="promise_id.company_id", store=True)
    currency_id = fields.Many2one(related="promise_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    amount_paid = fields.Monetary(compute="_compute_amount_paid")

    @api.depends("promise_id.amount_paid")
    def _compute_amount_paid(self):
        """Payments are matched to installments in date order."""
        for promise in self.promise_id:
            left = promise.amount_paid
            # in date order (an installment being typed has no date yet: last)
            for line in sorted(promise.line_ids, key=lambda lin: lin.date or date.max):
                line.amount_paid = min(left, line.amount)
                left -= line.amount_paid

    @api.depends("promise_id.name", "date")
    def _compute_display_name(self):
        for line in self:
            line.display_name = " · ".join(
                name
                for name in (line.promise_id.name, format_date(self.env, line.date))
                if name
            )

    def _collection_guarded_fields(self, vals, create=False):
        """Installments change while their promise is a draft only."""
        promises = self.promise_id | self.env["collection.promise"].browse(
            vals.get("promise_id") or []
        )
        if any(promise.state != "draft" for promise in promises):
            return set(vals)
        return set()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft_promise(self):
        if any(line.promise_id.state != "draft" for line in self):
            raise UserError(
                _(
                    "The installments of a confirmed promise are kept: cancel the "
                    "promise and record a new one."
                )
            )

    def _get_portal_pay_url(self):
        """Where the customer pays what is left of this installment: the
        portal page of the promise's oldest open invoice, with the amount
        signed as Odoo's payment links sign it (docs/customer-portal.md)."""
        self.ensure_one()
        left = self.currency_id.round(self.amount - self.amount_paid)
        moves = self.promise_id.move_ids.filtered(
            lambda move: move.amount_residual > 0
        ).sorted(lambda move: (move.invoice_date_due, move.id))
        if not moves or left <= 0:
            return False
        move = moves[0]
        amount = move.currency_id.round(min(left, move.amount_residual))
        query = url_encode(
            {
                "amount": amount,
                "payment_token": payment_utils.generate_access_token(move.id, amount),
                "payment": True,
            }
        )
        return f"{move.get_portal_url()}&{query}#portal_pay"
