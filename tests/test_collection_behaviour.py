from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import SQL

from ..models import collection_behaviour as behaviour
from .common import ROLES, TODAY, CollectionCommon


@tagged("post_install", "-at_install")
class TestPaymentBehaviourRules(TransactionCase):
    """docs/payment-behaviour.md's rules as pure functions, and their SQL
    twins giving the same figures."""

    def test_index_grade_and_risk(self):
        index = behaviour.payment_index
        self.assertAlmostEqual(index(10), 73.33, places=2)
        self.assertEqual(
            [index(d) for d in (-30, -20, -2, 0, 15, 22, 30, 60, 90, 120, 200)],
            [100, 100, 82, 80, 70, 60, 50, 40, 30, 20, 20],
        )
        # the worked example: 1,000 paid 10 days late, 3,000 two days early
        customer = (1000 * index(10) + 3000 * index(-2)) / 4000
        self.assertAlmostEqual(customer, 79.83, places=2)
        self.assertEqual(behaviour.grade(customer), "A")
        self.assertEqual(
            [behaviour.grade(i) for i in (74.5, 74.4, 55, 54.4, 35, 34.4, None)],
            ["A", "B", "B", "C", "C", "D", None],
        )
        self.assertAlmostEqual(behaviour.risk("C", 45), 0.16)
        self.assertAlmostEqual(behaviour.risk(None, 0), 0.025)
        self.assertAlmostEqual(behaviour.risk("D", 400), 0.9, msg="capped")

    def test_the_sql_twins_agree(self):
        days = list(range(-40, 200, 3))
        rows = self.env.execute_query(
            SQL(
                "SELECT d, %s, %s, %s FROM unnest(%s::int[]) AS d",
                behaviour.payment_index_sql(SQL("d")),
                behaviour.grade_sql(behaviour.payment_index_sql(SQL("d"))),
                behaviour.risk_sql(SQL("'B'"), SQL("d")),
                days,
            )
        )
        for day, index, grade, risk in rows:
            self.assertAlmostEqual(float(index), behaviour.payment_index(day))
            self.assertEqual(grade, behaviour.grade(behaviour.payment_index(day)))
            self.assertAlmostEqual(float(risk), behaviour.risk("B", day))


