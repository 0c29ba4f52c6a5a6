from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import TODAY
from .common_security import CollectionSecurityCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestSideDoors(CollectionSecurityCommon):
    """Through the side doors: default values in the context, the invoice's
    own fields, orders and deliveries, what was sent."""

    # ------------------------------------------------------------
    # Through the side doors
    # ------------------------------------------------------------

    def test_context_defaults_are_values_too(self):
        """`default_<field>` keys of the context (any RPC client sets them)
        are checked as the values they become."""
        stop = self.policy.level_ids.filtered("hold_deliveries")
        run = self.new_run()
        attacks = {
            "open promise": lambda user: (
                self.env["collection.promise"]
                .with_user(user)
                .with_context(default_state="open")
                .create(
                    {
                        "partner_id": self.customer.id,
                        "move_ids": [Command.set(self.invoice.ids)],
                    }
                )
            ),
            "backdated promise": lambda user: (
                self.env["collection.promise"]
                .with_user(user)
                .with_context(default_date="2025-01-01")
                .create({"partner_id": self.customer.id})
            ),
            "queued dunning": lambda user: (
                self.env["collection.dunning"]
                .with_user(user)
                .with_context(
                    default_partner_id=self.customer.id,
                    default_level_id=stop.id,
                    default_run_id=run.id,
                    default_state="queued",
                )
                .create({})
            ),
            "sent dunning line": lambda user: (
                self.env["collection.dunning.line"]
                .with_user(user)
                .with_context(
                    default_move_id=self.invoice.id,
                    default_partner_id=self.customer.id,
                    default_level_id=stop.id,
                    default_state="done",
                )
                .create({"date": TODAY})
            ),
            "run dated elsewhere": lambda user: (
                self.env["collection.run"]
                .with_user(user)
                .with_context(default_date="2026-12-20", default_state="done")
                .create({})
            ),
            "customer on hold": lambda user: (
                self.env["res.partner"]
                .with_user(user)
                .with_context(default_collection_hold=True)
                .create({"name": "Held"})
            ),
            "excluded invoice": lambda user: (
                self.env["account.move"]
                .with_user(user)
                .with_context(default_collection_excluded=True)
                .create({"move_type": "out_invoice", "partner_id": self.customer.id})
            ),
            "extended invoice": lambda user: (
                self.env["account.move"]
                .with_user(user)
                .with_context(default_collection_extended_until="2027-01-01")
                .create({"move_type": "out_invoice", "partner_id": self.customer.id})
            ),
        }
        for label, attack in attacks.items():
            with self.subTest(attack=label):
                self.assert_refused_to_all(
                    lambda role, a=attack: a(getattr(self, role)),
                    roles=("collector", "salesperson", "plain"),
                )
        long_terms = self.env.ref("account.account_payment_term_end_following_month")
        self.env.company.collection_payment_days = 30
        with self.assertRaisesRegex(AccessError, "Accept Payment Terms"):
            self.env["res.partner"].with_user(self.collector).with_context(
                default_property_payment_term_id=long_terms.id
            ).create({"name": "Long terms"})
        self.assertFalse(self.customer.collection_hold)
        self.assertFalse(self.invoice.collection_level_id)

    def test_invoice_side_of_promises_charges_and_levels(self):
        promise = self.open_promise()
        invoice = self.invoice.with_user(self.collector)
        for values in (
            {"collection_promise_ids": [Command.unlink(promise.id)]},
            {"collection_level_id": self.policy.level_ids[-1].id},
            {"collection_interest_invoiced_until": "2099-12-31"},
            {"collection_compensation_invoiced": True},
            {"collection_is_charge_invoice": True},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                invoice.write(values)
        with self.assertRaises(AccessError):
            self.old_invoice.with_user(self.collector).copy(
                {"collection_extended_until": "2027-12-31"}
            )
        self.assertEqual(promise.move_ids, self.invoice)
        self.assertGreater(self.old_invoice.collection_interest_amount, 0)

    def test_a_charge_lowered_by_hand_is_not_posted(self):
        wizard = (
            self.env["collection.charge.wizard"]
            .with_user(self.collector)
            .create({"partner_ids": self.customer.ids})
        )
        charge = self.env["account.move"].browse(
            wizard.action_create_invoices()["res_id"]
        )
        charge.invoice_line_ids.with_user(self.collector).write({"price_unit": 0.01})
        with self.assertRaisesRegex(UserError, "a lower charge is a waiver"):
            charge.with_user(self.collector).action_post()
        self.assertEqual(charge.state, "draft")
        self.assertFalse(self.old_invoice.collection_compensation_invoiced)

    def test_today_is_the_company_s(self):
        far_ahead = self.new_run().with_context(tz="Pacific/Kiritimati")
        with freeze_time("2026-03-15 20:00"), self.assertRaises(AccessError):
            self.env["collection.run"].with_user(self.collector).with_context(
                tz="Pacific/Kiritimati"
            ).create({"date": "2026-03-16"})
        self.assertEqual(str(far_ahead.date), TODAY)

    def test_a_salesperson_does_not_restructure_customers(self):
        own = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .create({"name": "Holding Martin", "is_company": True})
        )
        contact = self.other_customer.with_user(self.salesperson)
        for values in (
            {"commercial_partner_id": self.customer.id},
            {"parent_id": own.id, "is_company": False},
            {"is_company": False},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                contact.write(values)
        self.assertEqual(self.other_customer.commercial_partner_id, self.other_customer)

    def test_an_order_is_not_moved_to_a_customer_on_hold(self):
        self.customer.sudo().collection_hold = True
        salesman = new_test_user(
            self.env,
            login="salesman_all",
            groups="sales_team.group_sale_salesman_all_leads,stock.group_stock_user",
        )
        order = (
            self.env["sale.order"]
            .with_user(salesman)
            .create(
                {
                    "partner_id": self.other_customer.id,
                    "order_line": [Command.create({"product_id": self.product_a.id})],
                }
            )
        )
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "on credit hold"):
            order.write({"partner_id": self.customer.id})
        self.assertEqual(order.partner_id, self.other_customer)

    def test_what_was_sent_is_read_by_collectors_and_the_salesperson(self):
        run = self.executed_run()
        self.env["collection.dunning"].sudo()._cron_send_queued()
        dunning = run.dunning_ids.filtered(lambda d: d.level_id.name == "Reminder")
        dunning = dunning or run.dunning_ids[:1]
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "collection.dunning"),
                ("res_id", "in", run.dunning_ids.ids),
            ]
        )
        self.assertTrue(messages)
        # the customer's salesperson reads their customers' dunnings and what
        # was sent; another salesperson or a plain user reads none
        own = messages.filtered(
            lambda m: (
                self.env[m.model].browse(m.res_id).salesperson_id == self.salesperson
            )
        )
        self.assertTrue(own)
        self.assertEqual(
            self.env["mail.message"]
            .with_user(self.salesperson)
            .search([("id", "in", messages.ids)]),
            own,
        )
        self.assertEqual(
            run.dunning_ids.with_user(self.salesperson).search(
                [("id", "in", run.dunning_ids.ids)]
            ),
            run.dunning_ids.filtered(lambda d: d.salesperson_id == self.salesperson),
        )
        other = new_test_user(
            self.env, login="third_salesperson", groups="sales_team.group_sale_salesman"
        )
        for user in (other, self.plain):
            with self.subTest(user=user.login):
                self.assertFalse(
                    self.env["mail.message"]
                    .with_user(user)
                    .search([("id", "in", messages.ids)])
                )
        letter = run.dunning_ids.letter_attachment_id[:1]
        for values in ({"name": "x.pdf"}, {"res_field": "x"}, {"type": "url"}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                letter.with_user(self.collector).write(values)

    def test_a_written_due_date_gains_no_day(self):
        """Core lets accounting write a posted line's due date (outside the
        inalterable hash): the write goes through, lateness still counts
        from the original due date (test_collection_doors: the extension it
        records)."""
        line = self.old_invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        line.with_user(self.collector).write({"date_maturity": "2027-12-31"})
        self.assertEqual(str(line.date_maturity), "2027-12-31")
        self.old_invoice.invalidate_recordset()
        self.assertEqual(self.old_invoice.collection_days_overdue, 54)
        self.assertFalse(self.old_invoice.collection_extended_until)
        # nor does an address's time zone move "today"
        self.env.company.partner_id.with_user(self.collector).tz = "Pacific/Kiritimati"
        with self.assertRaises(AccessError):
            self.new_run(date="2026-03-16")

    def test_charge_invoices_are_not_waivers_in_disguise(self):
        def charge():
            wizard = (
                self.env["collection.charge.wizard"]
                .with_user(self.collector)
                .create({"partner_ids": self.customer.ids})
            )
            return self.env["account.move"].browse(
                wizard.action_create_invoices()["res_id"]
            )

        invoice = charge()
        computed = invoice.amount_total
        invoice.with_user(self.collector).write(
            {
                "invoice_line_ids": [
                    Command.create({"name": "Gesture", "price_unit": -computed})
                ]
            }
        )
        with self.assertRaisesRegex(UserError, "a lower charge is a waiver"):
            invoice.with_user(self.collector).action_post()
        invoice.invoice_line_ids.filtered(lambda line: line.price_unit < 0).unlink()
        invoice.with_user(self.collector).partner_id = self.other_customer
        with self.assertRaisesRegex(UserError, "a lower charge is a waiver"):
            invoice.with_user(self.collector).action_post()
        invoice.with_user(self.collector).partner_id = self.customer
        invoice.with_user(self.collector).action_post()
        self.assertTrue(self.old_invoice.collection_compensation_invoiced)
        # reversed in full, it charges nothing: the charges are due again
        invoice._reverse_moves(cancel=True)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(self.old_invoice.collection_compensation_invoiced)
        self.assertEqual(self.old_invoice.collection_compensation_amount, 40.0)

    def test_no_delivery_nor_order_for_a_held_customer_by_another_address(self):
        self.customer.sudo().collection_hold = True
        salesman = new_test_user(
            self.env,
            login="salesman_addresses",
            groups="sales_team.group_sale_salesman_all_leads,stock.group_stock_user",
        )
        order = (
            self.env["sale.order"]
            .with_user(salesman)
            .create(
                {
                    "partner_id": self.other_customer.id,
                    "partner_invoice_id": self.customer.id,
                    "order_line": [Command.create({"product_id": self.product_a.id})],
                }
            )
        )
        with self.assertRaisesRegex(UserError, "on credit hold"):
            order.action_confirm()
        order.partner_invoice_id = self.other_customer
        order.action_confirm()
        picking = order.picking_ids
        with self.assertRaisesRegex(UserError, "on credit hold"):
            order.partner_shipping_id = self.customer
        self.customer_contact.sudo().parent_id = False
        picking.partner_id = self.customer_contact
        self.customer_contact.sudo().parent_id = self.customer
        picking.move_ids.quantity = 1
        with self.assertRaisesRegex(UserError, "delivering"):
            picking.button_validate()
        self.assertNotEqual(picking.state, "done")
        # nor is its contact detached by anybody but a collector
        for user in (salesman, self.salesperson):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer_contact.with_user(user).parent_id = False

    def test_what_was_sent_stays_as_sent(self):
        run = self.executed_run()
        self.env["collection.dunning"].sudo()._cron_send_queued()
        dunning = run.dunning_ids.filtered("mail_message_id")[:1]
        message = (
            dunning.mail_message_id
            or run.dunning_ids.message_ids.filtered("attachment_ids")[:1]
        )
        self.assertTrue(message)
        for role in ("collector", "manager"):
            with self.subTest(role=role), self.assertRaisesRegex(UserError, "kept"):
                message.with_user(getattr(self, role)).unlink()
        with self.assertRaisesRegex(UserError, "kept as it was sent"):
            self.env[message.model].browse(message.res_id).with_user(
                self.collector
            )._message_update_content(message, "Nothing was ever sent.")
        self.assertTrue(message.exists())
        # a mandate that was used is kept with its decisions
        self.env["collection.decision"].with_user(self.collector)._request(
            "delay", self.customer, self.invoice, date=date(2026, 3, 20)
        )
        with self.assertRaisesRegex(UserError, "archive it"):
            self.mandate.with_user(self.approver).unlink()
        with self.assertRaisesRegex(AccessError, "Name"):
            self.env["collection.run"].with_user(self.collector).name_create(
                "RUN/2026/0001"
            )
