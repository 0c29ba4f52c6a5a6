from odoo import _, models
from odoo.tools.misc import format_date

from .collection_xlsx import CollectionWorkbook


class CollectionInsuranceDeclaration(models.Model):
    """A declaration's documents for the insurer: its PDF and its XLSX."""

    _inherit = "collection.insurance.declaration"

    def action_print(self):
        return self.env.ref(
            "credit_collection.action_report_insurance_declaration"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("%(name)s.xlsx", name=self.name.replace("/", "-")), self._get_xlsx()
        )

    def _get_header_rows(self):
        """(label, value) of what the insurer reads before the invoices: the
        same in the PDF and in the spreadsheet."""
        self.ensure_one()
        types = dict(self._fields["declaration_type"]._description_selection(self.env))
        plan = self.promise_id
        rows = [
            (_("Declaration"), self.name),
            (_("Date"), format_date(self.env, self.date)),
            (_("Insurer"), self.policy_id.insurer_id.name),
            (_("Policy Number"), self.policy_number),
            (_("Buyer"), self.buyer_name),
            (_("VAT"), self.buyer_vat or ""),
            (_("Company Number"), self.buyer_registry or ""),
            (_("Insurer's Buyer Reference"), self.buyer_ref or ""),
            (
                _("Limit Granted"),
                self.limit_currency_id.format(self.limit_granted),
            ),
            (_("Type"), types[self.declaration_type]),
            (_("Non-payment Reason"), self.reason_id.name or ""),
            (_("Disputed"), _("Yes") if self.disputed else _("No")),
            (
                _("Payment Plan"),
                ", ".join(
                    f"{format_date(self.env, line.date)}: "
                    f"{plan.currency_id.format(line.amount)}"
                    for line in plan.line_ids
                )
                if plan
                else _("None"),
            ),
        ]
        if self.declaration_type == "extension":
            rows.append(
                (_("Extension Asked Until"), format_date(self.env, self.extension_date))
            )
        rows.append(
            (_("Amount Declared"), self.currency_id.format(self.amount_declared))
        )
        return rows

    def _get_xlsx(self):
        """The declaration as a workbook (bytes): its header, then a row per
        invoice."""
        book = CollectionWorkbook()
        sheet = book.add_sheet(_("Declaration"), widths=[(0, 0, 28), (1, 6, 16)])
        row = 0
        for label, value in self._get_header_rows():
            sheet.write(row, 0, label, book.bold)
            sheet.write(row, 1, value)
            row += 1
        row += 1
        sheet.write_row(
            row,
            0,
            [
                _("Invoice"),
                _("Invoice Date"),
                _("Due Date"),
                _("Amount"),
                _("Open Amount"),
                _("Currency"),
                _("Declared"),
            ],
            book.header,
        )
        sheet.freeze_panes(row + 1, 0)
        for line in self.line_ids:
            row += 1
            sheet.write(row, 0, line.move_id.name)
            sheet.write_datetime(row, 1, line.invoice_date, book.day)
            sheet.write_datetime(row, 2, line.due_date, book.day)
            sheet.write_number(row, 3, line.amount_total, book.money)
            sheet.write_number(row, 4, line.amount_open, book.money)
            sheet.write(row, 5, line.currency_id.name)
            sheet.write(row, 6, _("Yes") if line.declared else _("No"))
        return book.close()
