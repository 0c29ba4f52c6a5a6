from odoo import models
from odoo.tools import SQL

from .collection_receivable import COLLECTED_MOVE_TYPES


class AccountMove(models.Model):
    """Original due dates (docs/README.md): each installment keeps the due
    date it was first posted with; every lateness counts from it, and a
    later due date is an extension decided through the writer's mandate."""

    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._collection_freeze_due_dates()
        # posted again with a later due date: an extension, through the mandate
        posted._collection_request_due_date_change()
        return posted

    def _collection_freeze_due_dates(self):
        """Keep each installment's due date as first posted (docs/README.md,
        original due dates): every lateness counts from it, and a later due
        date written since, or an invoice reset and posted again with new
        installments, changes nothing until an extension is allowed. The
        first posting's dates are kept on the invoice; an installment posted
        again takes the date of the same rank, unless its own is earlier."""
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH ranked AS (
                    SELECT line.id, line.move_id, line.date_maturity,
                           ROW_NUMBER() OVER (
                               PARTITION BY line.move_id
                               ORDER BY line.date_maturity, line.id
                           ) - 1 AS rank
                      FROM account_move_line line
                      JOIN account_account account ON account.id = line.account_id
                     WHERE account.account_type = 'asset_receivable'
                       AND line.move_id = ANY(%(ids)s)
                )
                UPDATE account_move_line line
                   SET insurance_due_date = LEAST(
                           ranked.date_maturity,
                           (dates ->> LEAST(
                               ranked.rank::int, jsonb_array_length(dates) - 1
                           ))::date
                       )
                  FROM ranked
                  JOIN account_move move ON move.id = ranked.move_id,
                       LATERAL (
                           SELECT move.collection_original_due_dates AS dates
                       ) first
                 WHERE line.id = ranked.id
                   AND line.insurance_due_date IS NULL
                """,
                ids=self.ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move
                   SET collection_original_due_dates = dates.dates
                  FROM (
                      SELECT line.move_id,
                             jsonb_agg(line.insurance_due_date
                                       ORDER BY line.insurance_due_date, line.id)
                                 AS dates
                        FROM account_move_line line
                        JOIN account_account account ON account.id = line.account_id
                       WHERE account.account_type = 'asset_receivable'
                         AND line.move_id = ANY(%(ids)s)
                    GROUP BY line.move_id
                  ) dates
                 WHERE move.id = dates.move_id
                   AND move.collection_original_due_dates IS NULL
                """,
                ids=self.ids,
            )
        )
        self.env["account.move.line"].invalidate_model(["insurance_due_date"])
        self.invalidate_recordset(["collection_original_due_dates"])

    def _collection_request_due_date_change(self):
        """A posted invoice's due date written later than the one it was first
        posted with (core lets accounting write it, or reset and post again)
        is an extension: recorded as a delay decision by whoever wrote it,
        applied within their mandate, else waiting for a manager. Until then
        its lateness counts from the original due date: nobody gains a day by
        writing the field."""
        if self.env.su:
            return
        today = self.env["collection.receivable"]._get_today()
        Receivable = self.env["collection.receivable"]
        for move in self.filtered(
            lambda m: m.state == "posted" and m.move_type in COLLECTED_MOVE_TYPES
        ):
            lines = move.line_ids.filtered(Receivable._is_open_installment)
            written = min(filter(None, lines.mapped("date_maturity")), default=None)
            original = min(
                filter(None, lines.mapped("insurance_due_date")), default=None
            )
            extended = move.collection_extended_until
            if (
                not written
                or not original
                or written <= max(original, today)
                or (extended and written <= extended)
            ):
                continue
            self.env["collection.decision"]._request_due_date_change(
                move, written, original
            )
