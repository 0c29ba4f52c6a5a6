from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, tagged

from odoo.addons.credit_collection.models.collection_charges import (
    b2c_damages,
    b2c_wait_end,
)

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestLatePaymentCharges(CollectionCommon):
    """Every rule of docs/interest-and-compensation.md, to the cent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        # Only the rates the module ships (the demo data adds the current half-year).
        cls.env["collection.interest.rate"].search(
            [("date_start", ">", "2026-01-01")]
        ).unlink()

    def charges(self, invoice, at):
        return invoice._collection_get_charges(date.fromisoformat(at))[invoice.id]

    def test_the_managers_are_reminded_of_the_next_rate(self):
        Rate = self.env["collection.interest.rate"]
        latest = Rate.search([], limit=1)
        self.assertEqual(str(latest.date_start), "2026-01-01")
        # more than two weeks before 1 July: nothing yet
        with freeze_time("2026-06-10"):
            Rate._cron_remind_next_rate()
        self.assertFalse(latest.activity_ids)
        self.manager.lang = "en_US"
        with freeze_time("2026-06-20"):
            Rate._cron_remind_next_rate()
            Rate._cron_remind_next_rate()
        reminders = latest.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(len(reminders), 1, "once per half-year and manager")
        self.assertEqual(str(reminders.date_deadline), "2026-07-01")
        self.assertIn("07/01/2026", reminders.summary)
        self.assertIn("ecb.europa.eu", reminders.note)
        # once added, the half-year needs nothing more
        Rate.create({"date_start": "2026-07-01", "ecb_rate": 2.15})
        latest.activity_ids.action_done()
        with freeze_time("2026-06-25"):
            Rate._cron_remind_next_rate()
        self.assertFalse(latest.activity_ids)

    def test_worked_example_france(self):
        # 10,000.00 due 2025-03-31, paid in full 2025-05-15: 45 days at 13.15 %.
        invoice = self.create_invoice(self.customer, 10000, "2025-03-31")
        self.pay(invoice, 10000, "2025-05-15")
        charges = self.charges(invoice, "2025-06-30")
        self.assertEqual(charges["interest"], 162.12)
        self.assertEqual(charges["compensation"], 40.0)
        self.assertEqual(charges["open"], 0.0)

    def test_paid_on_the_due_date_costs_nothing(self):
        invoice = self.create_invoice(self.customer, 10000, "2025-03-31")
        self.pay(invoice, 10000, "2025-03-31")
        charges = self.charges(invoice, "2025-06-30")
        self.assertEqual((charges["interest"], charges["compensation"]), (0.0, 0.0))

    def test_paid_the_day_after(self):
        # One day at 13.15 %: 10,000 * 13.15 / 100 / 365 = 3.6027
        invoice = self.create_invoice(self.customer, 10000, "2025-03-31")
        self.pay(invoice, 10000, "2025-04-01")
        charges = self.charges(invoice, "2025-06-30")
        self.assertEqual((charges["interest"], charges["compensation"]), (3.60, 40.0))

    def test_partial_payments_across_a_half_year(self):
        # 10,000 due 2025-06-20; 4,000 paid 2025-06-25, 6,000 paid 2025-07-10.
        # 5 days on 10,000 and 5 days on 6,000 at 13.15 % (H1: 3.15 + 10),
        # then 10 days on 6,000 at 12.15 % (H2: 2.15 + 10):
        # (657,500 + 394,500 + 729,000) / 36,500 = 48.7945
        invoice = self.create_invoice(self.customer, 10000, "2025-06-20")
        self.pay(invoice, 4000, "2025-06-25")
        self.pay(invoice, 6000, "2025-07-10")
        self.assertEqual(self.charges(invoice, "2025-12-31")["interest"], 48.79)
        # Counted at a date between the payments, only the days up to it.
        # 5 days on 10,000 + 5 on 6,000 + 4 days on 6,000 at 12.15 %
        self.assertEqual(self.charges(invoice, "2025-07-04")["interest"], 36.81)

    def test_leap_year_still_counts_365_days(self):
        # 29 February and 1 March 2024 at 14.50 % (4.50 + 10).
        invoice = self.create_invoice(self.customer, 10000, "2024-02-28")
        self.pay(invoice, 10000, "2024-03-01")
        self.assertEqual(self.charges(invoice, "2024-03-31")["interest"], 7.95)

    def test_credit_note_was_never_owed(self):
        # 1,000 due 2025-03-31, 200 credited, 800 paid 2025-04-30:
        # 30 days on 800 at 13.15 % = 8.6466
        invoice = self.create_invoice(self.customer, 1000, "2025-03-31")
        credit_note = self.create_invoice(
            self.customer, 200, "2025-04-10", "out_refund"
        )
        self.reconcile(invoice, credit_note)
        self.pay(invoice, 800, "2025-04-30")
        self.assertEqual(self.charges(invoice, "2025-05-31")["interest"], 8.65)

    def test_foreign_currency_interest_in_invoice_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2025-01-01", 2.0)])
        invoice = self.create_invoice(self.customer, 1000, "2025-03-31", currency=eur)
        charges = self.charges(invoice, "2025-04-30")
        # 30 days on 1,000 EUR at 13.15 %: 10.808 EUR; 40.00 in company currency.
        self.assertEqual(charges["interest"], 10.81)
        self.assertEqual(charges["open"], 1000.0)
        self.assertEqual(charges["compensation"], 40.0)

    def test_modes_belgium_eu_contract(self):
        invoice = self.create_invoice(self.customer, 10000, "2025-03-31")
        self.pay(invoice, 10000, "2025-05-15")
        company = self.env.company
        company.collection_interest_mode = "be"  # published 11.50 %
        self.assertEqual(self.charges(invoice, "2025-06-30")["interest"], 141.78)
        company.collection_interest_mode = "eu"  # 3.15 + 8 = 11.15 %
        self.assertEqual(self.charges(invoice, "2025-06-30")["interest"], 137.47)
        company.collection_interest_mode = "contract"
        company.collection_interest_rate = 12.0
        self.assertEqual(self.charges(invoice, "2025-06-30")["interest"], 147.95)

    def test_a_french_contractual_rate_is_never_below_three_times_the_legal_rate(
        self,
    ):
        company = self.env.company
        company.write(
            {
                "account_fiscal_country_id": self.env.ref("base.fr").id,
                "collection_interest_mode": "contract",
                "collection_interest_rate": 7.0,
            }
        )
        # 10,000.00 due 2026-01-31, paid 2026-03-02: 30 days at 3 x 2.62 % =
        # 7.86 %, not the contract's 7.00 %: 64.60 (57.53 at 7.00 %)
        invoice = self.create_invoice(self.customer, 10000, "2026-01-31")
        self.pay(invoice, 10000, "2026-03-02")
        self.assertEqual(self.charges(invoice, "2026-03-31")["interest"], 64.60)
        # a contractual rate above the floor is the contract's: 9.00 %, 73.97
        company.collection_interest_rate = 9.0
        self.assertEqual(self.charges(invoice, "2026-03-31")["interest"], 73.97)
        # each half-year its own floor: due 2025-06-15, paid 2025-07-15, 15 days
        # at 3 x 3.71 = 11.13 %, then 15 days at 3 x 2.76 = 8.28 %: 79.77
        company.collection_interest_rate = 7.0
        straddling = self.create_invoice(self.customer, 10000, "2025-06-15")
        self.pay(straddling, 10000, "2025-07-15")
        self.assertEqual(self.charges(straddling, "2025-07-31")["interest"], 79.77)
        # a Belgian company's contract is its own: 7.00 %, 57.53
        company.account_fiscal_country_id = self.env.ref("base.be")
        self.assertEqual(self.charges(invoice, "2026-03-31")["interest"], 57.53)
        # without the half-year's legal rate a French company is told, not
        # charged the contract's rate alone
        company.account_fiscal_country_id = self.env.ref("base.fr")
        self.env.ref("credit_collection.interest_rate_2026_h1").fr_legal_rate = 0.0
        with self.assertRaisesRegex(UserError, "No French legal interest rate"):
            self.charges(invoice, "2026-03-31")

    def test_only_a_manager_enters_the_french_legal_rate(self):
        self.create_roles_and_mandate()
        rate = self.env.ref("credit_collection.interest_rate_2026_h1")
        for role in ("collector", "salesperson", "plain"):
            with self.assertRaises(AccessError, msg=role):
                self.as_role(role, rate).fr_legal_rate = 0.5
            with self.assertRaises(AccessError, msg=role):
                self.as_role(role, rate).create(
                    {"date_start": "2026-07-01", "ecb_rate": 2.15, "fr_legal_rate": 0.5}
                )
        self.assertEqual(rate.fr_legal_rate, 2.62)
        self.as_role("manager", rate).fr_legal_rate = 2.63
        self.assertEqual(rate.fr_legal_rate, 2.63)

    def test_a_french_contract_reminds_the_managers_of_the_legal_rate(self):
        Rate = self.env["collection.interest.rate"]
        self.manager.lang = "en_US"
        Rate.create({"date_start": "2026-07-01", "ecb_rate": 2.15})
        latest = Rate.search([], limit=1)
        # the half-year entered without its legal rate: enough in mode fr
        with freeze_time("2026-06-20"):
            Rate._cron_remind_next_rate()
        self.assertFalse(latest.activity_ids)
        self.env.company.write(
            {
                "account_fiscal_country_id": self.env.ref("base.fr").id,
                "collection_interest_mode": "contract",
                "collection_interest_rate": 7.0,
            }
        )
        with freeze_time("2026-06-20"):
            Rate._cron_remind_next_rate()
        reminder = latest.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(str(reminder.date_deadline), "2026-07-01")
        self.assertIn("legifrance.gouv.fr", reminder.note)
        # entered: nothing more
        latest.fr_legal_rate = 2.50
        latest.activity_ids.action_done()
        with freeze_time("2026-06-25"):
            Rate._cron_remind_next_rate()
        self.assertFalse(latest.activity_ids)

    def test_belgian_rate_rounds_up_to_the_half_point(self):
        Rate = self.env["collection.interest.rate"].with_user(self.manager)
        Rate.create({"date_start": "2026-07-01", "ecb_rate": 2.40})
        annual_rate = Rate._get_annual_rates("be")
        self.assertEqual(annual_rate(date(2026, 8, 1)), 10.5)  # 10.40 rounded up
        self.assertEqual(annual_rate(date(2025, 2, 1)), 11.5)  # as published
        self.assertEqual(Rate._get_annual_rates("fr")(date(2026, 12, 31)), 12.40)

    def test_missing_rate_is_a_clear_error(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-06-15")
        with self.assertRaisesRegex(UserError, "No late-payment reference rate"):
            self.charges(invoice, "2026-07-15")
        # and the invoice form shows it instead of failing
        with freeze_time("2026-07-15"):
            invoice.invalidate_recordset(["collection_charges_warning"])
            self.assertIn("07/01/2026", invoice.collection_charges_warning)
            self.assertEqual(invoice.collection_interest_amount, 0.0)

    def test_interest_already_invoiced_is_not_counted_again(self):
        invoice = self.create_invoice(self.customer, 10000, "2025-03-31")
        invoice.sudo().write(  # as a posted charge invoice would
            {
                "collection_interest_invoiced_until": "2025-04-30",
                "collection_compensation_invoiced": True,
            }
        )
        # 30 days already invoiced; 15 days left on 10,000 at 13.15 % = 54.04
        charges = self.charges(invoice, "2025-05-15")
        self.assertEqual((charges["interest"], charges["compensation"]), (54.04, 0.0))

    def test_reference_rate_starts_a_half_year(self):
        with self.assertRaisesRegex(ValidationError, "1 January or 1 July"):
            self.env["collection.interest.rate"].with_user(self.manager).create(
                {"date_start": "2026-03-01", "ecb_rate": 2.0}
            )
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env["collection.interest.rate"].with_user(self.manager).create(
                {"date_start": "2026-07-01", "ecb_rate": 2.0, "fr_legal_rate": -1.0}
            )


@tagged("post_install", "-at_install")
class TestBelgianConsumerRules(BaseCase):
    """The consumer rules are pure functions: no database."""

    def test_damages_brackets(self):
        self.assertEqual(b2c_damages(100), 20.0)
        self.assertEqual(b2c_damages(150), 20.0)
        self.assertAlmostEqual(b2c_damages(151), 30.10)
        self.assertAlmostEqual(b2c_damages(500), 65.0)
        self.assertAlmostEqual(b2c_damages(1000), 90.0)
        self.assertEqual(b2c_damages(100000), 2000.0)

    def test_fourteen_days_after_the_first_reminder(self):
        # Electronic on Monday 2 March: from 3 to 16 March.
        self.assertEqual(
            b2c_wait_end(date(2026, 3, 2), postal=False), date(2026, 3, 16)
        )
        # Postal on Thursday 5 March: from the 3rd working day, Tuesday 10 March.
        self.assertEqual(b2c_wait_end(date(2026, 3, 5), postal=True), date(2026, 3, 23))
