import html
import io
import re
from datetime import timedelta

import openpyxl

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestCollectionPortal(CollectionCommon, HttpCase):
    """The customer's side (docs/customer-portal.md): Boulangerie Martin's
    accountant on the portal, 1,000.00 overdue for ten days and 500.00 due in
    twenty; Transports Lefèvre's accountant beside, with 700.00 of its own.
    Self-service within 5,000.00, 30 days from the oldest due date, six
    installments over 180 days, 10 % down, 100.00 an installment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_roles_and_mandate(max_delay_days=60, max_credit_amount=10000)
        cls.policy = cls.create_policy(
            {"name": "Reminder", "days_after_due": 3}, portal_self_service=True
        )
        cls.customer.collection_user_id = cls.collector
        cls.today = fields.Date.today()
        cls.overdue = cls.create_invoice(
            cls.customer, 1000, cls.today - timedelta(days=10)
        )
        cls.not_due = cls.create_invoice(
            cls.customer, 500, cls.today + timedelta(days=20)
        )
        cls.other_invoice = cls.create_invoice(
            cls.other_customer, 700, cls.today - timedelta(days=5)
        )
        cls.accountant = cls._portal_user("elise", cls.customer)
        cls.other_accountant = cls._portal_user("other", cls.other_customer)
        cls.goods = cls.env["collection.reason"].search(
            [("is_dispute", "=", True)], limit=1
        )

    @classmethod
    def _portal_user(cls, login, customer):
        contact = cls.env["res.partner"].create(
            {
                "name": login.title(),
                "parent_id": customer.id,
                "email": f"{login}@x.example",
            }
        )
        return cls.env["res.users"].create(
            {
                "login": login,
                "password": login,
                "partner_id": contact.id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )

    def open_page(self, login="elise"):
        self.authenticate(login, login)
        response = self.url_open("/my/collection")
        self.assertEqual(response.status_code, 200)
        return response.text

    def post(self, path, data, files=None):
        """Post the form as the page sends it (its CSRF token); what the page
        then says: (message, error)."""
        page = self.url_open("/my/collection").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.url_open(path, data={"csrf_token": token, **data}, files=files)
        self.assertEqual(
            response.url.split("?")[0][-len("/my/collection") :], "/my/collection"
        )
        said = {
            kind: html.unescape(match.group(1)) if match else ""
            for kind, match in (
                (kind, re.search(rf'o_collection_{kind}"[^>]*>([^<]*)<', response.text))
                for kind in ("message", "error")
            )
        }
        return said["message"], said["error"]

    def test_the_statement_is_the_customers_own(self):
        page = self.open_page()
        self.assertIn(self.overdue.name, page)
        self.assertIn(self.not_due.name, page)
        self.assertNotIn(self.other_invoice.name, page)
        self.assertIn("1,500.00", page, "the total open")
        pdf = self.url_open("/my/collection/statement")
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        # the statement of account (Odoo's tests render a report's HTML)
        self.assertIn(self.overdue.name.encode(), pdf.content)
        self.assertNotIn(self.other_invoice.name.encode(), pdf.content)
        # the same statement as a spreadsheet
        xlsx = self.url_open("/my/collection/statement.xlsx")
        self.assertIn("spreadsheetml", xlsx.headers["Content-Type"])
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        rows = [
            [cell.value for cell in row]
            for row in sheet.iter_rows(min_row=4, max_col=7)
        ]
        statement = self.env[
            "report.credit_collection.report_collection_statement"
        ]._get_statement(self.customer)
        self.assertEqual(
            [row[0] for row in rows], [self.overdue.name, self.not_due.name, "Total"]
        )
        self.assertEqual([row[2] for row in rows[:2]], [10, 0], "days late")
        self.assertEqual([row[4] for row in rows], [1000.0, 500.0, 1500.0])
        self.assertEqual(
            (rows[0][5], rows[0][6]),
            (statement["items"][0]["interest"], statement["items"][0]["compensation"]),
        )
        self.assertGreater(rows[0][5], 0)
        other_page = self.open_page("other")
        self.assertIn(self.other_invoice.name, other_page)
        self.assertNotIn(self.overdue.name, other_page)
        other_xlsx = self.url_open("/my/collection/statement.xlsx").content
        other_rows = openpyxl.load_workbook(io.BytesIO(other_xlsx)).active
        self.assertEqual(other_rows.cell(4, 1).value, self.other_invoice.name)
        self.assertEqual(other_rows.cell(5, 1).value, "Total")
        # the letters and emails point there only where someone can log in
        self.assertTrue(
            self.customer._collection_portal_url().endswith("/my/collection")
        )
        nobody = self.env["res.partner"].create({"name": "Nobody", "is_company": True})
        self.assertFalse(nobody._collection_portal_url())
        self.logout()
        anonymous = self.url_open("/my/collection", allow_redirects=False)
        self.assertIn("/web/login", anonymous.headers.get("Location", ""))

    def test_a_dispute_with_its_document(self):
        self.open_page()
        message, error = self.post(
            "/my/collection/dispute",
            {
                "invoice_id": self.overdue.id,
                "reason_id": self.goods.id,
                "comment": "Ten bags were torn",
            },
            files={"documents": ("torn.jpg", b"\xff\xd8 a photo", "image/jpeg")},
        )
        self.assertFalse(error)
        self.assertIn(self.overdue.name, message)
        self.assertEqual(
            (
                self.overdue.collection_disputed,
                self.overdue.collection_reason_id,
                self.overdue.collection_dispute_user_id,
            ),
            (True, self.goods, self.accountant),
        )
        note = self.overdue.message_ids.filtered(
            lambda m: "Ten bags were torn" in (m.body or "")
        )
        self.assertEqual(note.author_id, self.accountant.partner_id)
        self.assertEqual(note.attachment_ids.mapped("name"), ["torn.jpg"])
        activity = self.overdue.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("disputes", activity.summary)
        # the page says so, and offers no second dispute of it
        page = self.url_open("/my/collection").text
        self.assertIn("Disputed since", page)
        # the collector looks into it, then rejects it with an answer: the
        # customer reads both, another customer neither
        invoice = self.overdue.with_user(self.collector)
        invoice.action_collection_review_dispute()
        self.assertIn("Dispute in review since", self.url_open("/my/collection").text)
        invoice.collection_dispute_answer = "The bags left our depot intact."
        invoice.action_collection_reject_dispute()
        page = self.url_open("/my/collection").text
        row = page[page.index('class="o_collection_dispute"') :]
        row = row[: row.index("</tr>")]
        self.assertIn(self.overdue.name, row)
        self.assertIn("Rejected", row)
        self.assertIn("The bags left our depot intact.", row)
        self.assertNotIn("The bags left our depot", self.open_page("other"))

    def test_what_is_not_the_customers_is_refused(self):
        self.open_page()
        for data in (
            # another customer's invoice, through a forged form
            {"invoice_id": self.other_invoice.id, "reason_id": self.goods.id},
            # a reason that is not a dispute
            {
                "invoice_id": self.overdue.id,
                "reason_id": self.env["collection.reason"]
                .search([("is_dispute", "=", False)], limit=1)
                .id,
            },
            {"invoice_id": "1 OR 1=1", "reason_id": self.goods.id},
        ):
            with self.subTest(data=data):
                message, error = self.post(
                    "/my/collection/dispute", {**data, "comment": "No"}
                )
                self.assertTrue(error)
                self.assertFalse(message)
        self.assertFalse(
            any((self.overdue | self.other_invoice).mapped("collection_disputed"))
        )
        _message, error = self.post(
            "/my/collection/promise",
            {
                "invoice_ids": self.other_invoice.id,
                "date": str(self.today + timedelta(days=5)),
            },
        )
        self.assertEqual(error, "Choose among your open invoices.")
        self.assertFalse(self.env["collection.promise"].search([]))

    def test_a_promise_within_the_rules_is_agreed_at_once(self):
        self.open_page()
        message, error = self.post(
            "/my/collection/promise",
            {
                "invoice_ids": self.overdue.id,
                "date": str(self.today + timedelta(days=15)),
            },
        )
        self.assertFalse(error)
        promise = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            (promise.state, promise.amount, promise.channel, promise.user_id),
            ("open", 1000.0, "portal", self.collector),
        )
        self.assertEqual(promise.date_due, self.today + timedelta(days=15))
        self.assertIn(promise.name, message)
        # its installment is paid from the invoice's page, the amount signed
        page = self.url_open("/my/collection").text
        anchor = re.search(r"<a[^>]*o_collection_pay_installment[^>]*>", page).group(0)
        link = html.unescape(re.search(r'href="([^"]+)"', anchor).group(1))
        self.assertIn(f"/my/invoices/{self.overdue.id}?", link)
        self.assertIn("amount=1000.0", link)
        invoice_page = self.url_open(link)
        self.assertEqual(
            invoice_page.url.split("?")[0].split("#")[0][
                -len(f"/my/invoices/{self.overdue.id}") :
            ],
            f"/my/invoices/{self.overdue.id}",
        )
        forged = self.url_open(link.replace("amount=1000.0", "amount=1.0"))
        self.assertFalse(
            forged.url.split("#")[0]
            .split("?")[0]
            .endswith(f"/my/invoices/{self.overdue.id}"),
            "a forged amount goes back to /my",
        )
        self.assertTrue(
            promise.message_ids.filtered(
                lambda m: "within the self-service rules" in (m.body or "")
            )
        )
        # confirmed by email to the accountant who agreed it, with its letter
        confirmation = promise.message_ids.filtered(
            lambda m: m.partner_ids == self.accountant.partner_id
        )
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.author_id, self.collector.partner_id)
        self.assertIn(promise.name, confirmation.subject)
        self.assertEqual(
            confirmation.attachment_ids.mapped("name"),
            [f"{promise.name.replace('/', '-')}.pdf"],
        )
        # and downloaded from the page, by its customer only
        self.assertIn(f"/my/collection/promise/{promise.id}/confirmation", page)
        letter = self.url_open(f"/my/collection/promise/{promise.id}/confirmation")
        self.assertEqual(letter.status_code, 200)
        self.assertIn(promise.name.encode(), letter.content)
        self.open_page("other")
        refused = self.url_open(f"/my/collection/promise/{promise.id}/confirmation")
        self.assertEqual(refused.status_code, 404)

    def test_a_plan_beyond_the_rules_waits_for_the_collector(self):
        self.open_page()
        # 1,500.00 in seven monthly installments, nothing down: too many, too
        # long, no down payment
        message, error = self.post(
            "/my/collection/promise",
            {
                "invoice_ids": [self.overdue.id, self.not_due.id],
                "installments": "7",
                "frequency": "monthly",
            },
        )
        self.assertFalse(error)
        promise = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.state, "draft")
        self.assertEqual(len(promise.line_ids), 7)
        self.assertEqual(promise.line_ids[0].amount, 214.29)
        self.assertEqual(promise.line_ids[-1].amount, 214.26, "the cents on the last")
        self.assertEqual(promise.date_due, self.today + timedelta(days=210))
        for reason in ("more than 6 installments", "longer than 180 days"):
            self.assertIn(reason, message)
            self.assertIn(reason, promise.activity_ids.note)
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        # the collector confirms it: the mandate decides, as for any promise
        promise.with_user(self.collector).action_confirm()
        self.assertIn(promise.state, ("open", "to_approve"))
        self.assertTrue(promise.decision_ids)

    def test_bad_input_is_refused_and_nothing_written(self):
        self.open_page()
        for data, expected in (
            (
                {"date": str(self.today - timedelta(days=1))},
                "A promised date cannot be in the past.",
            ),
            (
                {"installments": "3", "down_payment": "1000"},
                "The down payment is less than the whole amount of the plan.",
            ),
            ({"installments": "three"}, "Type a whole number of installments."),
            ({"installments": "1"}, "Choose the date you will pay."),
        ):
            with self.subTest(data=data):
                _message, error = self.post(
                    "/my/collection/promise", {"invoice_ids": self.overdue.id, **data}
                )
                self.assertEqual(error, expected)
        self.assertFalse(self.env["collection.promise"].search([]))
        # an invoice handed to an agency is settled with the agency
        agency = self.env["collection.handler"].create(
            {
                "partner_id": self.env["res.partner"]
                .create({"name": "Recouvrement Dupont", "is_company": True})
                .id,
                "commission_rate": 10.0,
            }
        )
        case = self.env["collection.case"].create(
            {"partner_id": self.customer.id, "handler_id": agency.id}
        )
        self.not_due.sudo().collection_case_id = case  # as placing it does
        form = self.url_open("/my/collection").text.split("o_collection_promise_form")[
            1
        ]
        self.assertNotIn(f'value="{self.not_due.id}"', form)
        _message, error = self.post(
            "/my/collection/promise",
            {
                "invoice_ids": self.not_due.id,
                "date": str(self.today + timedelta(days=5)),
            },
        )
        self.assertEqual(
            error,
            f"{self.not_due.name} are followed by Recouvrement Dupont: please "
            "settle them with them.",
        )
        self.assertFalse(self.env["collection.promise"].search([]))

    def test_the_customer_walks_the_portal(self):
        """From the portal's home: a promise within the rules, a plan beyond
        them, a dispute with a photo (static/tests/tours/)."""
        self.start_tour("/my", "credit_collection_portal", login="elise")
        promises = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)], order="id"
        )
        self.assertEqual(promises.mapped("state"), ["open", "draft"])
        self.assertEqual(promises[0].move_ids, self.overdue)
        self.assertEqual(promises[0].date_due, self.today + timedelta(days=15))
        self.assertEqual(promises[1].move_ids, self.not_due)
        self.assertEqual(len(promises[1].line_ids), 7)
        self.assertEqual(promises[1].activity_ids.user_id, self.collector)
        self.assertTrue(self.overdue.collection_disputed)
        self.assertEqual(
            self.overdue.message_ids.attachment_ids.mapped("name"), ["torn.jpg"]
        )

    def test_without_self_service_the_statement_only(self):
        self.policy.portal_self_service = False
        page = self.open_page()
        self.assertIn(self.overdue.name, page)
        self.assertNotIn("o_collection_promise_form", page)
        self.assertNotIn("o_collection_dispute_form", page)
