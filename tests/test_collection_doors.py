from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ROLES, TODAY, CollectionCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionDoors(CollectionCommon):
    """The doors the module does not own: the web client's own saves (a new
    form's starting values), Odoo's accounting and sales flows (write-off,
    reset to draft and post again, a direct write of a state, a delivery
    validated by stock), and the module's writes as superuser with a forged
    context. Each rule holds at each door, for each role, and the legitimate
    screen still saves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_roles_and_mandate(
            max_delay_days=30, max_credit_amount=5000, can_hold=True, can_release=True
        )
        cls.policy = cls.create_policy(
            {"name": "Reminder", "days_after_due": 3}, name="Business customers"
        )
        cls.customer.email = "compta@boulangerie.example.com"
        cls.invoice = cls.create_invoice(cls.customer, 1000, "2026-03-05")  # 10 days
        cls.old_invoice = cls.create_invoice(cls.customer, 500, "2026-01-20")  # 54

    def receivable_line(self, invoice):
        return invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    def hold(self, partner, user=None):
        self.env["collection.decision"].with_user(user or self.collector)._request(
            "hold", partner, reason="Unpaid since January"
        )

    # ------------------------------------------------------------
    # The web client's own saves
    # ------------------------------------------------------------

    def test_a_new_run_and_promise_save_with_their_starting_values(self):
        for role in ("collector", "manager"):
            with self.subTest(role=role):
                user = getattr(self, role)
                with Form(self.env["collection.run"].with_user(user)) as form:
                    self.assertEqual(form.state, "draft")
                run = form.record
                # the form sent its starting values, state and date among them
                run.with_user(user).action_propose()
                self.assertEqual(run.state, "proposed")
                self.assertEqual(run.policy_ids, self.policy)
                promise = (
                    self.env["collection.promise"]
                    .with_user(user)
                    .create(
                        {
                            "partner_id": self.customer.id,
                            "move_ids": [Command.set(self.invoice.ids)],
                            "state": "draft",
                            "date": TODAY,
                            "decision_ids": [Command.set([])],
                            "line_ids": [
                                Command.create({"date": "2026-03-25", "amount": 300})
                            ],
                        }
                    )
                )
                self.assertEqual(promise.state, "draft")
                self.assertEqual(promise.date, date(2026, 3, 15))
                promise.action_cancel()

    def test_a_value_the_module_would_not_start_with_is_refused(self):
        attacks = [
            ("collection.run", {"state": "done"}),
            ("collection.run", {"automatic": True}),
            ("collection.promise", {"state": "open", "partner_id": None}),
            ("collection.promise", {"date": "2026-01-01", "partner_id": None}),
        ]
        for model, values in attacks:
            values = {
                key: self.customer.id if key == "partner_id" else value
                for key, value in values.items()
            }
            for role in ROLES:
                with (
                    self.subTest(model=model, values=values, role=role),
                    self.refused(),
                ):
                    self.env[model].with_user(getattr(self, role)).create(values)
        # nor through the context's defaults
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.env["collection.run"].with_user(self.collector).with_context(
                default_state="done"
            ).create({})

    def test_the_modules_own_writes_drop_the_callers_context(self):
        """The call wizard records a salesperson's promise as superuser: a
        `default_state` in the call's context opens nothing."""
        wizard = (
            self.env["collection.call.wizard"]
            .with_user(self.salesperson)
            .with_context(
                active_model="res.partner",
                active_ids=self.customer.ids,
                default_state="open",
                default_date="2026-01-01",
            )
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.invoice.ids)],
                    "promise_type": "promise",
                    "date": "2026-03-25",
                    "amount": 1000,
                }
            )
        )
        wizard.action_confirm()
        promise = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.state, "draft", "waits for the collector")
        self.assertEqual(promise.date, date(2026, 3, 15))
        # a decision's date and approver are the module's, whatever the context
        decision = (
            self.env["collection.decision"]
            .with_user(self.collector)
            .with_context(
                default_date="2026-01-01",
                default_approver_id=self.collector.id,
                default_state="approved",
            )
            ._request("delay", self.customer, self.invoice, date=date(2026, 6, 30))
        )
        self.assertEqual(decision.state, "to_approve")
        self.assertFalse(decision.approver_id)
        self.assertEqual(decision.date.date(), date(2026, 3, 15))

    # ------------------------------------------------------------
    # Original due dates
    # ------------------------------------------------------------

    def test_a_later_due_date_written_is_an_extension_through_the_mandate(self):
        line = self.receivable_line(self.old_invoice)
        self.assertEqual(self.old_invoice.collection_days_overdue, 54)
        # core lets accounting write a posted line's due date: it goes through,
        # and is recorded as the writer's extension, beyond the mandate here
        line.with_user(self.collector).date_maturity = "2026-12-31"
        self.assertEqual(str(line.date_maturity), "2026-12-31")
        decision = self.env["collection.decision"].search(
            [("measure", "=", "delay"), ("move_ids", "in", self.old_invoice.ids)]
        )
        self.assertRecordValues(
            decision,
            [{"user_id": self.collector.id, "state": "to_approve", "value": 345}],
        )
        # nobody gained a day: still 54 days late, still dunned
        self.old_invoice.invalidate_recordset()
        self.assertEqual(self.old_invoice.collection_days_overdue, 54)
        self.assertFalse(self.old_invoice.collection_extended_until)
        run = self.executed_policy_run(self.policy)
        self.assertIn(self.old_invoice, run.dunning_ids.line_ids.move_id)
        # once approved, the extension takes effect
        decision.with_user(self.approver).action_approve()
        self.assertEqual(self.old_invoice.collection_extended_until, date(2026, 12, 31))

    def test_within_the_mandate_a_written_due_date_applies_at_once(self):
        self.receivable_line(self.invoice).with_user(
            self.collector
        ).date_maturity = "2026-03-30"
        decision = self.env["collection.decision"].search(
            [("measure", "=", "delay"), ("move_ids", "in", self.invoice.ids)]
        )
        self.assertRecordValues(decision, [{"state": "applied", "value": 25}])
        self.assertEqual(self.invoice.collection_extended_until, date(2026, 3, 30))

    def test_reset_new_due_date_and_post_again(self):
        invoice = self.old_invoice
        invoice.with_user(self.manager).button_draft()
        invoice.with_user(self.manager).write({"invoice_date_due": "2026-06-30"})
        invoice.with_user(self.manager).action_post()
        line = self.receivable_line(invoice)
        self.assertEqual(str(line.date_maturity), "2026-06-30")
        self.assertEqual(line.insurance_due_date, date(2026, 1, 20))
        self.assertEqual(invoice.collection_days_overdue, 54)
        decision = self.env["collection.decision"].search(
            [("measure", "=", "delay"), ("move_ids", "in", invoice.ids)]
        )
        self.assertRecordValues(
            decision, [{"user_id": self.manager.id, "state": "to_approve"}]
        )
        self.assertFalse(invoice.collection_extended_until)
        # twice more: the first posting's date stays the reference
        invoice.with_user(self.manager).button_draft()
        invoice.with_user(self.manager).write({"invoice_date_due": "2026-09-30"})
        invoice.with_user(self.manager).action_post()
        self.assertEqual(
            self.receivable_line(invoice).insurance_due_date.isoformat(), "2026-01-20"
        )
        self.assertEqual(
            self.env["collection.receivable"]._get_oldest_due_date(invoice),
            date(2026, 1, 20),
        )

    def test_an_earlier_due_date_counts_from_itself(self):
        self.receivable_line(self.invoice).with_user(
            self.manager
        ).date_maturity = "2026-03-01"
        self.invoice.invalidate_recordset()
        self.assertEqual(self.invoice.collection_days_overdue, 14)
        self.assertFalse(
            self.env["collection.decision"].search(
                [("move_ids", "in", self.invoice.ids)]
            )
        )

    # ------------------------------------------------------------
    # Leaving posted, by any route
    # ------------------------------------------------------------

    def test_an_invoice_under_promise_leaves_posted_by_no_route(self):
        promise = (
            self.env["collection.promise"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.invoice.ids)],
                    "line_ids": [Command.create({"date": "2026-03-25", "amount": 300})],
                }
            )
        )
        promise.action_confirm()
        self.assertEqual(promise.state, "open")
        routes = {
            "button": lambda move: move.button_draft(),
            "write": lambda move: move.write({"state": "draft"}),
            "cancel": lambda move: move.button_cancel(),
        }
        for name, route in routes.items():
            for role in ("collector", "manager"):
                with self.subTest(route=name, role=role), self.refused():
                    route(self.as_role(role, self.invoice))
        self.assertEqual(self.invoice.state, "posted")
        promise.with_user(self.collector).action_cancel()
        self.invoice.with_user(self.manager).write({"state": "draft"})
        self.assertEqual(self.invoice.state, "draft")

    # ------------------------------------------------------------
    # Orders and deliveries
    # ------------------------------------------------------------

    def make_order(self, partner, user=None):
        user = user or self.salesperson
        product = self.env["product.product"].create(
            {"name": "Flour", "type": "consu", "list_price": 10.0}
        )
        return (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": 2})
                    ],
                }
            )
        )

    def test_an_order_for_a_held_customer_is_confirmed_by_no_route(self):
        order = self.make_order(self.customer)
        self.hold(self.customer)
        routes = {
            "button": lambda o: o.action_confirm(),
            "write": lambda o: o.write({"state": "sale"}),
        }
        for name, route in routes.items():
            for role in ("salesperson", "collector"):
                with self.subTest(route=name, role=role), self.refused():
                    route(self.as_role(role, order))
        # an online payment confirms as superuser, for the customer
        with self.assertRaises(UserError), self.env.cr.savepoint():
            order.with_user(self.env.ref("base.public_user")).sudo().write(
                {"state": "sale"}
            )
        self.assertEqual(order.state, "draft")
        # a collection manager who sells goes ahead, logged as an override
        sales_manager = new_test_user(
            self.env,
            login="sales_and_collection_manager",
            groups="sales_team.group_sale_manager,stock.group_stock_user,"
            "credit_collection.group_collection_manager",
        )
        order.with_user(sales_manager).action_confirm()
        self.assertEqual(order.state, "sale")
        override = self.env["collection.decision"].search(
            [("measure", "=", "override"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(override), 1, "logged once")

    def test_a_hold_is_one_companys(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        self.hold(self.customer)
        self.assertTrue(self.customer.collection_hold)
        self.assertFalse(self.customer.with_company(other_company).collection_hold)
        self.salesperson.company_ids |= other_company
        order = self.make_order(self.customer).with_company(other_company)
        order.sudo().company_id = other_company
        order.with_user(self.salesperson).with_company(other_company).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_the_hold_reason_is_read_by_whom_may_read_the_customer(self):
        self.hold(self.customer)
        self.hold(self.other_customer)
        # the salesperson of posted invoices to the customer reads the reason
        note = self.customer.with_user(self.salesperson).collection_hold_note
        self.assertIn("Unpaid since January", note)
        # not for another salesperson's customer, nor in the stored field
        self.assertFalse(
            self.other_customer.with_user(self.salesperson).collection_hold_note
        )
        with self.assertRaises(AccessError):
            self.other_customer.with_user(self.salesperson).collection_hold_reason  # noqa: B018
        # his own quotation for a customer whose receivables he does not read
        order = self.make_order(self.other_customer)
        with self.assertRaises(UserError) as refused:
            order.action_confirm()
        self.assertNotIn("Unpaid since January", str(refused.exception))
        self.assertIn("on credit hold", str(refused.exception))

    def test_a_stock_user_validates_a_delivery_of_an_order_he_cannot_read(self):
        stock_user = new_test_user(
            self.env,
            login="stock_user",
            groups="stock.group_stock_manager",
            company_id=self.env.company.id,
        )
        order = self.make_order(self.other_customer, user=self.other_salesperson)
        order.with_user(self.other_salesperson).action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.with_user(stock_user).button_validate()
        self.assertEqual(picking.state, "done")
        # held since: the delivery is refused, the reason not told
        order2 = self.make_order(self.other_customer, user=self.other_salesperson)
        order2.with_user(self.other_salesperson).action_confirm()
        self.hold(self.other_customer)
        picking = order2.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        with self.assertRaises(UserError) as refused:
            picking.with_user(stock_user).button_validate()
        self.assertNotIn("Unpaid since January", str(refused.exception))
        self.assertNotEqual(picking.state, "done")

    # ------------------------------------------------------------
    # Sent messages
    # ------------------------------------------------------------

    def test_a_sent_dunning_message_is_final(self):
        run = self.executed_policy_run(self.policy)
        self.env["collection.dunning"].sudo()._cron_send_queued()
        dunning = run.dunning_ids[:1]
        message = dunning.mail_message_id
        self.assertTrue(message)
        attacks = [
            {"body": "<p>Nothing owed</p>"},
            {"attachment_ids": [Command.clear()]},
            {"partner_ids": [Command.clear()]},
            {"author_id": self.plain.partner_id.id},
        ]
        for values in attacks:
            for role in ("collector", "manager"):
                with self.subTest(values=values, role=role), self.refused():
                    self.as_role(role, message).write(values)
        for role in ("collector", "manager"):
            with self.refused():
                self.as_role(role, message).unlink()
        self.assertTrue(message.exists())
        self.assertTrue(message.attachment_ids)

    # ------------------------------------------------------------
    # The automatic run's day
    # ------------------------------------------------------------

    def test_the_automatic_run_finds_todays_run_by_its_stamp(self):
        self.policy.level_ids.automatic = True
        cron_user = self.env.ref("base.user_root")
        Run = self.env["collection.run"].with_user(cron_user)
        with freeze_time("2026-03-15 23:30:00"):
            # a cron user whose time zone is already tomorrow
            Run.with_context(tz="Pacific/Kiritimati")._cron_run_automatic()
            Run.with_context(tz="Pacific/Kiritimati")._cron_run_automatic()
        runs = self.env["collection.run"].search([("automatic", "=", True)])
        self.assertEqual(len(runs), 1, "one run a company a day")
        self.assertEqual(runs.date, date(2026, 3, 15))

    def test_today_is_the_companys_day_whatever_the_users(self):
        """The company's day in Brussels: at 23:30 UTC on 15 March it is
        already the 16th there, for every rule, whatever a user's time zone;
        a user's own zone moves nothing."""
        self.env.company.collection_tz = "Europe/Brussels"
        Receivable = self.env["collection.receivable"]
        with freeze_time("2026-03-15 23:30:00"):
            for tz in ("America/New_York", "Pacific/Kiritimati", False):
                with self.subTest(tz=tz):
                    day = Receivable.with_user(self.collector).with_context(tz=tz)
                    self.assertEqual(day._get_today(), date(2026, 3, 16))
            # the invoice due on the 5th is 11 days late there
            self.invoice.invalidate_recordset(["collection_days_overdue"])
            self.assertEqual(self.invoice.collection_days_overdue, 11)
        self.env.company.collection_tz = "UTC"
        with freeze_time("2026-03-15 23:30:00"):
            self.assertEqual(Receivable._get_today(), date(2026, 3, 15))
