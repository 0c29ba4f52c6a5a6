from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .collection_receivable import COLLECTED_MOVE_TYPES

# Written by the Invoice Late-payment Charges wizard only: they say what was
# charged, and what was charged is never shown nor charged again.
CHARGE_FIELDS = {
    "collection_charged_move_id",
    "collection_charge_type",
    "collection_interest_date_from",
    "collection_interest_date_to",
    "collection_charge_amount",
}


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "collection.guard.mixin"]
    _collection_guard_all = False

    collection_charged_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Charged Invoice",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The late invoice whose interest or compensation this line charges.",
    )
    collection_charge_type = fields.Selection(
        selection=[("interest", "Interest"), ("compensation", "Compensation")],
        copy=False,
        readonly=True,
    )
    collection_interest_date_from = fields.Date(
        string="Interest From",
        copy=False,
        readonly=True,
        help="First day of the interest this line charges.",
    )
    collection_interest_date_to = fields.Date(
        string="Interest Until",
        copy=False,
        readonly=True,
        help="Last day of the interest this line charges.",
    )

    collection_charge_amount = fields.Monetary(
        string="Charge Computed",
        copy=False,
        readonly=True,
        help="What the charge came to when it was computed: a lower price is a "
        "waiver, granted with Waive Charges.",
    )

    insurance_due_date = fields.Date(
        string="Original Due Date",
        copy=False,
        readonly=True,
        help="The installment's due date when the invoice was posted: credit "
        "insurance deadlines count from it, whatever extension is granted.",
    )

    @api.constrains("collection_charged_move_id")
    def _check_collection_charged_move_id(self):
        for line in self.filtered("collection_charged_move_id"):
            charged = line.collection_charged_move_id
            if (
                charged.company_id != line.company_id
                or charged.commercial_partner_id != line.move_id.commercial_partner_id
                or charged.move_type not in COLLECTED_MOVE_TYPES
            ):
                raise ValidationError(
                    _(
                        "A late-payment charge belongs on an invoice to the same "
                        "customer, in the same company, as the invoice it charges "
                        "(%(invoice)s).",
                        invoice=charged.display_name,
                    )
                )

    def _get_collection_action_fields(self):
        return {
            **super()._get_collection_action_fields(),
            **dict.fromkeys(
                CHARGE_FIELDS,
                _(
                    "Late-payment charges are invoiced with Invoice Late-payment "
                    "Charges and waived with Waive Charges, within a mandate: a "
                    "charge line cannot be typed."
                ),
            ),
            "insurance_due_date": self.env[
                "account.move"
            ]._get_insurance_access_error(),
        }

    def write(self, vals):
        result = super().write(vals)
        if "date_maturity" in vals:
            self.move_id._collection_request_due_date_change()
        return result
