import io
import zipfile

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date, formatLang

from .collection_xlsx import CollectionWorkbook


class CollectionCase(models.Model):
    """A case's file for its handler: the parties, the claim, its legal basis
    and its history, the same in the PDF and the spreadsheet; with the
    invoices and letters, as a ZIP."""

    _inherit = "collection.case"

    # ------------------------------------------------------------
    # WHAT THE FILE SAYS
    # ------------------------------------------------------------

    def _get_party_rows(self, partner):
        """(label, value) of a party as a court or an agency reads it."""
        partner = partner.commercial_partner_id
        contacts = partner.child_ids.filtered(
            lambda c: c.type in ("contact", "invoice")
        )
        return [
            (_("Legal Name"), partner.name),
            (_("Company Number"), partner.company_registry or ""),
            (_("VAT"), partner.vat or ""),
            (
                _("Address"),
                ", ".join(
                    filter(
                        None,
                        [
                            partner.street,
                            partner.street2,
                            " ".join(filter(None, [partner.zip, partner.city])),
                            partner.country_id.name,
                        ],
                    )
                ),
            ),
            (_("Email"), partner.email or ""),
            (_("Phone"), partner.phone or ""),
            (
                _("Contacts"),
                "; ".join(
                    ", ".join(filter(None, [c.name, c.function, c.email, c.phone]))
                    for c in contacts
                ),
            ),
        ]

    def _get_creditor_rows(self):
        company = self.company_id
        bank = company.partner_id.bank_ids[:1]
        return [
            *self._get_party_rows(company.partner_id),
            (_("Bank Account"), bank.acc_number or ""),
        ]

    def _get_claim_rows(self):
        """The amount claimed, broken down as a court asks it."""
        self.ensure_one()
        money = self.currency_id.format
        rates = sorted(set(self.line_ids.mapped("interest_rate")))
        return [
            (_("Principal"), money(self.amount_principal)),
            (
                _("Late-payment Interest"),
                _(
                    "%(amount)s at the rate of each half-year from each invoice's "
                    "due date (%(rate)s %% a year today)",
                    amount=money(self.amount_interest),
                    rate=", ".join(formatLang(self.env, rate) for rate in rates)
                    or formatLang(self.env, 0.0),
                ),
            ),
            (
                _("Fixed Compensation for Recovery Costs"),
                _(
                    "%(amount)s (%(count)s invoices)",
                    amount=money(self.amount_compensation),
                    count=len(self.line_ids.filtered("compensation")),
                ),
            ),
            (
                _("Penalty Clause"),
                money(self.penalty_amount)
                if self.penalty_amount
                else _("None claimed"),
            ),
            (_("Total Claimed"), money(self.amount_claimed)),
            (_("Legal Basis"), self._get_legal_basis()),
            *(
                [(_("Procedure"), self._get_procedure_basis())]
                if self._get_procedure_basis()
                else []
            ),
        ]

    def _get_insurance_rows(self):
        cover = self.partner_id.commercial_partner_id.with_company(self.company_id)
        policy = cover.insurance_policy_id
        if not policy:
            return []
        return [
            (_("Credit Insurer"), policy.insurer_id.name),
            (_("Policy Number"), policy.policy_number or ""),
            (_("Insurer's Buyer Reference"), cover.insurance_buyer_ref or ""),
        ]

    def _get_dunnings(self):
        """The dunnings sent for the case's invoices, oldest first."""
        return (
            self.env["collection.dunning.line"]
            .sudo()
            .search(
                [("move_id", "in", self.move_ids.ids), ("state", "=", "done")],
                order="date, id",
            )
            .dunning_id
        )

    def _get_promises(self):
        return (
            self.env["collection.promise"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("state", "not in", ("draft", "cancel")),
                ],
                order="date, id",
            )
        )

    def _get_supporting_documents(self):
        """What the handler (or the court) receives with the file."""
        documents = [
            _("Invoice %(name)s", name=name)
            for name in self.line_ids.move_id.mapped("name")
        ]
        documents += [
            _(
                "%(level)s of %(date)s",
                level=dunning.level_id.name,
                date=format_date(self.env, dunning.date),
            )
            for dunning in self._get_dunnings()
            if dunning.letter_attachment_id
        ]
        documents.append(_("Statement of account"))
        return documents

    # ------------------------------------------------------------
    # THE DOCUMENTS
    # ------------------------------------------------------------

    def action_print_file(self):
        return self.env.ref(
            "credit_collection.action_report_collection_case"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("%(name)s.xlsx", name=self.name.replace("/", "-")), self._get_xlsx()
        )

    def action_download_zip(self):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": _("%(name)s.zip", name=self.name.replace("/", "-")),
                "raw": self._get_zip(),
                "mimetype": "application/zip",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def _in_handler_language(self):
        """The case as its handler reads it: the file is written for them."""
        return self.with_context(lang=self.handler_partner_id.lang or self.env.lang)

    def _get_xlsx(self):
        self.ensure_one()
        return self._in_handler_language()._write_xlsx()

    def _write_xlsx(self):
        book = CollectionWorkbook()
        parties = book.add_sheet(
            _("Case"),
            title=_("Case %(name)s", name=self.name),
            widths=[(0, 0, 34), (1, 1, 70)],
        )
        row = 2
        for title, rows in (
            (_("Creditor"), self._get_creditor_rows()),
            (_("Debtor"), self._get_party_rows(self.partner_id)),
            (_("Claim Handed Over"), self._get_claim_rows()),
            (_("Credit Insurance"), self._get_insurance_rows()),
        ):
            if not rows:
                continue
            parties.write(row, 0, title, book.bold)
            row += 1
            for label, value in rows:
                parties.write(row, 0, label)
                parties.write(row, 1, value)
                row += 1
            row += 1
        invoices = book.add_sheet(
            _("Invoices"),
            [
                _("Invoice"),
                _("Invoice Date"),
                _("Due Date"),
                _("Days Late"),
                _("Amount"),
                _("Open"),
                _("Interest"),
                _("Annual Rate (%)"),
                _("Compensation"),
                _("Currency"),
                _("Disputed"),
                _("Customer's Reason"),
            ],
            widths=[(0, 0, 18), (1, 2, 12), (4, 8, 13), (11, 11, 40)],
        )
        for row, line in enumerate(self.line_ids, start=1):
            invoices.write(row, 0, line.move_id.name)
            for column, day in ((1, line.invoice_date), (2, line.due_date)):
                if day:
                    invoices.write_datetime(row, column, day, book.day)
            invoices.write_number(row, 3, line.days_late)
            invoices.write_number(row, 4, line.amount_total, book.money)
            invoices.write_number(row, 5, line.amount_open, book.money)
            invoices.write_number(row, 6, line.interest, book.money)
            invoices.write_number(row, 7, line.interest_rate, book.number)
            invoices.write_number(row, 8, line.compensation, book.money)
            invoices.write(row, 9, self.currency_id.name)
            invoices.write(row, 10, _("Yes") if line.disputed else _("No"))
            invoices.write(row, 11, line.reason or "")
        history = book.add_sheet(
            _("History"),
            [_("Date"), _("What"), _("Detail"), _("State")],
            widths=[(0, 0, 12), (1, 1, 24), (2, 2, 60), (3, 3, 14)],
        )
        for row, (day, what, detail, state) in enumerate(self._get_history(), start=1):
            history.write_datetime(row, 0, day, book.day)
            history.write(row, 1, what)
            history.write(row, 2, detail)
            history.write(row, 3, state)
        return book.close()

    def _get_history(self):
        """(date, what, detail, state) of the dunnings, calls, promises and
        disputes of the claim, oldest first: the file's history."""
        self.ensure_one()
        channels = dict(
            self.env["collection.level"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        promise_states = dict(
            self.env["collection.promise"]
            ._fields["state"]
            ._description_selection(self.env)
        )
        rows = [
            (
                dunning.date,
                _("Dunning"),
                _(
                    "%(level)s (%(channel)s), %(amount)s",
                    level=dunning.level_id.name,
                    channel=channels.get(dunning.channel, ""),
                    amount=dunning.currency_id.format(dunning.amount_total),
                ),
                _("Sent"),
            )
            for dunning in self._get_dunnings()
        ]
        for promise in self._get_promises():
            contact = f" ({promise.contact_name})" if promise.contact_name else ""
            rows.append(
                (
                    promise.date,
                    _("Payment plan") if promise.is_plan else _("Promise to pay"),
                    _(
                        "%(amount)s by %(date)s%(contact)s",
                        amount=promise.currency_id.format(promise.amount),
                        date=format_date(self.env, promise.date_due),
                        contact=contact,
                    ),
                    promise_states.get(promise.state, ""),
                )
            )
        for move in self.move_ids.filtered("collection_disputed"):
            rows.append(
                (
                    move.collection_dispute_date or move.invoice_date,
                    _("Dispute"),
                    _(
                        "%(invoice)s: %(reason)s",
                        invoice=move.name,
                        reason=move.collection_reason_id.name or "",
                    ),
                    _("Open"),
                )
            )
        return sorted(rows, key=lambda row: row[0])

    def _get_zip(self):
        """The file (PDF and XLSX), each invoice's PDF and each letter sent."""
        self.ensure_one()
        return self._in_handler_language()._write_zip()

    def _write_zip(self):
        if not self.line_ids:
            raise UserError(_("A case has its file once it is placed."))
        Report = self.env["ir.actions.report"]
        buffer = io.BytesIO()
        stem = self.name.replace("/", "-")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            pdf, _type = Report._render_qweb_pdf(
                "credit_collection.action_report_collection_case", self.ids
            )
            archive.writestr(f"{stem}.pdf", pdf)
            archive.writestr(f"{stem}.xlsx", self._get_xlsx())
            invoices, letters = _("Invoices"), _("Letters")
            for move in self.line_ids.move_id:
                pdf, _type = Report._render_qweb_pdf(
                    "account.account_invoices", move.ids
                )
                archive.writestr(f"{invoices}/{move.name.replace('/', '-')}.pdf", pdf)
            for dunning in self._get_dunnings().filtered("letter_attachment_id"):
                letter = dunning.letter_attachment_id.sudo()
                archive.writestr(f"{letters}/{letter.name}", letter.raw)
        return buffer.getvalue()
