from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_insurance import CollectionInsuranceCommon


@freeze_time("2026-03-15")
@tagged("post_install", "-at_install")
class TestInsuranceGuards(CollectionInsuranceCommon):
    """The daily scheduled action, what insurance changes in the other
    rules, and what only the module writes."""

    # ------------------------------------------------------------
    # THE DAILY SCHEDULED ACTION
    # ------------------------------------------------------------

    def test_alerts_once_per_invoice_and_deadline(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        self.customer.collection_user_id = self.collector
        # notify by 2026-04-30, alert 10 days before, manager 3 days before
        self.run_cron("2026-04-19")
        self.assertFalse(self.alerts(invoice, self.collector))
        self.run_cron("2026-04-20")
        alerts = self.alerts(invoice, self.collector)
        self.assertEqual(len(alerts), 3, "notify, extension and stop: one each")
        self.assertIn("2026", alerts[0].summary)
        self.assertFalse(self.alerts(invoice, self.manager))
        self.run_cron("2026-04-20")
        self.run_cron("2026-04-21")
        self.assertEqual(len(self.alerts(invoice, self.collector)), 3)
        self.run_cron("2026-04-27")
        self.assertEqual(len(self.alerts(invoice, self.manager)), 3)
        self.run_cron("2026-04-28")
        self.assertEqual(len(self.alerts(invoice, self.manager)), 3)

    def test_lapsed_invoices_are_loud(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        self.run_cron("2026-04-30")
        self.assertEqual(invoice.insurance_state, "to_notify", "last day to notify")
        self.run_cron("2026-05-01")
        self.assertEqual(invoice.insurance_state, "lapsed")
        message = self.policy.message_ids[0]
        self.assertIn("Cover LOST", message.body)
        self.assertIn(invoice.name, message.body)
        self.assertIn(self.manager.partner_id, message.partner_ids)
        self.assertTrue(
            self.policy.activity_ids.filtered(lambda a: a.user_id == self.manager)
        )
        with self.assertRaisesRegex(UserError, "lapsed"):
            self.declare("notification", invoice)

    def test_hold_at_the_stop_delivery_date(self):
        self.policy.stop_delivery_days = 45
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        self.run_cron("2026-04-14")
        self.assertFalse(self.customer.collection_hold)
        self.run_cron("2026-04-15")
        self.assertTrue(self.customer.collection_hold)
        decision = self.env["collection.decision"].search(
            [("partner_id", "=", self.customer.id), ("measure", "=", "hold")]
        )
        self.assertRecordValues(
            decision,
            [
                {
                    "insurance_policy_id": self.policy.id,
                    "user_id": False,
                    "state": "applied",
                    "move_ids": invoice.ids,
                }
            ],
        )
        self.assertIn("Stop-delivery date", self.customer.sudo().collection_hold_reason)
        # released by a collector, not held again for the same invoice
        self.env["collection.decision"].with_user(self.collector)._request(
            "release", self.customer
        )
        self.run_cron("2026-04-16")
        self.assertFalse(self.customer.collection_hold)

    def test_one_company_a_call_and_a_failure_does_not_stop_the_others(self):
        other_company = self.setup_other_company()["company"]
        self.env["collection.insurance.policy"].create(
            {
                "name": "Other",
                "insurer_id": self.insurer.id,
                "policy_number": "9",
                "company_id": other_company.id,
            }
        )
        Alert = self.env["collection.insurance.alert"]
        self.assertEqual(Alert._cron_insurance(), 1, "the other company is left")
        self.assertEqual(Alert._cron_insurance(), 0)
        self.assertEqual(Alert._cron_insurance(), 0, "nothing twice the same day")

    # ------------------------------------------------------------
    # INTERACTIONS
    # ------------------------------------------------------------

    def test_an_extension_past_the_maximum_extension_needs_a_manager(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        Decision = self.env["collection.decision"].with_user(self.collector)
        within = Decision._request(
            "delay", self.customer, invoice, date=date(2026, 4, 30)
        )
        self.assertEqual(within.state, "applied", "the policy allows up to 04-30")
        beyond = Decision._request(
            "delay", self.customer, invoice, date=date(2026, 5, 15)
        )
        self.assertEqual(beyond.state, "to_approve", "within the mandate's 120 days")
        self.assertIn("the insurer must agree", beyond.warning)
        self.assertEqual(invoice.collection_extended_until, date(2026, 4, 30))
        beyond.with_user(self.manager).action_approve()
        self.assertEqual(invoice.collection_extended_until, date(2026, 5, 15))

    def test_a_promise_past_the_maximum_extension_waits(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        promise = (
            self.env["collection.promise"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "line_ids": [
                        Command.create({"date": "2026-05-20", "amount": 1000})
                    ],
                }
            )
        )
        promise.action_confirm()
        self.assertEqual(promise.state, "to_approve")
        self.assertIn("the insurer must agree", promise.decision_ids.warning)
        self.assertIn("the insurer must agree", promise.insurance_warning)

    def test_an_extension_request_goes_through_the_mandate(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        with self.assertRaisesRegex(UserError, "only for a later date"):
            self.declare("extension", invoice, extension_date=date(2026, 4, 20))
        request = self.declare("extension", invoice, extension_date=date(2026, 6, 1))
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(request.decision_ids.state, "to_approve")
        self.assertFalse(invoice.collection_extended_until)
        request.decision_ids.with_user(self.manager).action_approve()
        self.assertEqual(request.state, "sent")
        self.assertFalse(
            invoice.collection_extended_until, "asked to the insurer, not granted"
        )

    def test_a_dispute_on_an_insured_invoice_warns(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        invoice.with_user(self.collector).action_collection_dispute()
        self.assertIn("cover is suspended", invoice.message_ids[0].body)
        uninsured = self.create_invoice(self.other_customer, 100, "2026-03-01")
        uninsured.with_user(self.collector).action_collection_dispute()
        self.assertFalse(
            uninsured.message_ids.filtered(lambda m: "cover" in (m.body or ""))
        )

    def test_exposure_over_the_insured_limit(self):
        self.customer.with_user(self.manager).insurance_limit = 1000
        self.create_invoice(self.customer, 1500, "2026-04-01")
        customer = self.customer.with_user(self.collector)
        self.assertTrue(customer.insurance_over_limit)
        self.assertEqual(customer.insurance_exposure, 1500.0)
        self.assertEqual(customer.insurance_over_amount, 500.0)
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create({"partner_id": self.customer.id})
        )
        self.assertTrue(order.collection_over_limit)
        self.assertTrue(order.collection_alert)
        self.assertEqual(order.collection_uninsured_amount, 500.0)
        other = (
            self.env["sale.order"]
            .with_user(self.other_salesperson)
            .create(
                {"partner_id": self.customer.id, "user_id": self.other_salesperson.id}
            )
        )
        self.assertFalse(other.collection_over_limit, "another's customer")
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesperson)
            .create({"name": "Spring order", "partner_id": self.customer.id})
        )
        self.assertTrue(lead.collection_over_limit)
        self.assertTrue(lead.collection_alert, "the pipeline's badge")
        self.customer.with_user(self.manager).insurance_limit = 2000
        self.assertFalse(self.customer.with_user(self.collector).insurance_over_limit)

    # ------------------------------------------------------------
    # WRITTEN BY THE MODULE ONLY
    # ------------------------------------------------------------

    def test_nobody_writes_cover_deadlines_or_declarations(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-02-01")
        declaration = self.declare("notification", invoice)
        users = (self.collector, self.manager, self.salesperson, self.plain_user)
        for user in users:
            for values in (
                {"insurance_state": "covered"},
                {"insurance_notify_date": "2026-12-31"},
                {"insurance_policy_id": False},
            ):
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRaises(AccessError),
                ):
                    invoice.with_user(user).write(values)
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                declaration.with_user(user).write({"state": "cancel"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                declaration.with_user(user).write({"amount_declared": 1})
            # AccessError is a UserError: refused by rights or by the rule
            with self.subTest(user=user.login), self.assertRaises(UserError):
                declaration.with_user(user).unlink()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                invoice.line_ids.with_user(user).write(
                    {"insurance_due_date": "2026-12-31"}
                )
        for user in (self.collector, self.salesperson, self.plain_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).write({"insurance_limit": 99999})
        self.assertEqual(invoice.insurance_state, "notified")
        self.assertEqual(invoice.insurance_notify_date, date(2026, 4, 2))
        self.assertEqual(declaration.state, "sent")
        self.assertEqual(self.customer.insurance_limit, 10000.0)
        # the insurer's reference may be noted once it answers
        declaration.with_user(self.collector).insurer_reference = "ATR-99"
        self.assertEqual(declaration.insurer_reference, "ATR-99")

    def test_personal_defaults_cannot_carry_guarded_values(self):
        """Any user may set personal defaults: none on the collection's fields,
        which create would write past every check."""
        Default = self.env["ir.default"]
        for user in (self.collector, self.manager, self.salesperson, self.plain_user):
            for model, field, value in (
                ("account.move", "insurance_state", "notified"),
                ("account.move", "insurance_policy_id", self.policy.id),
                ("res.partner", "insurance_limit", 1000000),
                ("res.partner", "collection_hold", True),
                ("collection.insurance.declaration", "indemnity_amount", 5000),
                ("collection.promise", "state", "open"),
            ):
                with (
                    self.subTest(user=user.login, field=field),
                    self.assertRaises(AccessError),
                ):
                    Default.with_user(user).set(model, field, value, user_id=True)
        self.assertFalse(
            Default.search([("field_id.name", "like", "insurance_%")]),
            "nothing was recorded",
        )

    def test_an_insured_invoice_keeps_its_clock_and_its_customer(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        # the button hides where the server refuses
        self.assertFalse(invoice.with_user(self.collector).show_reset_to_draft_button)
        self.assertTrue(invoice.with_user(self.manager).show_reset_to_draft_button)
        with self.assertRaises(AccessError):
            invoice.with_user(self.collector).button_draft()
        # a manager corrects the invoice: the insurer's clock does not restart
        invoice.with_user(self.manager).button_draft()
        invoice.with_user(self.manager).write({"invoice_date_due": "2026-06-30"})
        invoice.with_user(self.manager).action_post()
        self.assertEqual(invoice.insurance_due_date, date(2026, 3, 1))
        self.assertEqual(invoice.insurance_notify_date, date(2026, 4, 30))
        # moved to a customer the insurer does not cover: no longer insured
        invoice.with_user(self.manager).button_draft()
        invoice.with_user(self.manager).partner_id = self.other_customer
        invoice.with_user(self.manager).action_post()
        self.assertFalse(invoice.insurance_policy_id)
        self.assertFalse(invoice.insurance_state)

    def test_a_declared_invoice_stays_as_declared(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-02-01")
        self.declare("notification", invoice)
        self.assertFalse(invoice.with_user(self.manager).show_reset_to_draft_button)
        for user in (self.collector, self.manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(UserError, "cancel the declaration"),
            ):
                invoice.with_user(user).button_draft()
        self.assertEqual(invoice.state, "posted")
        draft = self.create_invoice(self.customer, 500, "2026-02-01")
        draft.with_user(self.manager).button_draft()
        with self.assertRaisesRegex(UserError, "posted customer invoices"):
            self.declare("notification", draft)

    def test_a_cover_from_another_company_or_a_silenced_action_is_refused(self):
        other_company = self.setup_other_company()["company"]
        foreign = (
            self.env["collection.insurance.policy"]
            .with_company(other_company)
            .create(
                {
                    "name": "Other",
                    "insurer_id": self.insurer.id,
                    "policy_number": "9",
                    "company_id": other_company.id,
                }
            )
        )
        self.manager.company_ids += other_company
        with self.assertRaisesRegex(AccessError, "its own company"):
            self.customer.with_user(self.manager).insurance_policy_id = foreign
        self.assertEqual(self.customer.insurance_policy_id, self.policy)
        with self.assertRaises(AccessError):
            self.policy.with_user(self.manager).last_alert_date = "2099-01-01"
        self.assertFalse(self.policy.last_alert_date)
