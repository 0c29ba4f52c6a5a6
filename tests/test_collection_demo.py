from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCollectionDemo(TransactionCase):
    """The demo users can each do their job: the collector holds a customer,
    the salesperson cannot sell to it, the manager confirms and delivers
    anyway, as a logged override."""

    def test_each_demo_role_does_its_job(self):
        claire = self.env.ref("credit_collection.user_collector_fr")
        julien = self.env.ref("credit_collection.user_salesperson_fr")
        sophie = self.env.ref("credit_collection.user_collection_manager")
        customer = self.env.ref("credit_collection.partner_boulangerie_martin")
        action = customer.with_user(claire).action_collection_hold()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(claire)
            .with_context(**action["context"])
        )
        wizard.reason = "Three invoices unpaid, no answer"
        wizard.save().action_confirm()
        self.assertTrue(customer.collection_hold)
        product = self.env.ref("credit_collection.product_flour_bag")
        order = (
            self.env["sale.order"]
            .with_user(julien)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
        )
        with self.assertRaisesRegex(UserError, "credit hold"):
            order.action_confirm()
        order.with_user(sophie).action_confirm()
        self.assertEqual(order.state, "sale")
        picking = order.picking_ids.with_user(sophie)
        picking.move_ids.quantity = 1
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        overrides = self.env["collection.decision"].search(
            [("measure", "=", "override"), ("partner_id", "=", customer.id)]
        )
        self.assertEqual(overrides.user_id, sophie)
        self.assertEqual(len(overrides), 2, "the order and the delivery")

    def test_the_demo_dashboard_reads_like_a_company(self):
        """A year of history behind the open book: over the last three
        complete months, credit sales, collections, a DSO and a CEI a credit
        manager would recognise."""
        sophie = self.env.ref("credit_collection.user_collection_manager")
        dashboard = self.env["collection.dashboard"].with_user(sophie).create({})
        self.assertGreater(dashboard.credit_sales, 0)
        self.assertGreater(dashboard.collected, 0)
        self.assertGreater(dashboard.dso, 0)
        self.assertLess(dashboard.dso, 365)
        self.assertGreater(dashboard.cei, 0)
        self.assertLessEqual(dashboard.cei, 100)

    def test_the_demo_case_is_named_as_the_demo_files_records(self):
        """The case the demo hands over and the plan it broke, made by code,
        are named as the demo file's records: kept by an update (noupdate),
        and deleted by an uninstall before the handler they refer to (the
        newest names first)."""
        case = self.env.ref("credit_collection.case_garnier")
        plan = self.env.ref("credit_collection.promise_garnier")
        handler = self.env.ref("credit_collection.handler_dufour")
        self.assertEqual(case.handler_id, handler)
        self.assertEqual(plan.partner_id, case.partner_id)
        names = {
            data.name: data
            for data in self.env["ir.model.data"].search(
                [
                    ("module", "=", "credit_collection"),
                    (
                        "name",
                        "in",
                        ["case_garnier", "promise_garnier", "handler_dufour"],
                    ),
                ]
            )
        }
        self.assertTrue(names["case_garnier"].noupdate)
        self.assertTrue(names["promise_garnier"].noupdate)
        self.assertGreater(names["case_garnier"].id, names["handler_dufour"].id)

    def test_the_portal_accountant_has_her_companys_statement(self):
        """Boulangerie Martin's accountant (login boulangerie) finds its open
        invoices on the portal, with self-service on the default policy."""
        elise = self.env.ref("credit_collection.user_portal_boulangerie")
        customer = self.env.ref("credit_collection.partner_boulangerie_martin")
        self.assertTrue(elise._is_portal())
        partner = elise.partner_id.with_user(elise)
        invoices = partner._collection_portal_invoices()
        self.assertTrue(invoices)
        self.assertEqual(invoices.commercial_partner_id, customer)
        self.assertEqual(
            len(invoices),
            self.env["account.move"].search_count(
                [
                    ("commercial_partner_id", "=", customer.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            ),
        )
        self.assertTrue(partner._collection_portal_policy().portal_self_service)
        # and her company's rejected dispute, with the collector's answer
        dispute = partner._collection_portal_disputes()
        self.assertEqual(len(dispute), 1)
        self.assertEqual(dispute.collection_dispute_state, "rejected")
        self.assertIn("bon de livraison", dispute.collection_dispute_answer)
        self.assertFalse(dispute.collection_disputed)
