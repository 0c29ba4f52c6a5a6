from odoo import _, api, models

from ..models.collection_receivable import COLLECTED_MOVE_TYPES
from ..models.collection_xlsx import CollectionWorkbook


class ReportCollectionStatement(models.AbstractModel):
    """The statement of account's values: the customer's open items with
    their late-payment charges."""

    _name = "report.credit_collection.report_collection_statement"
    _description = "Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "statements": {
                partner.id: self._get_statement(partner) for partner in partners
            },
        }

    @api.model
    def _get_statement(self, partner, date=None):
        """Open items of the customer at `date` for its statement of account:
        invoices with their late-payment charges, credit notes and payments
        not yet matched. Amounts in company currency."""
        partner.ensure_one()
        date = date or self.env["collection.receivable"]._get_today()
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", partner.commercial_partner_id.id),
                ("company_id", "in", partner._get_collection_companies().ids),
                *self.env["collection.receivable"]._get_open_item_domain(),
            ],
            order="date_maturity, id",
        )
        invoices = lines.move_id.filtered(lambda m: m.move_type in COLLECTED_MOVE_TYPES)
        charges = invoices._collection_get_charges(date)
        items = []
        for line in lines:
            move = line.move_id
            move_charges = charges.get(move.id, {})
            due = line.date_maturity or line.date
            items.append(
                {
                    "line": line,
                    "move": move,
                    "due": due,
                    "days_late": max((date - due).days, 0)
                    if line.amount_residual > 0
                    else 0,
                    "amount": line.balance,
                    "open": line.amount_residual,
                    "interest": move.currency_id._convert(
                        move_charges.get("interest", 0.0),
                        move.company_id.currency_id,
                        move.company_id,
                        date,
                    ),
                    "compensation": move_charges.get("compensation", 0.0),
                }
            )
            # charges belong to the invoice, not to each of its installments
            charges.pop(move.id, None)
        return {
            "date": date,
            "items": items,
            "open": sum(item["open"] for item in items),
            "overdue": sum(item["open"] for item in items if item["due"] < date),
            "interest": sum(item["interest"] for item in items),
            "compensation": sum(item["compensation"] for item in items),
        }

    @api.model
    def _get_xlsx(self, partner):
        """The statement of account as a spreadsheet: the same items and
        totals as its PDF, in the reader's language."""
        statement = self._get_statement(partner)
        book = CollectionWorkbook()
        headers = [
            _("Document"),
            _("Due Date"),
            _("Days Late"),
            _("Amount"),
            _("Open"),
            _("Interest"),
            _("Compensation"),
        ]
        sheet = book.add_sheet(
            _("Statement"),
            headers,
            title=_(
                "Statement of account of %(customer)s on %(date)s",
                customer=partner.commercial_partner_id.name,
                date=statement["date"].isoformat(),
            ),
            widths=[(0, 0, 22), (1, 1, 12), (2, 2, 10), (3, 6, 14)],
        )
        row = 3
        for item in statement["items"]:
            sheet.write(row, 0, item["move"].name)
            sheet.write_datetime(row, 1, item["due"], book.day)
            sheet.write_number(row, 2, item["days_late"])
            for column, key in enumerate(
                ("amount", "open", "interest", "compensation"), start=3
            ):
                sheet.write_number(row, column, item[key], book.money)
            row += 1
        sheet.write(row, 0, _("Total"), book.bold)
        for column, key in enumerate(("open", "interest", "compensation"), start=4):
            sheet.write_number(row, column, statement[key], book.money_total)
        return book.close()
