import functools

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from . import collection_charges
from .collection_receivable import COLLECTED_MOVE_TYPES


class AccountMove(models.Model):
    """Late-payment charges of invoices: the models read what the pure
    functions of `collection_charges` need, for whole recordsets."""

    _inherit = "account.move"

    collection_interest_amount = fields.Monetary(
        string="Late-payment Interest",
        compute="_compute_collection_charges",
        help="Statutory interest due today, not yet invoiced.",
    )
    collection_compensation_amount = fields.Monetary(
        string="Recovery Compensation",
        compute="_compute_collection_charges",
        currency_field="company_currency_id",
        help="Fixed compensation for recovery costs (B2B) or capped damages (Belgian "
        "consumers) due today, not yet invoiced.",
    )
    collection_charges_warning = fields.Char(compute="_compute_collection_charges")
    collection_charge_line_ids = fields.One2many(
        comodel_name="account.move.line",
        inverse_name="collection_charged_move_id",
        string="Charge Lines",
        help="Lines of the invoices that charge this invoice's late-payment charges.",
    )
    collection_is_charge_invoice = fields.Boolean(
        string="Late-payment Charges Invoice",
        compute="_compute_collection_is_charge_invoice",
        store=True,
        help="Charges late-payment interest or compensation: dunned, never charged.",
    )
    collection_interest_invoiced_until = fields.Date(
        string="Interest Invoiced Until",
        compute="_compute_collection_invoiced_charges",
        store=True,
        help="Interest was invoiced for every day up to this one.",
    )
    collection_compensation_invoiced = fields.Boolean(
        string="Compensation Invoiced",
        compute="_compute_collection_invoiced_charges",
        store=True,
    )

    @api.depends(
        "collection_charge_line_ids.parent_state",
        "collection_charge_line_ids.move_id.payment_state",
        "collection_charge_line_ids.collection_interest_date_to",
        "collection_charge_line_ids.collection_charge_type",
    )
    def _compute_collection_invoiced_charges(self):
        """What posted charge invoices already charge: a draft charges nothing
        yet, and waives nothing; a reversed one charges nothing any more."""
        for move in self:
            lines = move.collection_charge_line_ids.filtered(
                lambda line: (
                    line.parent_state == "posted"
                    and line.move_id.payment_state != "reversed"
                )
            )
            move.collection_interest_invoiced_until = max(
                filter(None, lines.mapped("collection_interest_date_to")), default=False
            )
            move.collection_compensation_invoiced = any(
                line.collection_charge_type == "compensation" for line in lines
            )

    @api.depends("line_ids.collection_charged_move_id")
    def _compute_collection_is_charge_invoice(self):
        for move in self:
            move.collection_is_charge_invoice = any(
                move.line_ids.collection_charged_move_id
            )

    @api.depends(
        "state",
        "line_ids.amount_residual",
        "collection_interest_invoiced_until",
        "collection_compensation_invoiced",
        "collection_charges_waived_until",
        "collection_compensation_waived",
        "collection_dunning_line_ids.state",
    )
    @api.depends_context("uid")
    def _compute_collection_charges(self):
        today = self.env["collection.receivable"]._get_today()
        moves = self.filtered(lambda m: m.move_type in COLLECTED_MOVE_TYPES and m.id)
        (self - moves).update(
            {
                "collection_interest_amount": 0.0,
                "collection_compensation_amount": 0.0,
                "collection_charges_warning": False,
            }
        )
        if not moves:
            return
        try:
            charges = moves._collection_get_charges(today)
            warning = False
        except UserError as error:
            charges, warning = {}, error.args[0]
        for move in moves:
            values = charges.get(move.id, {})
            move.collection_interest_amount = values.get("interest", 0.0)
            move.collection_compensation_amount = values.get("compensation", 0.0)
            move.collection_charges_warning = warning

    def _post(self, soft=True):
        self._check_collection_charged_once()
        return super()._post(soft=soft)

    def _check_collection_charged_once(self):
        """A charge invoice posted charges days and compensation no posted
        charge invoice charged already (one drafted, cancelled, then reset
        and posted again, say)."""
        lines = self.line_ids.filtered("collection_charged_move_id")
        if not lines:
            return
        for move in lines.move_id:
            charges = move.line_ids.filtered("collection_charged_move_id")
            computed = sum(charges.mapped("collection_charge_amount"))
            if (
                charges.collection_charged_move_id.commercial_partner_id
                != move.commercial_partner_id
                or move.currency_id != move.company_id.currency_id
                or move.move_type != "out_invoice"
                or move.currency_id.compare_amounts(move.amount_untaxed, computed) < 0
            ):
                raise UserError(
                    _(
                        "%(invoice)s must charge %(amount)s, in %(currency)s, to the "
                        "customer of the invoices it charges: a lower charge is a "
                        "waiver, granted with Waive Charges within a mandate.",
                        invoice=move.display_name,
                        amount=move.company_id.currency_id.format(computed),
                        currency=move.company_id.currency_id.name,
                    )
                )
        posted = self.env["account.move.line"].search(
            [
                (
                    "collection_charged_move_id",
                    "in",
                    lines.collection_charged_move_id.ids,
                ),
                ("parent_state", "=", "posted"),
                ("id", "not in", lines.ids),
            ]
        )
        for line in lines:
            if (
                line.currency_id.compare_amounts(
                    line.price_subtotal, line.collection_charge_amount
                )
                < 0
            ):
                raise UserError(
                    _(
                        "%(invoice)s charges %(charged)s less than computed "
                        "(%(amount)s): a lower charge is a waiver, granted with "
                        "Waive Charges within a mandate.",
                        invoice=line.move_id.display_name,
                        charged=line.collection_charged_move_id.display_name,
                        amount=line.currency_id.format(line.collection_charge_amount),
                    )
                )
            for other in posted:
                if other.collection_charged_move_id != line.collection_charged_move_id:
                    continue
                if other.collection_charge_type != line.collection_charge_type:
                    continue
                if line.collection_charge_type == "compensation" or (
                    (other.collection_interest_date_from or other.date)
                    <= line.collection_interest_date_to
                    and other.collection_interest_date_to
                    >= (line.collection_interest_date_from or line.date)
                ):
                    raise UserError(
                        _(
                            "%(invoice)s: %(charged)s is already charged by "
                            "%(other)s. Cancel this charge invoice.",
                            invoice=line.move_id.display_name,
                            charged=line.collection_charged_move_id.display_name,
                            other=other.move_id.display_name,
                        )
                    )

    def _collection_get_charges(self, date, b2c_ids=None):
        """Late-payment charges of each invoice at `date`
        (docs/interest-and-compensation.md). `b2c_ids`: the invoices whose
        policy treats their customer as a consumer, when the caller read them
        already (the proposal's book); read here otherwise.

        {move id: {"open": open amount at `date`, "interest": interest not yet
        invoiced (invoice currency), "compensation": fixed compensation (B2B)
        or capped damages (Belgian consumers) not yet invoiced (company
        currency), "b2c": whether its policy treats the customer as a
        consumer}. Interest counts from the due date, or after what was already
        invoiced or waived, or after a consumer's 14 days."""
        Receivable = self.env["collection.receivable"]
        installments = Receivable._get_installments(self)
        if b2c_ids is None:
            b2c_ids = Receivable._get_b2c_ids(self)
        wait_ends = self.browse(b2c_ids)._collection_get_b2c_wait_ends()
        # plain columns in one query: the ORM would read a move's hundred
        self.env.cr.execute(
            SQL(
                """
                SELECT id, company_id, currency_id, collection_is_charge_invoice,
                       collection_interest_invoiced_until,
                       collection_charges_waived_until,
                       collection_compensation_invoiced
                       OR collection_compensation_waived
                  FROM account_move
                 WHERE id = ANY(%s)
                """,
                self.ids,
            )
        )
        companies = {}
        rounder = functools.cache(
            lambda currency_id: functools.partial(
                float_round,
                precision_rounding=self.env["res.currency"]
                .browse(currency_id)
                .rounding,
            )
        )
        charges = {}
        for (
            move_id,
            company_id,
            currency_id,
            charge_invoice,
            invoiced_until,
            waived_until,
            compensation_done,
        ) in self.env.cr.fetchall():
            if charge_invoice:
                # charge invoices are dunned, never charged
                charges[move_id] = {
                    "open": 0.0,
                    "interest": 0.0,
                    "compensation": 0.0,
                    "b2c": False,
                }
                continue
            if company_id not in companies:
                company = self.env["res.company"].browse(company_id)
                companies[company_id] = (
                    company._collection_get_annual_rates(),
                    company.collection_compensation_amount,
                    rounder(company.currency_id.id),
                )
            annual_rate, fixed_compensation, round_company = companies[company_id]
            b2c = move_id in b2c_ids
            # a consumer's 14 days: False while no reminder was sent
            wait_end = wait_ends.get(move_id, False) if b2c else None
            floor = max(
                filter(None, [invoiced_until, waived_until, wait_end]), default=None
            )
            open_amount, interest, late = collection_charges.invoice_charges(
                installments.get(move_id, []), date, annual_rate, floor, wait_end
            )
            compensation = collection_charges.invoice_compensation(
                open_amount, late, wait_end, date, fixed_compensation, compensation_done
            )
            round_invoice = rounder(currency_id)
            charges[move_id] = {
                "open": round_invoice(open_amount),
                "interest": round_invoice(interest),
                "compensation": round_company(compensation),
                "b2c": b2c,
            }
        return charges

    def _collection_get_b2c_wait_ends(self):
        """{move id: last day of the consumer's 14 days}, counted from the first
        reminder sent for the invoice."""
        wait_ends = {}
        for move in self:
            first = move.collection_dunning_line_ids.filtered(
                lambda line: line.state == "done"
            ).sorted(lambda line: (line.date, line.id))[:1]
            if first:
                wait_ends[move.id] = collection_charges.b2c_wait_end(
                    first.date, postal=first.dunning_id.channel == "letter"
                )
        return wait_ends
