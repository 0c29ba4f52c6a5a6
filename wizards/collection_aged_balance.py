import io

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from ..models.collection_analysis import ANALYSIS_BUCKETS


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
            _("Aged balance %(date)s.xlsx", date=self.date), self._generate_xlsx()
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

    def _generate_xlsx(self):
        """The aged balance as a workbook (bytes): a sheet per grouping chosen
        (customer with collector and salesperson, collector, salesperson of
        the invoices), the amounts per bucket of days overdue and the total,
        then the totals. Written row by row in constant memory."""
        import xlsxwriter

        self.ensure_one()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
        bold = workbook.add_format({"bold": True})
        header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        total_money = workbook.add_format(
            {"num_format": "#,##0.00", "bold": True, "top": 1}
        )
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
            sheet = workbook.add_worksheet(name)
            width = len(headers)
            sheet.set_column(0, 0, 36)
            sheet.set_column(1, width - 1, 22)
            sheet.set_column(width, width + len(buckets), 14)
            sheet.freeze_panes(3, 1)
            sheet.write(0, 0, title, bold)
            sheet.write_row(2, 0, headers + buckets + [_("Total")], header)
            totals = [0.0] * (len(buckets) + 1)
            row = 2
            for row, values in enumerate(self._get_rows(grouping), start=3):
                names = [value or "" for value in values[:width]]
                names[0] = names[0] or none[grouping]
                sheet.write_row(row, 0, names)
                for column, amount in enumerate(values[width:]):
                    amount = float(amount or 0.0)
                    sheet.write_number(
                        row, width + column, currency_round(amount), money
                    )
                    totals[column] += amount
            sheet.write(row + 1, 0, _("Total"), bold)
            for column, amount in enumerate(totals):
                sheet.write_number(
                    row + 1, width + column, currency_round(amount), total_money
                )
        workbook.close()
        return output.getvalue()
