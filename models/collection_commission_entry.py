from odoo import api, fields, models
from odoo.tools import SQL

from .collection_commission import commission_amount, commission_factor
from .collection_guard import as_module

ENTRY_KINDS = [("payment", "Payment"), ("clawback", "Claw-back")]


class CollectionCommissionEntry(models.Model):
    """What a salesperson earned on one payment of one invoice: the collected
    amount (company currency) prorated to the invoice's untaxed amount, the
    rate, the factor of the days late at payment and the commission. Written
    by the module when a payment is matched or unmatched, never by a user; a
    claw-back entry takes back a settled entry whose payment was undone."""

    _name = "collection.commission.entry"
    _inherit = ["collection.guard.mixin", "collection.commission.timing.mixin"]
    _description = "Commission Entry"
    _order = "payment_date desc, id desc"
    _rec_name = "move_id"

    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", required=True, index=True
    )
    move_id = fields.Many2one(
        comodel_name="account.move", string="Invoice", required=True, index=True
    )
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer")
    partial_id = fields.Many2one(
        comodel_name="account.partial.reconcile", index="btree_not_null"
    )
    payment_line_id = fields.Many2one(
        comodel_name="account.move.line", string="Payment"
    )
    kind = fields.Selection(selection=ENTRY_KINDS, required=True, default="payment")
    payment_date = fields.Date(required=True, index=True)
    due_date = fields.Date()
    days_late = fields.Integer(aggregator="avg")
    collected = fields.Monetary(help="The payment matched, taxes included.")
    base = fields.Monetary(
        string="Collected Untaxed",
        help="The payment prorated to the invoice's untaxed amount.",
    )
    rate = fields.Float(string="Rate (%)", digits=(16, 2), aggregator=False)
    factor = fields.Float(string="Factor (%)", digits=(16, 2), aggregator=False)
    commission = fields.Monetary()
    state = fields.Selection(
        selection=[("earned", "Earned"), ("cancelled", "Undone")],
        default="earned",
        required=True,
        index=True,
    )
    reversed_entry_id = fields.Many2one(
        comodel_name="collection.commission.entry", string="Takes Back"
    )
    credit_note_id = fields.Many2one(
        comodel_name="account.move",
        string="Credit Note",
        index="btree_not_null",
        help="The credit note this claw-back takes back for.",
    )
    settlement_id = fields.Many2one(
        comodel_name="collection.commission.settlement", index="btree_not_null"
    )

    def _compute_display_name(self):
        for entry in self:
            entry.display_name = f"{entry.move_id.name} · {entry.payment_date}"

    # ------------------------------------------------------------
    # RECORDING
    # ------------------------------------------------------------

    @api.model
    def _record(self, partials):
        """The entries of the payments matched by `partials`: those between a
        commissioned invoice (debit) and a payment in a journal that counts
        (credit; a credit note is not cash); a payment returning a credit
        note to the customer claws back what its invoice earned, at the
        invoice's rate and average factor. One query for the batch."""
        if not partials:
            return self.browse()
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        partials.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                SELECT partial.id, %(collected)s, partial.company_id,
                       invoice.id, invoice.commission_user_id, invoice.commission_rate,
                       invoice.commercial_partner_id,
                       invoice.amount_untaxed_signed, invoice.amount_total_signed,
                       %(due)s, credit.id, credit.date, FALSE, NULL::int
                  FROM account_partial_reconcile partial
                  JOIN account_move_line debit ON debit.id = partial.debit_move_id
                  JOIN account_move invoice ON invoice.id = debit.move_id
                  JOIN account_move_line credit ON credit.id = partial.credit_move_id
                  JOIN account_journal journal ON journal.id = credit.journal_id
                  JOIN account_move payment ON payment.id = credit.move_id
                 WHERE partial.id IN %(ids)s
                   AND invoice.commission_user_id IS NOT NULL
                   AND payment.move_type = 'entry'
                   AND %(journal_counts)s
             UNION ALL
                -- a credit note paid back to the customer
                SELECT partial.id, -%(collected)s, partial.company_id,
                       invoice.id, invoice.commission_user_id, invoice.commission_rate,
                       invoice.commercial_partner_id,
                       refund.amount_untaxed_signed, refund.amount_total_signed,
                       NULL, debit.id, debit.date, TRUE, refund.id
                  FROM account_partial_reconcile partial
                  JOIN account_move_line credit ON credit.id = partial.credit_move_id
                  JOIN account_move refund ON refund.id = credit.move_id
                  JOIN account_move invoice ON invoice.id = refund.reversed_entry_id
                  JOIN account_move_line debit ON debit.id = partial.debit_move_id
                  JOIN account_journal journal ON journal.id = debit.journal_id
                  JOIN account_move payment ON payment.id = debit.move_id
                 WHERE partial.id IN %(ids)s
                   AND refund.move_type = 'out_refund'
                   AND invoice.commission_user_id IS NOT NULL
                   AND payment.move_type = 'entry'
                   AND %(journal_counts)s
                """,
                ids=tuple(partials.ids),
                journal_counts=self._get_journal_condition(),
                collected=self.env["collection.receivable"]._get_collected_sql(
                    SQL("partial.amount"), "payment"
                ),
                due=self.env["collection.receivable"]._get_due_date_sql("debit"),
            )
        )
        rows = self._clip_paid_back(self.env.cr.fetchall())
        if not rows:
            return self.browse()
        companies = self.env["res.company"].browse({row[2] for row in rows})
        Scale = self.env["collection.commission.scale"]
        scales = {company.id: Scale._get_scale(company) for company in companies}
        refunded = self._get_average_factors([row[3] for row in rows if row[12]])
        values = []
        for (
            partial_id,
            amount,
            company_id,
            move_id,
            user_id,
            rate,
            partner_id,
            untaxed,
            total,
            due_date,
            payment_line_id,
            payment_date,
            is_refund,
            refund_id,
        ) in rows:
            base = float(amount) * float(untaxed) / float(total) if total else 0.0
            if is_refund:
                days_late = 0
                factor = refunded.get(move_id, 0.0)
            else:
                days_late = (payment_date - due_date).days if due_date else 0
                factor = commission_factor(days_late, scales[company_id])
            values.append(
                {
                    "company_id": company_id,
                    "user_id": user_id,
                    "move_id": move_id,
                    "partner_id": partner_id,
                    "partial_id": partial_id,
                    "payment_line_id": payment_line_id,
                    "kind": "clawback" if is_refund else "payment",
                    "credit_note_id": refund_id,
                    "payment_date": payment_date,
                    "due_date": due_date,
                    "days_late": days_late,
                    "collected": round(float(amount), 2),
                    "base": round(base, 2),
                    "rate": rate or 0.0,
                    "factor": factor,
                    "commission": commission_amount(base, rate or 0.0, factor),
                    "state": "earned",
                    "settlement_id": False,
                }
            )
        return as_module(self).create(values)

    @api.model
    def _clip_paid_back(self, rows):
        """A credit note paid back takes back only what its posting did not
        (docs/commission.md): what it takes back in all is the larger of
        what it cancelled beyond the open invoice and what was paid back."""
        refund_ids = {row[13] for row in rows if row[12]}
        if not refund_ids:
            return rows
        taken = {
            refund.id: collected
            for refund, collected in self.sudo()._read_group(
                [("credit_note_id", "in", list(refund_ids)), ("state", "=", "earned")],
                ["credit_note_id"],
                ["collected:sum"],
            )
        }
        self.env.cr.execute(
            SQL(
                """
                SELECT credit.move_id, SUM(%(collected)s)
                  FROM account_partial_reconcile partial
                  JOIN account_move_line credit ON credit.id = partial.credit_move_id
                  JOIN account_move_line debit ON debit.id = partial.debit_move_id
                  JOIN account_journal journal ON journal.id = debit.journal_id
                  JOIN account_move payment ON payment.id = debit.move_id
                 WHERE credit.move_id IN %(refunds)s
                   AND %(journal_counts)s
              GROUP BY credit.move_id
                """,
                collected=self.env["collection.receivable"]._get_collected_sql(
                    SQL("partial.amount"), "payment"
                ),
                refunds=tuple(refund_ids),
                journal_counts=self._get_journal_condition(),
            )
        )
        # what is left to take back: paid back, less what was taken already
        left = {
            refund_id: float(paid_back) + taken.get(refund_id, 0.0)
            for refund_id, paid_back in self.env.cr.fetchall()
        }
        clipped = []
        for row in rows:
            if not row[12]:
                clipped.append(row)
                continue
            amount = min(-float(row[1]), max(left.get(row[13], 0.0), 0.0))
            left[row[13]] = left.get(row[13], 0.0) - amount
            if amount > 0:
                clipped.append((row[0], -amount, *row[2:]))
        return clipped

    @api.model
    def _record_credit_notes(self, refunds):
        """Posting a credit note of a commissioned invoice takes back, at the
        invoice's average factor, the commission on what it cancels beyond
        what was still open (docs/commission.md): that part was collected."""
        refunds = refunds.filtered(
            lambda r: (
                r.move_type == "out_refund" and r.reversed_entry_id.commission_user_id
            )
        )
        if not refunds:
            return self.browse()
        self.env.flush_all()
        factors = self._get_average_factors(refunds.reversed_entry_id.ids)
        net = dict(
            self.sudo()._read_group(
                [
                    ("move_id", "in", refunds.reversed_entry_id.ids),
                    ("state", "=", "earned"),
                ],
                ["move_id"],
                ["collected:sum"],
            )
        )
        values = []
        for refund in refunds:
            invoice = refund.reversed_entry_id
            receivable = invoice.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            applied = sum(
                partial.amount
                for partial in receivable.matched_credit_ids
                if partial.credit_move_id.move_id == refund
            )
            excess = (
                -refund.amount_total_signed - applied - invoice.amount_residual_signed
            )
            excess = min(excess, net.get(invoice, 0.0))
            if refund.company_currency_id.compare_amounts(excess, 0.0) <= 0:
                continue
            total = -refund.amount_total_signed
            base = excess * -refund.amount_untaxed_signed / total if total else 0.0
            rate, factor = invoice.commission_rate, factors.get(invoice.id, 0.0)
            values.append(
                {
                    "company_id": refund.company_id.id,
                    "user_id": invoice.commission_user_id.id,
                    "move_id": invoice.id,
                    "partner_id": invoice.commercial_partner_id.id,
                    "credit_note_id": refund.id,
                    "payment_line_id": refund.line_ids.filtered(
                        lambda line: line.account_type == "asset_receivable"
                    )[:1].id,
                    "kind": "clawback",
                    "payment_date": refund.date,
                    "days_late": 0,
                    "collected": -round(excess, 2),
                    "base": -round(base, 2),
                    "rate": rate,
                    "factor": factor,
                    "commission": commission_amount(-base, rate, factor),
                    "state": "earned",
                    "settlement_id": False,
                }
            )
        return as_module(self).create(values)

    @api.model
    def _undo_credit_notes(self, refunds):
        """A credit note leaving *posted* gives back what its posting took."""
        self._undo_entries(
            as_module(self).search(
                [
                    ("credit_note_id", "in", refunds.ids),
                    ("partial_id", "=", False),
                    ("state", "=", "earned"),
                    ("reversed_entry_id", "=", False),
                ]
            )
        )

    @api.model
    def _get_journal_condition(self):
        """SQL over `journal`, the payment's: the company's commission
        journals, else every bank and cash journal."""
        return SQL(
            """
            CASE WHEN EXISTS (
                     SELECT 1 FROM account_journal_res_company_commission_rel rel
                      WHERE rel.res_company_id = journal.company_id)
                 THEN EXISTS (
                     SELECT 1 FROM account_journal_res_company_commission_rel rel
                      WHERE rel.res_company_id = journal.company_id
                        AND rel.account_journal_id = journal.id)
                 ELSE journal.type IN ('bank', 'cash') END
            """
        )

    @api.model
    def _get_average_factors(self, move_ids):
        """{invoice id: the factor its earned commission was paid at, on
        average}: what a refunded credit note takes back."""
        if not move_ids:
            return {}
        result = {}
        for move, base, commission, rate in self.sudo()._read_group(
            [
                ("move_id", "in", move_ids),
                ("kind", "=", "payment"),
                ("state", "=", "earned"),
            ],
            ["move_id"],
            ["base:sum", "commission:sum", "rate:max"],
        ):
            if base and rate:
                result[move.id] = commission / (base * rate / 100.0) * 100.0
        return result

    @api.model
    def _undo(self, partials):
        """The payments of `partials` are unmatched: their entries not yet
        settled are undone (taken out of a draft settlement); a settled one
        (confirmed or paid) is taken back by a claw-back entry the next
        settlement pays negative."""
        self._undo_entries(
            as_module(self).search(
                [("partial_id", "in", partials.ids), ("state", "=", "earned")]
            )
        )

    @api.model
    def _undo_entries(self, entries):
        """Entries whose cause is gone: not yet settled, undone (and taken out
        of a draft settlement); settled, taken back by an entry of the
        opposite sign for the next settlement."""
        if not entries:
            return
        settled = entries.filtered(
            lambda entry: entry.settlement_id.state in ("confirmed", "paid")
        )
        undone = entries - settled
        # out of a draft settlement: it was never paid
        self.env["collection.commission.settlement.line"].sudo().search(
            [("entry_id", "in", undone.ids), ("settlement_id.state", "=", "draft")]
        ).unlink()
        undone.write({"state": "cancelled", "settlement_id": False})
        today = self.env["collection.receivable"]._get_today()
        as_module(self).create(
            [
                {
                    "company_id": entry.company_id.id,
                    "user_id": entry.user_id.id,
                    "move_id": entry.move_id.id,
                    "partner_id": entry.partner_id.id,
                    "payment_line_id": entry.payment_line_id.id,
                    "kind": "clawback",
                    "payment_date": today,
                    "due_date": entry.due_date,
                    "days_late": entry.days_late,
                    "collected": -entry.collected,
                    "base": -entry.base,
                    "rate": entry.rate,
                    "factor": entry.factor,
                    "commission": -entry.commission,
                    "reversed_entry_id": entry.id,
                    "credit_note_id": entry.credit_note_id.id,
                    "state": "earned",
                    "settlement_id": False,
                }
                for entry in settled
            ]
        )
        settled.write({"partial_id": False})


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        self.env["collection.commission.entry"]._record(partials)
        return partials

    def unlink(self):
        self.env["collection.commission.entry"]._undo(self)
        return super().unlink()
