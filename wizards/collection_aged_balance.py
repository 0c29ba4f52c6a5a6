import io

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

# (first day overdue, last day overdue): not due, 1-30, ..., over 120
BUCKETS = [(None, 0), (1, 30), (31, 60), (61, 90), (91, 120), (121, None)]


class CollectionAgedBalance(models.TransientModel):
    _name = "collection.aged.balance"
    _description = "Aged Balance"

    date = fields.Date(
        string="At",
        required=True,
        default=fields.Date.context_today,
        help="The balance as it stood at the end of this day: payments and "
        "credit notes reconciled later are still open.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )

    @api.constrains("date", "company_id")
    def _check_date(self):
        today = self.env["collection.receivable"]._get_today()
        if any(wizard.date > today for wizard in self):
            raise ValidationError(
                _("The aged balance cannot be computed for a future day.")
            )
        # the book is read in SQL: the company must be one of the user's
        if any(wizard.company_id not in self.env.user.company_ids for wizard in self):
            raise ValidationError(_("You do not work for this company."))

    def action_export_xlsx(self):
        self.ensure_one()
        content, _count = self._generate_xlsx()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("Aged balance %(date)s.xlsx", date=self.date), content
        )

    def _get_balances(self):
        """[(partner id, [amount per bucket])] of the company's customers with
        an open balance at the date, in company currency: one query for the
        whole book. An item is open at the date for its amount less what was
        reconciled with it up to that day (its residual now, plus what was
        reconciled later); it ages from its due date."""
        self.ensure_one()
        columns = SQL(", ").join(
            SQL(
                "SUM(open_amount) FILTER (WHERE days BETWEEN %s AND %s)",
                low if low is not None else -(10**6),
                high if high is not None else 10**6,
            )
            for low, high in BUCKETS
        )
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH late AS (
                    -- reconciliations made after the day: undone for it
                    SELECT debit_move_id AS line_id, amount
                      FROM account_partial_reconcile
                     WHERE max_date > %(date)s AND company_id = %(company)s
                 UNION ALL
                    SELECT credit_move_id, -amount
                      FROM account_partial_reconcile
                     WHERE max_date > %(date)s AND company_id = %(company)s
                ), late_sum AS (
                    SELECT line_id, SUM(amount) AS amount FROM late GROUP BY line_id
                ), items AS (
                    SELECT line.partner_id,
                           %(date)s - COALESCE(line.date_maturity, line.date) AS days,
                           line.amount_residual + COALESCE(late_sum.amount, 0)
                           AS open_amount
                      FROM account_move_line line
                      JOIN account_account account ON account.id = line.account_id
                 LEFT JOIN late_sum ON late_sum.line_id = line.id
                     WHERE %(receivable)s
                       AND line.company_id = %(company)s
                       AND line.date <= %(date)s
                       AND line.partner_id IS NOT NULL
                       AND (NOT line.reconciled OR late_sum.line_id IS NOT NULL)
                )
                SELECT partner.commercial_partner_id, %(columns)s
                  FROM items
                  JOIN res_partner partner ON partner.id = items.partner_id
                 WHERE items.open_amount != 0
              GROUP BY partner.commercial_partner_id
                """,
                date=self.date,
                company=self.company_id.id,
                columns=columns,
                receivable=self.env[
                    "collection.receivable"
                ]._get_receivable_condition(),
            )
        )
        return [
            (partner_id, [float(amount or 0.0) for amount in amounts])
            for partner_id, *amounts in self.env.cr.fetchall()
        ]

    def _generate_xlsx(self):
        """The aged balance as a workbook (bytes) and its number of customers:
        a line per customer with their collector, the amounts per bucket of
        days overdue and the total, then the totals."""
        import xlsxwriter

        self.ensure_one()
        balances = self._get_balances()
        partners = (
            self.env["res.partner"]
            .with_company(self.company_id)
            .browse([partner_id for partner_id, _amounts in balances])
        )
        partners.fetch(["name", "collection_user_id", "user_id"])
        names = {partner.id: partner for partner in partners}
        balances.sort(key=lambda item: names[item[0]].name or "")

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Aged balance"))
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        total_money = workbook.add_format({"num_format": "#,##0.00", "bold": True})
        sheet.write(
            0,
            0,
            _(
                "%(company)s: aged balance at %(date)s, in %(currency)s",
                company=self.company_id.name,
                date=format_date(self.env, self.date),
                currency=self.company_id.currency_id.name,
            ),
            bold,
        )
        headers = [_("Customer"), _("Collector"), _("Salesperson")]
        headers += [
            _("Not due"),
            _("1-30 days"),
            _("31-60 days"),
            _("61-90 days"),
            _("91-120 days"),
            _("Older"),
            _("Total"),
        ]
        sheet.write_row(2, 0, headers, bold)
        totals = [0.0] * (len(BUCKETS) + 1)
        currency_round = self.company_id.currency_id.round
        row = 2
        for row, (partner_id, amounts) in enumerate(balances, start=3):
            partner = names[partner_id]
            sheet.write(row, 0, partner.name or "")
            sheet.write(row, 1, partner.collection_user_id.name or "")
            sheet.write(row, 2, partner.user_id.name or "")
            values = amounts + [sum(amounts)]
            for column, amount in enumerate(values):
                sheet.write_number(row, 3 + column, currency_round(amount), money)
                totals[column] += amount
        sheet.write(row + 1, 0, _("Total"), bold)
        for column, amount in enumerate(totals):
            sheet.write_number(row + 1, 3 + column, currency_round(amount), total_money)
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, 2, 20)
        sheet.set_column(3, 3 + len(BUCKETS), 14)
        sheet.freeze_panes(3, 1)
        workbook.close()
        return output.getvalue(), len(balances)
