import functools

from odoo import models
from odoo.tools import SQL, float_round

from . import collection_charges


class AccountMove(models.Model):
    """Late-payment charges of invoices: the models read what the pure
    functions of `collection_charges` need, for whole recordsets."""

    _inherit = "account.move"

    def _collection_get_charges(self, date):
        """Late-payment charges of each invoice at `date`, as of shared/RULES.md.

        {move id: {"open": open amount at `date`, "interest": interest not yet
        invoiced (invoice currency), "compensation": fixed compensation (B2B)
        or capped damages (Belgian consumers) not yet invoiced (company
        currency), "b2c": whether its policy treats the customer as a
        consumer}. Interest counts from the due date, or after what was already
        invoiced or waived, or after a consumer's 14 days."""
        Receivable = self.env["collection.receivable"]
        installments = Receivable._get_installments(self)
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
                    self.env["collection.interest.rate"]._get_annual_rates(
                        company.collection_interest_mode,
                        company.collection_interest_rate,
                    ),
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
