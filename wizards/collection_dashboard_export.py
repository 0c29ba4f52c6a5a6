from odoo import _, models
from odoo.tools.misc import format_date

from ..models.collection_xlsx import CollectionWorkbook


class CollectionDashboard(models.TransientModel):
    _inherit = "collection.dashboard"

    # ------------------------------------------------------------
    # EXPORT
    # ------------------------------------------------------------

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _(
                "Collection dashboard %(from)s - %(to)s.xlsx",
                **{"from": self.date_from, "to": self.date_to},
            ),
            self._get_xlsx(),
        )

    def _get_xlsx(self):
        """The dashboard's figures as a workbook (bytes): the company's, then
        a sheet by collector, by salesperson, the overdue by bucket and the
        dunnings by level."""
        self.ensure_one()
        book = CollectionWorkbook()
        title = _(
            "%(company)s: collection from %(from)s to %(to)s, in %(currency)s",
            company=self.company_id.name,
            currency=self.currency_id.name,
            **{
                "from": format_date(self.env, self.date_from),
                "to": format_date(self.env, self.date_to),
            },
        )
        columns = [
            ("receivables_start", book.money),
            ("receivables_end", book.money),
            ("current_end", book.money),
            ("overdue_end", book.money),
            ("credit_sales", book.money),
            ("collected", book.money),
            ("dso", book.days),
            ("dso_countback", book.days),
            ("best_dso", book.days),
            ("days_delinquent", book.days),
            ("cei", book.days),
            ("dunning_count", None),
            ("promises_kept", None),
            ("promises_broken", None),
            ("kept_rate", book.days),
        ]
        missing = {
            "dso": "has_sales",
            "best_dso": "has_sales",
            "days_delinquent": "has_sales",
            "cei": "has_cei",
            "kept_rate": "has_promises",
        }

        def value(record, field):
            if field in missing and not record[missing[field]]:
                return None
            return record[field]

        sheet = book.add_sheet(
            _("Company"), title=title, widths=[(0, 0, 30), (1, 1, 16)]
        )
        for row, (field, number_format) in enumerate(columns, start=2):
            sheet.write(row, 0, self._fields[field].get_description(self.env)["string"])
            if value(self, field) is not None:
                sheet.write_number(row, 1, value(self, field), number_format)
        Line = self.env["collection.dashboard.line"]
        for lines, name, label in (
            (self.collector_line_ids, _("By collector"), _("Collector")),
            (self.salesperson_line_ids, _("By salesperson"), _("Salesperson")),
        ):
            sheet = book.add_sheet(
                name,
                headers=[label]
                + [
                    Line._fields[field].get_description(self.env)["string"]
                    for field, _format in columns
                ],
                title=title,
                widths=[(0, 0, 28), (1, len(columns), 14)],
                frozen_columns=1,
            )
            for row, line in enumerate(lines, start=3):
                sheet.write(row, 0, line.name)
                for column, (field, number_format) in enumerate(columns, start=1):
                    if value(line, field) is not None:
                        sheet.write_number(
                            row, column, value(line, field), number_format
                        )
        for lines, name, headers, fields_ in (
            (
                self.bucket_line_ids,
                _("Overdue by bucket"),
                [_("Overdue"), _("Open Amount")],
                ["receivables_end"],
            ),
            (
                self.level_line_ids,
                _("Dunnings by level"),
                [_("Dunning Level"), _("Dunnings Sent"), _("Amount Dunned")],
                ["dunning_count", "amount_dunned"],
            ),
        ):
            sheet = book.add_sheet(
                name,
                headers=headers,
                title=title,
                widths=[(0, 0, 28), (1, 2, 16)],
                frozen_columns=1,
            )
            for row, line in enumerate(lines, start=3):
                sheet.write(row, 0, line.name)
                for column, field in enumerate(fields_, start=1):
                    sheet.write_number(
                        row,
                        column,
                        line[field],
                        book.money if field != "dunning_count" else None,
                    )
        return book.close()
