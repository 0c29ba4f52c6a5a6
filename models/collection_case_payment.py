from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .collection_case import PROGRESS_STATES

RECEIVERS = [
    ("handler", "The handler"),
    ("company", "The company, directly"),
]
# What a payment keeps once its commission is billed.
BILLED_FREE_FIELDS = {"remitted_date", "note"}
# Computed or linked by the module only: never written by a user.
MODULE_FIELDS = {"bill_id", "commission", "remittance_due"}


class CollectionCasePayment(models.Model):
    """An amount collected on a placed case, by the handler (who pays it over
    within the agreement's days) or paid to the company directly; the
    handler earns its commission on both (docs/escalation.md)."""

    _name = "collection.case.payment"
    _description = "Collection Case Payment"
    _order = "date desc, id desc"
    _check_company_auto = True

    case_id = fields.Many2one(
        comodel_name="collection.case", required=True, ondelete="restrict", index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True)
    currency_id = fields.Many2one(related="case_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    amount = fields.Monetary(required=True)
    received_by = fields.Selection(
        selection=RECEIVERS, required=True, default="handler", string="Paid To"
    )
    remitted_date = fields.Date(
        string="Paid Over On",
        help="The day the handler paid this amount over to the company.",
    )
    remittance_due = fields.Date(
        string="To Be Paid Over By", compute="_compute_remittance", store=True
    )
    remittance_late = fields.Boolean(
        string="Paid Over Late", compute="_compute_remittance_late"
    )
    commission = fields.Monetary(compute="_compute_commission", store=True)
    bill_id = fields.Many2one(
        comodel_name="account.move", string="Handler's Bill", readonly=True, copy=False
    )
    note = fields.Char()

    @api.depends("date", "received_by", "case_id.remittance_days")
    def _compute_remittance(self):
        for payment in self:
            payment.remittance_due = (
                payment.date + timedelta(days=payment.case_id.remittance_days)
                if payment.received_by == "handler" and payment.date
                else False
            )

    @api.depends("remittance_due", "remitted_date")
    def _compute_remittance_late(self):
        today = self.env["collection.receivable"]._get_today()
        for payment in self:
            due = payment.remittance_due
            payment.remittance_late = (
                bool(due) and (payment.remitted_date or today) > due
            )

    @api.depends(
        "amount",
        "case_id.commission_rate",
        "case_id.old_invoice_rate",
        "case_id.old_invoice_days",
        "case_id.line_ids.days_late",
    )
    def _compute_commission(self):
        """The agreement's rate on the amount, plus its extra rate when the
        case's oldest invoice was over the age threshold when placed
        (docs/escalation.md)."""
        for payment in self:
            case = payment.case_id
            rate = case.commission_rate
            if (
                max(case.line_ids.mapped("days_late"), default=0)
                > case.old_invoice_days
            ):
                rate += case.old_invoice_rate
            payment.commission = case.currency_id.round(payment.amount * rate / 100)

    @api.constrains("amount", "date", "remitted_date")
    def _check_payment(self):
        for payment in self:
            if payment.amount <= 0:
                raise ValidationError(_("An amount collected is positive."))
            if payment.remitted_date and payment.remitted_date < payment.date:
                raise ValidationError(
                    _("An amount is paid over after it was collected.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self._check_not_billing(vals_list)
            self._check_case_open(
                self.env["collection.case"].browse(
                    [vals.get("case_id") for vals in vals_list]
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if self.env.su or not set(vals) - BILLED_FREE_FIELDS:
            return super().write(vals)
        self._check_not_billing([vals])
        self._check_case_open(self.case_id)
        if self.filtered("bill_id"):
            raise UserError(
                _(
                    "This payment's commission was billed by the handler: only "
                    "the day it was paid over and the note may change."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        if self.filtered("bill_id"):
            raise UserError(
                _("A payment whose commission was billed by the handler is kept.")
            )

    @api.model
    def _check_not_billing(self, vals_list):
        """The commission, the day to pay over and the bill are the module's:
        refused in values and in the context's defaults alike."""
        defaults = {key[8:] for key in self.env.context if key.startswith("default_")}
        if any(MODULE_FIELDS & (set(vals) | defaults) for vals in vals_list):
            raise AccessError(
                _(
                    "A payment's commission and the day it is paid over are "
                    "computed; it is linked to the handler's bill by Create "
                    "Bill only."
                )
            )

    @api.model
    def _check_case_open(self, cases):
        if any(case.state not in PROGRESS_STATES for case in cases):
            raise UserError(
                _("Payments are recorded on a placed case that is not closed.")
            )
