from odoo import _, api, fields, models

from .collection_xlsx import CollectionWorkbook


class CollectionInsuranceDeclaration(models.Model):
    """The Insurance Deadlines report (PDF and XLSX) of insured invoices."""

    _inherit = "collection.insurance.declaration"

    @api.model
    def _get_deadlines_rows(self, moves):
        """The deadlines of insured invoices, by insurer and customer: each
        (label, date, missed) with `missed` when the date passed and the step
        it asks for was not taken."""
        today = self.env["collection.receivable"]._get_today()
        rows = []
        for move in moves.filtered("insurance_policy_id").sorted(
            lambda m: (
                m.insurance_policy_id.insurer_id.name or "",
                m.insurance_policy_id.name,
                m.commercial_partner_id.name or "",
                m.insurance_notify_date or fields.Date.today(),
                m.id,
            )
        ):
            # a lapsed cover is a notification that was missed
            lapsed = move.insurance_state == "lapsed"
            rows.append(
                {
                    "move": move,
                    "deadlines": [
                        (
                            kind,
                            date,
                            bool(
                                date
                                and date < today
                                and (pending or (lapsed and kind == "notify"))
                            ),
                        )
                        for kind, date, pending in move._get_insurance_deadlines()
                    ],
                }
            )
        return rows

    @api.model
    def _group_by_policy(self, rows):
        """[(policy, rows)] in the rows' order."""
        groups = {}
        for row in rows:
            groups.setdefault(row["move"].insurance_policy_id, []).append(row)
        return list(groups.items())

    @api.model
    def _get_deadlines_xlsx(self, moves):
        """The deadlines of `moves` as a workbook (bytes), the missed ones
        in red."""
        book = CollectionWorkbook()
        sheet = book.add_sheet(
            _("Deadlines"),
            headers=[
                _("Insurer"),
                _("Insurance Policy"),
                _("Customer"),
                _("Invoice"),
                _("Original Due Date"),
                _("Notify By"),
                _("Maximum Extension Until"),
                _("Stop Deliveries On"),
                _("Claim By"),
                _("State"),
                _("Open Amount"),
                _("Missed"),
            ],
            widths=[(0, 3, 22), (4, 10, 14), (11, 11, 30)],
        )
        states = dict(
            self.env["account.move"]
            ._fields["insurance_state"]
            ._description_selection(self.env)
        )
        labels = dict(
            self.env["collection.insurance.alert"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        for row, item in enumerate(self._get_deadlines_rows(moves), start=1):
            move = item["move"]
            policy = move.insurance_policy_id
            sheet.write(row, 0, policy.insurer_id.name)
            sheet.write(row, 1, policy.name)
            sheet.write(row, 2, move.commercial_partner_id.name)
            sheet.write(row, 3, move.name)
            if move.insurance_due_date:
                sheet.write_datetime(row, 4, move.insurance_due_date, book.day)
            for column, (_kind, date, missed) in enumerate(item["deadlines"], start=5):
                if date:
                    sheet.write_datetime(
                        row, column, date, book.missed if missed else book.day
                    )
            sheet.write(row, 9, states.get(move.insurance_state, ""))
            sheet.write_number(row, 10, move.amount_residual_signed, book.money)
            sheet.write(
                row,
                11,
                ", ".join(
                    labels[kind] for kind, _date, missed in item["deadlines"] if missed
                ),
            )
        return book.close()
