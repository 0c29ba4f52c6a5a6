from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import TODAY
from .common_mandate import CollectionMandateCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionMandate(CollectionMandateCommon):
    """Measures within and beyond the mandate, through the screens and the
    direct calls."""

    def test_extension_within_the_mandate_applies_at_once(self):
        decision = self.use("delay", self.invoice, date="2026-03-20")  # 10 days
        self.assertEqual(decision.state, "applied")
        self.assertTrue(decision.within_mandate)
        self.assertEqual((decision.value, decision.limit_value), (10.0, 15.0))
        self.assertEqual(str(self.invoice.collection_extended_until), "2026-03-20")
        # dunning waits for the new date; interest still runs from the due date
        policy = self.create_policy({"name": "R", "days_after_due": 3}, name="P")
        self.customer.email = "c@example.com"
        run = self.env["collection.run"].create(
            {"policy_ids": [Command.set(policy.ids)]}
        )
        run.action_propose()
        skipped = {line.move_id: line.skip_reason for line in run.skipped_line_ids}
        self.assertEqual(skipped[self.invoice], "extended")
        self.assertGreater(self.invoice.collection_interest_amount, 0)

    def test_extension_beyond_waits_for_the_manager(self):
        decision = self.use("delay", self.invoice, date="2026-04-10")  # 31 days
        self.assertEqual(decision.state, "to_approve")
        self.assertFalse(self.invoice.collection_extended_until, "nothing takes effect")
        # the approver reads what is asked, in its units, and what is at stake:
        # this invoice, not the customer's whole balance
        self.assertEqual(
            (
                str(decision.requested_date),
                decision.value_display,
                decision.limit_display,
                decision.invoice_amount,
                decision.amount_at_stake,
            ),
            ("2026-04-10", "31 days", "15 days", 10000.0, 10000.0),
        )
        self.assertEqual(self.customer.collection_open_amount, 20000.0)
        activity = decision.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        with self.assertRaises(AccessError):
            decision.with_user(self.collector).action_approve()
        decision.with_user(self.manager).action_approve()
        self.assertEqual(decision.state, "approved")
        self.assertEqual(decision.approver_id, self.manager)
        self.assertEqual(str(self.invoice.collection_extended_until), "2026-04-10")
        self.assertFalse(decision.activity_ids)
        # the collector is told
        told = decision.message_ids.filtered(
            lambda m: self.collector.partner_id in m.partner_ids
        )
        self.assertEqual(len(told), 1)
        self.assertIn("Approved by", told.body)

    def test_refusal_cancels_the_request(self):
        decision = self.use("delay", self.invoice, date="2026-04-10")
        decision.with_user(self.manager).action_refuse()
        self.assertEqual(decision.state, "refused")
        self.assertIn("Refused by", decision.message_ids[0].body)
        self.assertIn(self.collector.partner_id, decision.message_ids[0].partner_ids)
        self.assertFalse(self.invoice.collection_extended_until)
        with self.assertRaisesRegex(UserError, "waiting for approval"):
            decision.with_user(self.manager).action_approve()

    def test_waiver_leaves_the_waived_charges_out(self):
        # 43 days on 10,000 at 12.15 %: 143.14, plus 40.00: beyond 100.
        wizard = (
            self.env["collection.measure.wizard"]
            .with_user(self.collector)
            .create(
                {
                    "measure": "waiver",
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.old_invoice.ids)],
                    "reason": "Good customer, first delay",
                }
            )
        )
        self.assertAlmostEqual(wizard.waiver_amount, 183.14)
        self.assertFalse(wizard.within_mandate)
        decision = wizard._request()
        self.assertEqual(decision.state, "to_approve")
        self.assertEqual(self.old_invoice.collection_interest_amount, 143.14)
        decision.with_user(self.manager).action_approve()
        self.old_invoice.invalidate_recordset()
        self.assertEqual(self.old_invoice.collection_interest_amount, 0.0)
        self.assertEqual(self.old_invoice.collection_compensation_amount, 0.0)
        # Interest runs again from the day after the waiver: 10 days on 10,000.
        later = self.old_invoice._collection_get_charges(
            fields.Date.to_date("2026-03-25")
        )
        self.assertEqual(later[self.old_invoice.id]["interest"], 33.29)

    def test_hold_blocks_orders_and_deliveries_but_a_manager_overrides(self):
        decision = self.use("hold")
        self.assertEqual(decision.state, "applied")
        self.assertEqual(decision.display_name, f"Credit hold · {self.customer.name}")
        self.assertTrue(self.customer.collection_hold)
        self.assertEqual(self.customer.collection_hold_user_id, self.collector)
        product = self.env["product.product"].create({"name": "Flour", "type": "consu"})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer_contact.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2})
                ],
            }
        )
        with self.assertRaisesRegex(UserError, "on credit hold since 03/15/2026"):
            order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "draft")
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
        self.assertEqual(override.user_id, sales_manager)
        self.assertIn(order.name, override.reason)
        picking = order.picking_ids
        stock_user = new_test_user(
            self.env, login="warehouse", groups="stock.group_stock_user"
        )
        with self.assertRaisesRegex(UserError, "delivering"):
            picking.with_user(stock_user).button_validate()
        # the manager delivers half through the backorder wizard: one override
        picking.move_ids.quantity = 1
        action = picking.with_user(sales_manager).button_validate()
        self.assertEqual(action["res_model"], "stock.backorder.confirmation")
        Form(
            self.env[action["res_model"]]
            .with_user(sales_manager)
            .with_context(**action["context"])
        ).save().process()
        self.assertEqual(picking.state, "done")
        overrides = self.env["collection.decision"].search(
            [("measure", "=", "override"), ("reason", "ilike", picking.name)]
        )
        self.assertEqual(len(overrides), 1)

    def test_release_beyond_the_mandate(self):
        self.use("hold")
        decision = self.use("release")
        self.assertEqual(decision.state, "to_approve")
        self.assertTrue(self.customer.collection_hold)
        decision.with_user(self.manager).action_approve()
        self.assertFalse(self.customer.collection_hold)

    def test_expired_mandate_and_other_company_cover_nothing(self):
        self.mandate.date_end = "2026-03-01"
        self.assertEqual(
            self.use("delay", self.invoice, date="2026-03-20").state, "to_approve"
        )
        self.mandate.date_end = False
        company_2 = self.setup_other_company()["company"]
        self.collector.company_ids |= company_2
        self.assertFalse(
            self.env["collection.mandate"]._get_mandate(
                self.collector, company_2, fields.Date.today()
            )
        )

    def test_screens_open_the_measure_for_their_customer(self):
        action = self.invoice.action_collection_extend()
        context = action["context"]
        self.assertEqual(action["name"], "Grant an extension")
        form = Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**context)
        )
        self.assertEqual(
            form.limit, "15 days", "the collector sees the mandate's limit"
        )
        # days typed count from today; the mandate counts from the oldest
        # original due date, shown
        self.assertEqual(str(form.due_date), "2026-03-10")
        form.days = 5
        self.assertEqual(str(form.date), "2026-03-20")
        self.assertEqual(form.value, 10)
        self.assertTrue(form.within_mandate)
        # a date in the past is said at once
        form.date = "2026-03-12"
        self.assertIn("after today", form.date_error)
        self.assertFalse(form.within_mandate)
        form.date = "2026-04-10"
        self.assertFalse(form.date_error)
        self.assertEqual((form.days, form.value), (26, 31))
        self.assertFalse(form.within_mandate)
        form.reason = "Cash flow gap until their customer pays"
        decision = form.save()._request()
        self.assertEqual((decision.state, decision.value), ("to_approve", 31.0))
        self.assertEqual(context["default_measure"], "delay")
        self.assertEqual(context["default_partner_id"], self.customer.id)
        self.assertEqual(context["default_move_ids"], self.invoice.ids)
        context = self.customer_contact.action_collection_hold()["context"]
        self.assertEqual(context["default_partner_id"], self.customer.id)
        other = self.create_invoice(self.other_customer, 100, "2026-03-01")
        with self.assertRaisesRegex(UserError, "one customer"):
            (self.invoice | other).action_collection_waive()

    def test_salesperson_uses_no_measure(self):
        with self.assertRaises(AccessError):
            self.use("hold", user=self.salesperson)
        with self.assertRaises(AccessError):
            self.env["collection.decision"].with_user(self.salesperson)._request(
                "hold", self.customer
            )

    def test_direct_calls_are_held_to_the_same_rules(self):
        invoice = self.invoice.with_user(self.collector)
        with self.assertRaisesRegex(AccessError, "within a mandate"):
            invoice.write({"collection_extended_until": "2026-06-30"})
        with self.assertRaisesRegex(AccessError, "Hold and Release"):
            self.customer.with_user(self.collector).write({"collection_hold": True})
        decision = (
            self.env["collection.decision"]
            .with_user(self.collector)
            ._request("delay", self.customer, invoice, date=date(2026, 5, 9))
        )
        self.assertEqual(decision.state, "to_approve")
        self.assertFalse(self.invoice.collection_extended_until)
        with self.assertRaises(AccessError):
            self.env["collection.decision"].with_user(self.collector).create(
                {"measure": "hold", "partner_id": self.customer.id, "state": "applied"}
            )

    def test_bad_values_are_refused(self):
        Mandate = self.env["collection.mandate"].with_user(self.manager)
        other = new_test_user(
            self.env,
            login="collector_2",
            groups="credit_collection.group_collection_user",
        )
        values = {
            "name": "X",
            "user_ids": [Command.set(other.ids)],
            "manager_id": self.manager.id,
        }
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            Mandate.create({**values, "max_delay_days": -5})
        with self.assertRaisesRegex(ValidationError, "cannot end before it starts"):
            Mandate.create(
                {**values, "date_start": "2026-03-01", "date_end": "2026-02-01"}
            )
        with self.assertRaisesRegex(ValidationError, "two mandates at the same time"):
            Mandate.create({**values, "user_ids": [Command.set(self.collector.ids)]})
        with self.assertRaisesRegex(UserError, "after today"):
            self.use("delay", self.invoice, date="2026-03-01")
        # four eyes: nobody gives their own mandate, nor approves beyond it
        with self.assertRaisesRegex(AccessError, "given by another manager"):
            Mandate.create(
                {
                    **values,
                    "user_ids": [Command.set(self.manager.ids)],
                    "manager_id": self.env.user.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "cannot approve beyond"):
            self.env["collection.mandate"].create(
                {**values, "user_ids": [Command.set(other.ids)], "manager_id": other.id}
            )
