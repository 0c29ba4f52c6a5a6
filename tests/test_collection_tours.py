from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestCollectionTours(CollectionCommon, HttpCase):
    """The screens as each role uses them, in Debian's chromium: a tour fails
    on a JavaScript error, a server traceback or a step it cannot take; the
    test then checks what the clicks changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        cls.today = fields.Date.context_today(cls.env.user)
        cls.mandate = cls.env["collection.mandate"].create(
            {
                "name": "Collectors",
                "user_ids": [Command.set(cls.collector.ids)],
                "manager_id": cls.manager.id,
                "date_start": cls.today - timedelta(days=90),
                "max_delay_days": 30,
                "max_credit_amount": 5000,
                "max_waiver_amount": 20,
                "can_hold": True,
            }
        )
        cls.customer.email = "compta@boulangerie.example.com"
        # her customers: the collector's lists show them by default
        cls.customer.collection_user_id = cls.collector

    def app_url(self, menu="account.menu_finance"):
        """The app a user starts from: Invoicing for collectors and
        managers, CRM for salespeople. Every tour goes on from its menu."""
        return f"/odoo?menu_id={self.env.ref(menu).id}"

    def crm_url(self):
        return self.app_url("crm.crm_menu_root")

    def test_waive_charges_beyond_the_mandate_then_approve(self):
        invoice = self.create_invoice(
            self.customer, 1000, self.today - timedelta(days=54)
        )
        charges = invoice._collection_get_charges(self.today)[invoice.id]
        self.start_tour(
            self.app_url(),
            "credit_collection_waive_charges",
            login=self.collector.login,
        )
        decision = self.env["collection.decision"].search(
            [("measure", "=", "waiver"), ("move_ids", "in", invoice.ids)]
        )
        self.assertEqual(decision.state, "to_approve")
        self.assertEqual(decision.user_id, self.collector)
        self.assertAlmostEqual(
            decision.value, charges["interest"] + charges["compensation"], places=2
        )
        self.assertFalse(invoice.collection_charges_waived_until, "not before approval")
        self.start_tour(
            self.app_url(),
            "credit_collection_approve_request",
            login=self.manager.login,
        )
        self.assertEqual(decision.state, "approved")
        self.assertEqual(decision.approver_id, self.manager)
        self.assertEqual(invoice.collection_charges_waived_until, self.today)

    def test_log_a_call_with_a_promise(self):
        invoice = self.create_invoice(
            self.customer, 600, self.today - timedelta(days=10)
        )
        self.start_tour(
            self.app_url(),
            "credit_collection_log_call_with_promise",
            login=self.collector.login,
        )
        promise = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.move_ids, invoice)
        self.assertEqual(promise.amount, 600.0)
        self.assertEqual(promise.date_due, self.today + timedelta(days=5))
        self.assertIn("Mrs Martin", invoice.message_ids[0].body)

    def test_log_a_call_with_a_payment_plan(self):
        invoice = self.create_invoice(
            self.customer, 600, self.today - timedelta(days=10)
        )
        self.start_tour(
            self.app_url(),
            "credit_collection_log_call_with_plan",
            login=self.collector.login,
        )
        plan = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        first = self.today + timedelta(days=5)
        self.assertEqual((plan.state, plan.move_ids), ("open", invoice))
        self.assertEqual(
            [(line.date, line.amount) for line in plan.line_ids],
            [(first, 300.0), (first + timedelta(weeks=1), 300.0)],
        )

    def test_compute_and_execute_a_run(self):
        invoice = self.create_invoice(
            self.customer, 800, self.today - timedelta(days=20)
        )
        policy = self.create_policy(
            {"name": "First reminder", "days_after_due": 3}, name="Business customers"
        )
        # created from the menu's New, as the web client saves a new form
        self.start_tour(
            self.app_url(),
            "credit_collection_run",
            login=self.collector.login,
        )
        run = self.env["collection.run"].search(
            [("create_uid", "=", self.collector.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.policy_ids, policy)
        self.assertEqual(invoice.collection_level_id.name, "First reminder")

    def test_record_a_promise_from_new(self):
        invoice = self.create_invoice(
            self.customer, 800, self.today - timedelta(days=12)
        )
        self.start_tour(
            self.app_url(),
            "credit_collection_promise_from_new",
            login=self.collector.login,
        )
        promise = self.env["collection.promise"].search(
            [("create_uid", "=", self.collector.id)]
        )
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.move_ids, invoice)
        self.assertEqual(promise.date, self.today)
        self.assertEqual(promise.amount, 400.0)
        self.assertEqual(promise.date_due, self.today + timedelta(days=10))

    def test_grant_extensions_within_and_beyond_the_mandate(self):
        invoice = self.create_invoice(
            self.customer, 1000, self.today - timedelta(days=5)
        )
        self.start_tour(
            self.app_url(),
            "credit_collection_extension",
            login=self.collector.login,
        )
        within, beyond = self.env["collection.decision"].search(
            [("measure", "=", "delay"), ("move_ids", "in", invoice.ids)], order="id"
        )
        # days typed from today; weighed from the due date, 5 days ago
        self.assertEqual((within.state, within.value), ("applied", 15.0))
        self.assertEqual((beyond.state, beyond.value), ("to_approve", 50.0))
        self.assertEqual(
            invoice.collection_extended_until, self.today + timedelta(days=10)
        )
        self.start_tour(
            self.app_url(),
            "credit_collection_approve_request",
            login=self.manager.login,
        )
        self.assertEqual(
            invoice.collection_extended_until, self.today + timedelta(days=45)
        )
        told = beyond.message_ids.filtered(
            lambda m: self.collector.partner_id in m.partner_ids
        )
        self.assertIn("Approved by", told.body)

    def test_put_on_hold_and_ask_for_the_release(self):
        self.create_invoice(self.customer, 1000, self.today - timedelta(days=70))
        self.start_tour(
            self.app_url(),
            "credit_collection_hold_and_release",
            login=self.collector.login,
        )
        self.assertTrue(self.customer.collection_hold)
        release = self.env["collection.decision"].search(
            [("measure", "=", "release"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(release.state, "to_approve")

    def test_cancel_a_stop_deliveries_dunning(self):
        self.create_invoice(self.customer, 1000, self.today - timedelta(days=40))
        policy = self.create_policy(
            {
                "name": "Stop deliveries",
                "days_after_due": 30,
                "channel": "phone",
                "hold_deliveries": True,
            },
            name="Stop",
        )
        run = self.executed_policy_run(policy)
        dunning = run.dunning_ids
        self.assertTrue(self.customer.collection_hold)
        self.start_tour(
            self.app_url(),
            "credit_collection_cancel_dunning",
            login=self.collector.login,
        )
        self.assertEqual(dunning.state, "cancel")
        self.assertFalse(dunning.activity_ids)
        # this collector may hold, not release: the release waits for approval
        release = self.env["collection.decision"].search(
            [("measure", "=", "release"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(release.state, "to_approve")

    def test_a_consumers_first_run_starts_with_the_free_reminder(self):
        consumers = self.create_policy(
            {"name": "Free reminder", "sequence": 1, "days_after_due": 3},
            {
                "name": "Reminder with costs",
                "sequence": 2,
                "days_after_due": 25,
                "fee_amount": 7.5,
            },
            name="Consumers",
            is_b2c=True,
            default=False,
        )
        consumer = self.env["res.partner"].create(
            {
                "name": "Jan Peeters",
                "email": "jan@example.com",
                "collection_policy_id": consumers.id,
            }
        )
        invoice = self.create_invoice(consumer, 300, self.today - timedelta(days=70))
        self.start_tour(
            self.app_url(), "credit_collection_consumer_run", login=self.collector.login
        )
        run = self.env["collection.run"].search(
            [("create_uid", "=", self.collector.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(invoice.collection_level_id.name, "Free reminder")
        self.assertEqual(run.dunning_ids.amount_total, 300.0, "no fee, no charge")

    def test_a_salesperson_sees_his_customer_not_another(self):
        self.create_invoice(self.customer, 900, self.today - timedelta(days=20))
        self.create_invoice(self.other_customer, 700, self.today - timedelta(days=20))
        self.assertEqual(self.customer.user_id, self.salesperson)
        self.start_tour(
            self.crm_url(),
            "credit_collection_salesperson_own_customer",
            login=self.salesperson.login,
        )
        self.start_tour(
            self.crm_url(),
            "credit_collection_salesperson_other_customer",
            login=self.salesperson.login,
        )

    def test_the_salespersons_pipeline_and_answer(self):
        invoice = self.create_invoice(
            self.customer, 1500, self.today - timedelta(days=30)
        )
        self.create_invoice(self.other_customer, 800, self.today - timedelta(days=30))
        Lead = self.env["crm.lead"]
        for name, partner in (
            ("Ovens for the new shop", self.customer),
            ("Three trucks", self.other_customer),
        ):
            Lead.create(
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": self.salesperson.id,
                }
            )
        self.start_tour(
            self.crm_url(),
            "credit_collection_salesperson_pipeline",
            login=self.salesperson.login,
        )
        # a level asks him to help: he logs the answer from the dunning
        policy = self.create_policy(
            {
                "name": "Call with the salesperson",
                "days_after_due": 3,
                "channel": "phone",
                "notify_salesperson": True,
            },
            name="Help",
        )
        self.customer.collection_user_id = self.collector
        run = self.executed_policy_run(policy)
        dunning = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        self.start_tour(
            self.crm_url(),
            "credit_collection_salesperson_answer",
            login=self.salesperson.login,
        )
        self.assertFalse(
            dunning.activity_ids.filtered(lambda a: a.user_id == self.salesperson)
        )
        promise = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.state, "draft")
        self.assertEqual(promise.date_due, self.today + timedelta(days=7))
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        self.assertIn("Cheque signed", invoice.message_ids[0].body)

    def test_declare_the_weeks_notification_to_the_insurer(self):
        insurer = self.env["res.partner"].create({"name": "Allianz Trade"})
        policy = self.env["collection.insurance.policy"].create(
            {"name": "Domestic buyers", "insurer_id": insurer.id, "policy_number": "51"}
        )
        self.customer.write(
            {
                "insurance_policy_id": policy.id,
                "insurance_state": "granted",
                "insurance_limit": 50000,
                "insurance_decision_date": self.today - timedelta(days=400),
            }
        )
        this_week = self.create_invoice(
            self.customer, 1000, self.today - timedelta(days=55)
        )
        later = self.create_invoice(self.customer, 800, self.today + timedelta(days=5))
        self.start_tour(
            self.app_url(),
            "credit_collection_insurance_declare",
            login=self.collector.login,
        )
        declaration = self.env["collection.insurance.declaration"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(declaration.declaration_type, "notification")
        self.assertEqual(declaration.user_id, self.collector)
        self.assertEqual(declaration.line_ids.filtered("declared").move_id, this_week)
        self.assertEqual(this_week.insurance_state, "notified")
        self.assertEqual(later.insurance_state, "covered")

    def test_settle_last_months_commission(self):
        """A collection manager settles last month: a payment on time (5 % of
        1,000.00: 50.00) and one 20 days late (75 %: 37.50)."""
        self.env["collection.commission.rate"].create(
            {"user_id": self.salesperson.id, "rate": 5.0}
        )
        month = self.today.replace(day=1) - relativedelta(months=1)
        early = self.create_invoice(self.customer, 1000, month + timedelta(days=4))
        self.pay(early, 1000, month + timedelta(days=2))
        late = self.create_invoice(self.customer, 1000, month)
        self.pay(late, 1000, month + timedelta(days=20))
        self.start_tour(
            self.app_url(),
            "credit_collection_commission_settle",
            login=self.manager.login,
        )
        settlement = self.env["collection.commission.settlement"].search(
            [("user_id", "=", self.salesperson.id)]
        )
        self.assertEqual(settlement.state, "confirmed")
        self.assertEqual(settlement.amount_total, 87.5)
        self.assertEqual((early | late).mapped("commission_state"), ["settled"] * 2)

    def test_the_dashboard_opens_its_records(self):
        invoice = self.create_invoice(
            self.customer, 1500, self.today - timedelta(days=10)
        )
        self.start_tour(
            self.app_url(),
            "credit_collection_dashboard",
            login=self.collector.login,
        )
        self.assertEqual(invoice.amount_residual, 1500.0)
