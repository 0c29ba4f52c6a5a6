from datetime import date, timedelta

from odoo import models

# Every invoice day of a leap year: the longest delay a term can give.
REFERENCE_DAYS = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    def _collection_get_days(self):
        """The most days these terms give between an invoice date and its last
        installment, over every kind of line (days after, end of month, end of
        next month, day of the next month): the worst invoice date of a year."""
        self.ensure_one()
        return max(
            (
                (line._get_due_date(day) - day).days
                for line in self.line_ids
                for day in REFERENCE_DAYS
            ),
            default=0,
        )
