from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from ..models.collection_analysis import ANALYSIS_BUCKETS
from ..models.collection_xlsx import CollectionWorkbook


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
    by_customer = fields.Boolean(string="A Sheet by Customer", default=True)
    by_collector = fields.Boolean(string="A Sheet by Collector", default=True)
    by_salesperson = fields.Boolean(string="A Sheet by Salesperson", default=True)

    @api.constrains(
        "date", "company_id", "by_customer", "by_collector", "by_salesperson"
    )
    def _check_date(self):
        today = self.env["collection.receivable"]._get_today()
        if any(wizard.date > today for wizard in self):
            raise ValidationError(
                _("The aged balance cannot be computed for a future day.")
            )
        # the book is read in SQL: the company must be one of the user's
        if any(wizard.company_id not in self.env.user.company_ids for wizard in self):
            raise ValidationError(_("You do not work for this company."))
        if any(not wizard._get_groupings() for wizard in self):
            raise ValidationError(
                _("Choose at least one sheet: by customer, collector or salesperson.")
            )

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("Aged balance %(date)s.xlsx", date=self.date), self._get_xlsx()
        )

    def _get_groupings(self):
        """[(grouping, sheet name, headers)] of the sheets chosen."""
        self.ensure_one()
        groupings = [
            (
                self.by_customer,
                "customer",
                _("By customer"),
                [_("Customer"), _("Collector"), _("Salesperson")],
            ),
            (self.by_collector, "collector", _("By collector"), [_("Collector")]),
            (
                self.by_salesperson,
                "salesperson",
                _("By salesperson"),
                [_("Salesperson")],
            ),
        ]
        return [
            (key, name, headers) for chosen, key, name, headers in groupings if chosen
        ]

    def _get_rows(self, grouping):
        """The sheet's rows: the labels of the grouping then the open amount
        per bucket and the total, in company currency, one query over the
        analysis's book at the date, sorted by the first label."""
        self.ensure_one()
        labels, keys = {
            "customer": (
                "commercial.name, collector.name, manager.name",
                "commercial.id, commercial.name, collector.name, manager.name",
            ),
            "collector": ("collector.name", "item.collector_id, collector.name"),
            "salesperson": ("seller.name", "item.salesperson_id, seller.name"),
        }[grouping]
        columns = SQL(", ").join(
            SQL("SUM(item.amount) FILTER (WHERE item.bucket = %s)", key)
            for key, _label, _low, _high in ANALYSIS_BUCKETS
        )
        Analysis = self.env["collection.analysis"]
        Analysis._flush_book()
        self.env.cr.execute(
            SQL(
                """
                SELECT %(labels)s, %(columns)s, SUM(item.amount)
                  FROM (%(book)s) AS item
                  JOIN res_partner commercial ON commercial.id = item.partner_id
             LEFT JOIN res_users collector_user ON collector_user.id = item.collector_id
             LEFT JOIN res_partner collector ON collector.id = collector_user.partner_id
             LEFT JOIN res_users seller_user ON seller_user.id = item.salesperson_id
             LEFT JOIN res_partner seller ON seller.id = seller_user.partner_id
             LEFT JOIN res_users manager_user ON manager_user.id = commercial.user_id
             LEFT JOIN res_partner manager ON manager.id = manager_user.partner_id
              GROUP BY %(keys)s
              ORDER BY 1
                """,
                labels=SQL(labels),
                columns=columns,
                book=Analysis._get_query(self.date, self.company_id.ids),
                keys=SQL(keys),
            )
        )
        return self.env.cr.fetchall()

    def _get_xlsx(self):
        """The aged balance as a workbook (bytes): a sheet per grouping chosen
        (customer with collector and salesperson, collector, salesperson of
        the invoices), the amounts per bucket of days overdue and the total,
        then the totals. Written row by row in constant memory."""
        self.ensure_one()
        book = CollectionWorkbook(constant_memory=True)
        title = _(
            "%(company)s: aged balance at %(date)s, in %(currency)s",
            company=self.company_id.name,
            date=format_date(self.env, self.date),
            currency=self.company_id.currency_id.name,
        )
        selection = self.env["collection.analysis"]._fields["bucket"]
        labels = dict(selection._description_selection(self.env))
        buckets = [labels[key] for key, _label, _low, _high in ANALYSIS_BUCKETS]
        currency_round = self.company_id.currency_id.round
        none = {
            "customer": "",
            "collector": _("No collector"),
            "salesperson": _("No salesperson"),
        }
        for grouping, name, headers in self._get_groupings():
            width = len(headers)
            sheet = book.add_sheet(
                name,
                headers=headers + buckets + [_("Total")],
                title=title,
                widths=[
                    (0, 0, 36),
                    (1, width - 1, 22),
                    (width, width + len(buckets), 14),
                ],
                frozen_columns=1,
            )
            totals = [0.0] * (len(buckets) + 1)
            row = 2
            for row, values in enumerate(self._get_rows(grouping), start=3):
                names = [value or "" for value in values[:width]]
                names[0] = names[0] or none[grouping]
                sheet.write_row(row, 0, names)
                for column, amount in enumerate(values[width:]):
                    amount = float(amount or 0.0)
                    sheet.write_number(
                        row, width + column, currency_round(amount), book.money
                    )
                    totals[column] += amount
            sheet.write(row + 1, 0, _("Total"), book.bold)
            for column, amount in enumerate(totals):
                sheet.write_number(
                    row + 1, width + column, currency_round(amount), book.money_total
                )
        return book.close()
