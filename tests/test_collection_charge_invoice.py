from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestChargeInvoice(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        # the example of docs/interest-and-compensation.md, and a second
        # invoice still unpaid
        cls.paid_late = cls.create_invoice(cls.customer, 10000, "2025-03-31")
        cls.pay(cls.paid_late, 10000, "2025-05-15")
        cls.unpaid = cls.create_invoice(cls.customer, 1000, "2025-06-01")

    def charge(self, user=None):
        wizard = (
            self.env["collection.charge.wizard"]
            .with_user(user or self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({})
        )
        return wizard._action_create_invoices()

    def lines(self, invoice):
        return {
            (
                line.collection_charged_move_id,
                line.collection_charge_type,
            ): line.price_unit
            for line in invoice.invoice_line_ids
        }

    @freeze_time("2025-06-30")
    def test_one_invoice_per_customer_never_charging_twice(self):
        invoice = self.charge()
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(
            self.lines(invoice),
            {
                (self.paid_late, "interest"): 162.12,
                (self.paid_late, "compensation"): 40.0,
                # 29 days on 1,000 at 13.15 % = 10.4479
                (self.unpaid, "interest"): 10.45,
                (self.unpaid, "compensation"): 40.0,
            },
        )
        self.assertEqual(invoice.amount_total, 252.57)
        self.assertEqual(invoice.amount_tax, 0.0)
        # each line names the invoice it charges
        for line in invoice.invoice_line_ids:
            self.assertIn(line.collection_charged_move_id.name, line.name)
        # a draft charges (and waives) nothing yet, and blocks a second draft
        self.assertFalse(self.unpaid.collection_interest_invoiced_until)
        self.assertEqual(self.unpaid.collection_interest_amount, 10.45)
        with self.assertRaisesRegex(UserError, "still a draft"):
            self.charge()
        invoice.action_post()
        self.assertEqual(
            str(self.unpaid.collection_interest_invoiced_until), "2025-06-30"
        )
        self.assertTrue(self.unpaid.collection_compensation_invoiced)
        self.assertEqual(self.unpaid.collection_interest_amount, 0.0)
        with self.assertRaisesRegex(UserError, "Nothing to charge"):
            self.charge()

    def test_charge_lines_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["credit_collection"], ["fr_FR"]
        )
        self.customer.lang = "fr_FR"
        invoice = self.charge()
        compensation = invoice.invoice_line_ids.filtered(
            lambda line: (
                line.collection_charge_type == "compensation"
                and line.collection_charged_move_id == self.unpaid
            )
        )
        self.assertEqual(
            compensation.name,
            f"Indemnité forfaitaire pour frais de recouvrement, {self.unpaid.name}",
        )

    def test_next_charge_starts_where_the_last_ended(self):
        with freeze_time("2025-06-30"):
            first = self.charge()
            first.action_post()
        with freeze_time("2025-07-31"):
            second = self.charge()
        # Only July on the unpaid invoice: 31 days at 12.15 % = 10.3192
        self.assertEqual(self.lines(second), {(self.unpaid, "interest"): 10.32})
        self.assertIn("07/01/2025", second.invoice_line_ids.name)

    @freeze_time("2025-06-30")
    def test_cancelled_charges_can_be_charged_again(self):
        first = self.charge()
        first.action_post()
        first.button_draft()
        first.button_cancel()
        self.assertFalse(self.paid_late.collection_interest_invoiced_until)
        again = self.charge()
        self.assertEqual(again.amount_total, 252.57)
        again.action_post()
        # the cancelled one, reset and posted again, would charge the same days
        first.button_draft()
        with self.assertRaisesRegex(UserError, "already charged by"):
            first.action_post()

    @freeze_time("2025-06-30")
    def test_no_charge_for_days_to_come_nor_by_a_salesperson(self):
        wizard = (
            self.env["collection.charge.wizard"]
            .with_user(self.collector)
            .create({"partner_ids": self.customer.ids, "date": "2025-07-15"})
        )
        with self.assertRaisesRegex(UserError, "days still to come"):
            wizard.action_create_invoices()
        with self.assertRaises(AccessError):
            self.charge(user=self.salesperson)


@tagged("post_install", "-at_install")
class TestStatementOfAccount(CollectionCommon):
    @freeze_time("2025-06-30")
    def test_statement_lists_open_items_with_charges(self):
        self.env.company.collection_interest_mode = "fr"
        unpaid = self.create_invoice(self.customer, 1000, "2025-06-01")
        self.create_invoice(self.customer, 100, "2025-06-10", "out_refund")
        paid = self.create_invoice(self.customer, 500, "2025-05-01")
        self.pay(paid, 500, "2025-05-01")
        statement = self.env[
            "report.credit_collection.report_collection_statement"
        ]._get_statement(self.customer)
        self.assertEqual(statement["items"][0]["move"], unpaid)
        self.assertEqual(len(statement["items"]), 2)
        self.assertEqual(statement["open"], 900.0)
        self.assertEqual(statement["overdue"], 900.0)
        self.assertEqual(statement["interest"], 10.45)
        self.assertEqual(statement["compensation"], 40.0)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "credit_collection.report_collection_statement", self.customer.ids
            )[0]
            .decode()
        )
        self.assertIn(unpaid.name, html)
        self.assertIn("Statement of account", html)
        self.assertNotIn(paid.name, html)
