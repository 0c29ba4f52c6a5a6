from odoo import api, models
from odoo.tools import SQL


class CollectionReceivable(models.AbstractModel):
    """The receivable book: what an open item of a customer invoice is and
    which of its due dates counts."""

    _name = "collection.receivable"
    _description = "Collection: Receivable Book"

    @api.model
    def _get_oldest_due_dates(self, moves):
        """{move id: due date of its oldest unpaid installment}, or of its
        oldest installment when every one is paid. With split payment terms
        `invoice_date_due` is the *last* installment's: delays and charges
        count from the first one left unpaid. One query for the recordset."""
        if not moves:
            return {}
        self.env["account.move.line"].flush_model(
            ["move_id", "display_type", "date_maturity", "amount_residual"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT move_id,
                       COALESCE(MIN(date_maturity) FILTER (WHERE amount_residual > 0),
                                MIN(date_maturity))
                  FROM account_move_line
                 WHERE move_id = ANY(%s)
                   AND display_type = 'payment_term'
                   AND balance > 0
              GROUP BY move_id
                """,
                moves.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _get_oldest_due_date(self, moves):
        """The oldest unpaid installment's due date among `moves`, or None."""
        return min(self._get_oldest_due_dates(moves).values(), default=None)