class PaymentBehaviourCommon(CollectionCommon):
    """Built histories: the worked example, a good payer sliding, a steady
    late payer, a customer whose grade falls, one with disputes only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(TODAY):
            cls._build_histories()

    @classmethod
    def _build_histories(cls):
        Partner = cls.env["res.partner"]
        cls.customers = {
            name: Partner.create(
                {
                    "name": name,
                    "is_company": True,
                    "user_id": cls.salesperson.id,
                    "collection_user_id": cls.collector.id,
                }
            )
            for name in ("Example", "Sliding", "Steady", "Falling", "Disputing")
        }
        c = cls.customers
        # the worked example: 1,000 paid 10 days late, 3,000 two days early,
        # and 2,000 not yet due
        cls.pay(
            cls.create_invoice(c["Example"], 1000, "2026-02-01"), 1000, "2026-02-11"
        )
        cls.pay(
            cls.create_invoice(c["Example"], 3000, "2026-02-20"), 3000, "2026-02-18"
        )
        cls.create_invoice(c["Example"], 2000, "2026-04-10")
        # five payments a day early, then 12 days late on 13 March
        for due in (
            "2025-10-01",
            "2025-11-01",
            "2025-12-01",
            "2026-01-01",
            "2026-02-01",
        ):
            invoice = cls.create_invoice(c["Sliding"], 1000, due)
            cls.pay(invoice, 1000, date.fromisoformat(due) - timedelta(days=1))
        cls.late = cls.create_invoice(c["Sliding"], 1000, "2026-03-01")
        cls.pay(cls.late, 1000, "2026-03-13")
        # always 30 days late, and 1,000 overdue for 45 days
        for due in (
            "2025-05-01",
            "2025-07-01",
            "2025-09-01",
            "2025-11-01",
            "2026-01-01",
        ):
            invoice = cls.create_invoice(c["Steady"], 500, due)
            cls.pay(invoice, 500, date.fromisoformat(due) + timedelta(days=30))
        cls.create_invoice(c["Steady"], 1000, "2026-01-29")
        # 2,000 on time in November, 8,000 120 days late in March, 500 overdue
        cls.pay(
            cls.create_invoice(c["Falling"], 2000, "2025-11-10"), 2000, "2025-11-10"
        )
        cls.pay(
            cls.create_invoice(c["Falling"], 8000, "2025-11-10"), 8000, "2026-03-10"
        )
        cls.create_invoice(c["Falling"], 500, "2026-03-05")
        # two disputed invoices, nothing paid
        goods = cls.env["collection.reason"].search(
            [("is_dispute", "=", True)], limit=1
        )
        for amount in (1000, 500):
            invoice = cls.create_invoice(c["Disputing"], amount, "2026-02-15")
            invoice.with_user(cls.collector).collection_reason_id = goods
        cls.Score = cls.env["collection.customer.score"]

    @classmethod
    def paid(cls, partner, amount, due, day):
        """An invoice of `amount` due on `due`, paid in full on `day`."""
        invoice = cls.create_invoice(partner, amount, due)
        cls.pay(invoice, amount, day)
        return invoice

    def compute(self, day):
        with freeze_time(day):
            self.Score._compute_company(self.env.company)

    def score(self, name):
        return self.Score.search([("partner_id", "=", self.customers[name].id)])

    def alerts(self, name):
        return self.env["collection.score.alert"].search(
            [("partner_id", "=", self.customers[name].id)], order="kind"
        )


@tagged("post_install", "-at_install")
class TestPaymentBehaviour(PaymentBehaviourCommon, HttpCase):
    """The histories computed as the daily action does, with exact figures;
    the worklist's order and reasons, the alerts once per change, who reads
    what."""

    @freeze_time(TODAY)
    def test_the_worked_example(self):
        self.compute(TODAY)
        self.assertRecordValues(
            self.score("Example"),
            [
                {
                    "paid_90": 4000.0,
                    "days_late_90": 1.0,
                    "index_90": 80,
                    "index_365": 80,
                    "grade": "A",
                    "partial_share": 0.0,
                    "open_amount": 2000.0,
                    "overdue_amount": 0.0,
                    # not due yet: grade A 1 % x 0.5
                    "expected_loss": 10.0,
                }
            ],
        )

    @freeze_time(TODAY)
    def test_a_good_payer_sliding_is_told_once(self):
        self.compute("2026-03-10")
        self.assertFalse(self.alerts("Sliding"))
        self.compute(TODAY)
        score = self.score("Sliding")
        # 90 days: -1, -1 and 12 days late on 1,000 each; 12 months: five -1
        self.assertAlmostEqual(score.days_late_90, 3.3, places=1)
        self.assertAlmostEqual(score.days_late_365, 1.2, places=1)
        # indexes 81 x 5 and 72: 79.5, rounded to 80
        self.assertEqual((score.index_365, score.grade), (80, "A"))
        self.assertFalse(score.drifting, "2.2 days later: under the 10 days margin")
        (alert,) = self.alerts("Sliding")
        self.assertEqual(alert.kind, "late")
        self.assertEqual(
            alert.message,
            f"First late payment after 5 on time: $\xa01,000.00 on {self.late.name} "
            "paid 12 days late on 03/13/2026.",
        )
        customer = self.customers["Sliding"]
        activity = customer.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(activity.summary, "Payment behaviour: First late payment")
        note = customer.message_ids.filtered(
            lambda m: self.salesperson.partner_id in m.partner_ids
        )
        self.assertIn("First late payment after 5 on time", note.body)
        # computed again: nothing new
        self.compute(TODAY)
        self.assertEqual(len(self.alerts("Sliding")), 1)
        self.assertEqual(len(customer.activity_ids), 1)

    @freeze_time(TODAY)
    def test_a_steady_late_payer_raises_nothing(self):
        self.compute("2026-03-10")
        self.compute(TODAY)
        self.assertRecordValues(
            self.score("Steady"),
            [
                {
                    "days_late_365": 30.0,
                    "index_365": 50,
                    "grade": "C",
                    "overdue_amount": 1000.0,
                    "overdue_days": 45,
                    # grade C 8 % x 2 (31 to 60 days)
                    "expected_loss": 160.0,
                }
            ],
        )
        self.assertFalse(self.alerts("Steady"))
        self.assertEqual(self.score("Steady").reasons, "$\xa01,000.00 overdue, 45 days")

    @freeze_time(TODAY)
    def test_a_falling_grade_and_a_drift_are_told(self):
        self.compute("2026-03-01")
        self.assertEqual(self.score("Falling").grade, "A")
        self.compute(TODAY)
        score = self.score("Falling")
        # (2,000 x 80 + 8,000 x 20) / 10,000 = 32
        self.assertEqual(
            (score.index_365, score.grade, score.previous_grade), (32, "D", "A")
        )
        self.assertEqual((score.days_late_90, score.days_late_365), (120.0, 96.0))
        self.assertTrue(score.drifting)
        drift, grade = self.alerts("Falling")
        self.assertEqual(
            grade.message,
            "Grade A to D: payment index 32, 96.0 days late on average over 12 "
            "months (120.0 over 90 days).",
        )
        self.assertEqual(
            drift.message,
            "Paying later: 120.0 days late on average over 90 days against 96.0 "
            "over 12 months, +24.0 days more.",
        )
        self.assertIn("grade A to D", score.reasons)
        # D 20 % x 1 on 500 ten days overdue
        self.assertEqual(score.expected_loss, 100.0)

    @freeze_time(TODAY)
    def test_disputes_only_stay_apart(self):
        self.compute(TODAY)
        self.assertRecordValues(
            self.score("Disputing"),
            [
                {
                    "grade": False,
                    "open_disputes": 2,
                    "disputed_amount": 1500.0,
                    "overdue_amount": 0.0,
                    "expected_loss": 0.0,
                }
            ],
        )
        self.assertEqual(
            self.score("Disputing").reasons, "2 open disputes ($\xa01,500.00)"
        )

    @freeze_time(TODAY)
    def test_the_worklist_reads_in_the_order_to_call(self):
        self.compute(TODAY)
        worklist = self.Score.with_user(self.collector).search(
            [("partner_id", "in", [c.id for c in self.customers.values()])]
        )
        self.assertEqual(
            worklist.partner_id.mapped("name")[:3], ["Steady", "Falling", "Example"]
        )

    @freeze_time(TODAY)
    def test_who_reads_and_nobody_writes(self):
        self.compute(TODAY)
        score = self.score("Steady")
        self.assertEqual(score.with_user(self.salesperson).grade, "C")
        self.customers["Steady"].user_id = self.other_salesperson
        self.assertFalse(
            self.Score.with_user(self.salesperson).search([("id", "=", score.id)])
        )
        self.create_roles_and_mandate()
        for role in ROLES:
            with self.subTest(role=role), self.refused():
                self.as_role(role, score).write({"grade": "A"})
            with self.subTest(role=role), self.refused():
                self.as_role(role, self.Score).create(
                    {"partner_id": self.customer.id, "company_id": self.env.company.id}
                )
            with self.subTest(role=role), self.refused():
                self.as_role(role, score).unlink()
        with self.refused():
            self.as_role("plain", score).read(["grade"])

    def test_the_collectors_worklist_and_early_warnings(self):
        """Computed on 1 March, then on 15 March: the collector opens the
        worklist from the menu, reads it in the order to call, opens the
        customer whose grade fell, and finds the warning."""
        self.compute("2026-03-01")
        self.compute(TODAY)
        self.start_tour(
            f"/odoo?menu_id={self.env.ref('account.menu_finance').id}",
            "credit_collection_worklist",
            login=self.collector.login,
        )
