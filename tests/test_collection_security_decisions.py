from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import TODAY
from .common_security import CollectionSecurityCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestDecisionSecurity(CollectionSecurityCommon):
    """Decisions, charges, payment terms, holds and salespeople: what a role
    may not take beyond its mandate, through every door."""

    # ------------------------------------------------------------
    # Decisions
    # ------------------------------------------------------------

    def test_four_eyes(self):
        decision = (
            self.env["collection.decision"]
            .with_user(self.manager)
            ._request("delay", self.customer, self.invoice, date=date(2026, 5, 30))
        )
        self.assertEqual(decision.state, "to_approve")
        self.assertEqual(decision.manager_id, self.approver)
        # the value is computed from the invoice, not given: 86 days
        self.assertEqual(decision.value, 86.0)
        with self.assertRaisesRegex(AccessError, "asked for this yourself"):
            decision.with_user(self.manager).action_approve()
        other_manager = new_test_user(
            self.env,
            login="other_manager",
            groups="credit_collection.group_collection_manager",
        )
        with self.assertRaisesRegex(AccessError, "decides this request, not you"):
            decision.with_user(other_manager).action_approve()
        self.assertFalse(self.invoice.collection_extended_until)
        decision.with_user(self.approver).action_approve()
        self.assertEqual(str(self.invoice.collection_extended_until), "2026-05-30")

    def test_an_extension_extends(self):
        not_due = self.create_invoice(self.customer, 300, "2026-04-30")
        with self.assertRaisesRegex(UserError, "nothing to extend"):
            self.env["collection.decision"].with_user(self.collector)._request(
                "delay", self.customer, not_due, date=date(2026, 4, 1)
            )
        self.assertFalse(not_due.collection_extended_until)

    def test_an_applied_decision_is_never_rewritten(self):
        decision = (
            self.env["collection.decision"]
            .with_user(self.collector)
            ._request("delay", self.customer, self.invoice, date=date(2026, 3, 20))
        )
        self.assertEqual((decision.state, decision.value), ("applied", 15.0))
        for values in ({"state": "refused"}, {"value": 1}, {"within_mandate": False}):
            self.assert_refused_to_all(
                lambda role, v=values: self.as_role(role, decision).write(v)
            )
        self.assert_refused_to_all(lambda role: self.as_role(role, decision).unlink())
        self.assert_refused_to_all(
            lambda role: self.as_role(role, decision).copy(),
        )
        self.assertEqual((decision.state, decision.value), ("applied", 15.0))

    def test_manager_with_a_mandate_overrides_a_hold(self):
        self.customer.sudo().collection_hold = True
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.product_a.id})],
            }
        )
        self.manager.groups_id += self.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        self.collector.groups_id += self.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        with self.assertRaisesRegex(UserError, "on credit hold"):
            order.with_user(self.collector).action_confirm()
        order.with_user(self.manager).action_confirm()
        self.assertEqual(order.state, "sale")
        override = self.env["collection.decision"].search(
            [("measure", "=", "override"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual((override.user_id, override.state), (self.manager, "applied"))

    # ------------------------------------------------------------
    # Charges, terms, holds, salespeople
    # ------------------------------------------------------------

    def test_charges_are_waived_by_a_waiver_only(self):
        self.env.company.collection_interest_mode = "fr"
        charges = self.old_invoice.collection_interest_amount
        self.assertGreater(charges, 0)
        accountant = new_test_user(
            self.env, login="accountant", groups="account.group_account_invoice"
        )
        line_values = {
            "name": "Nothing",
            "price_unit": 0.0,
            "collection_charged_move_id": self.old_invoice.id,
            "collection_charge_type": "interest",
            "collection_interest_date_to": "2026-03-15",
        }
        for user in (accountant, self.collector, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["account.move"].with_user(user).create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customer.id,
                        "invoice_line_ids": [Command.create(line_values)],
                    }
                )
        draft = self.create_invoice(self.customer, 10, "2026-03-15", post=False)
        with self.assertRaises(AccessError):
            draft.invoice_line_ids.with_user(accountant).write(
                {"collection_charged_move_id": self.old_invoice.id}
            )
        # another company's invoice never charges this one
        other_company = self.setup_other_company()["company"]
        with self.assertRaisesRegex(ValidationError, "same company"):
            self.create_invoice(
                self.customer, 10, "2026-03-15", company=other_company, post=False
            ).invoice_line_ids.sudo().collection_charged_move_id = self.old_invoice
        self.old_invoice.invalidate_recordset()
        self.assertEqual(self.old_invoice.collection_interest_amount, charges)

    def test_longer_payment_terms_need_the_measure(self):
        end_of_next_month = self.env.ref(
            "account.account_payment_term_end_following_month"
        )
        short = self.env.ref("account.account_payment_term_15days")
        # "End of following month" is up to 61 days, not 0
        self.assertEqual(end_of_next_month._collection_get_days(), 61)
        self.env.company.collection_payment_days = 30
        for role in ("collector", "salesperson"):
            with (
                self.subTest(role=role),
                self.assertRaisesRegex(AccessError, "Accept Payment Terms"),
            ):
                self.as_role(
                    role, self.customer
                ).property_payment_term_id = end_of_next_month
        self.customer.with_user(self.salesperson).property_payment_term_id = short
        self.assertEqual(self.customer.property_payment_term_id, short)
        order = self.env["sale.order"].create({"partner_id": self.customer.id})
        with self.assertRaisesRegex(AccessError, "Accept Payment Terms"):
            order.with_user(self.salesperson).payment_term_id = end_of_next_month
        # the measure checks the order against the customer
        other_order = self.env["sale.order"].create(
            {"partner_id": self.other_customer.id}
        )
        with self.assertRaisesRegex(UserError, "is not an order of"):
            self.env["collection.decision"].with_user(self.collector)._request(
                "terms",
                self.customer,
                payment_term=end_of_next_month,
                order=other_order,
            )
        decision = (
            self.env["collection.decision"]
            .with_user(self.collector)
            ._request(
                "terms", self.customer, payment_term=end_of_next_month, order=order
            )
        )
        self.assertEqual((decision.value, decision.state), (61.0, "to_approve"))
        self.assertEqual(order.payment_term_id, short)

    def test_hold_reason_is_for_those_allowed(self):
        self.customer.sudo().write(
            {"collection_hold": True, "collection_hold_reason": "Three months late"}
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.plain).read(["collection_hold_reason"])
        # the salesperson of the customer's invoices reads it, with its date
        # and author, not another salesperson
        self.assertIn(
            "Three months late",
            self.customer.with_user(self.salesperson).collection_hold_note,
        )
        self.assertFalse(
            self.customer.with_user(self.other_salesperson).collection_hold_note
        )

    def test_salesperson_cannot_make_a_customer_their_own(self):
        customer = self.other_customer.with_user(self.salesperson)
        self.assertFalse(customer.collection_status_access)
        with self.assertRaisesRegex(AccessError, "changes the salesperson"):
            customer.user_id = self.salesperson
        self.assertEqual(self.other_customer.user_id, self.other_salesperson)
        customer.invalidate_recordset()
        self.assertFalse(customer.collection_status_access)
        self.assertEqual(customer.collection_overdue_amount, 0.0)
        # a new contact of their own is theirs to name
        lead = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .create({"name": "Nouveau client", "user_id": self.salesperson.id})
        )
        self.assertEqual(lead.user_id, self.salesperson)
