from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import TODAY, CollectionCommon

KANBAN_FIELDS = [
    "name",
    "partner_id",
    "collection_alert",
    "collection_hold",
    "collection_overdue_amount",
    "collection_currency_id",
]


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionCrm(CollectionCommon):
    """The salesperson's pipeline and orders show their customer's
    receivables: overdue, level reached, hold, broken or open promise; for
    their own customers only, for the whole pipeline at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        cls.invoice = cls.create_invoice(cls.customer, 1500, "2026-02-13")  # 30 days
        cls.create_invoice(cls.other_customer, 800, "2026-03-01")
        Lead = cls.env["crm.lead"]
        cls.lead = Lead.create(
            {
                "name": "Ovens for the new shop",
                "type": "opportunity",
                "partner_id": cls.customer_contact.id,
                "user_id": cls.salesperson.id,
            }
        )
        # prospecting another salesperson's customer
        cls.other_lead = Lead.create(
            {
                "name": "Three trucks",
                "type": "opportunity",
                "partner_id": cls.other_customer.id,
                "user_id": cls.salesperson.id,
            }
        )

    def facts(self, lead, user=None):
        self.env.invalidate_all()
        lead = lead.with_user(user or self.salesperson)
        return (
            lead.collection_alert,
            lead.collection_overdue_amount,
            lead.collection_oldest_overdue_days,
            lead.collection_level_id.name or False,
            lead.collection_hold,
            lead.collection_broken_recently,
            lead.collection_promise_date and str(lead.collection_promise_date),
        )

    def test_overdue_with_the_level_reached(self):
        policy = self.create_policy(
            {
                "name": "First reminder",
                "days_after_due": 3,
                "channel": "phone",
            },
            name="P",
        )
        run = self.env["collection.run"].create(
            {"policy_ids": [Command.set(policy.ids)]}
        )
        run.action_propose()
        run.action_execute()
        self.assertEqual(
            self.facts(self.lead),
            (True, 1500.0, 30, "First reminder", False, False, False),
        )

    def test_hold_broken_and_open_promises(self):
        self.customer.sudo().collection_hold = True
        promise = (
            self.env["collection.promise"]
            .sudo()
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.invoice.ids)],
                    "line_ids": [Command.create({"date": "2026-03-01", "amount": 100})],
                }
            )
        )
        promise.state = "broken"
        open_promise = (
            self.env["collection.promise"]
            .sudo()
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.invoice.ids)],
                    "line_ids": [
                        Command.create({"date": "2026-03-31", "amount": 1500})
                    ],
                }
            )
        )
        open_promise.state = "open"
        self.assertEqual(
            self.facts(self.lead),
            (True, 1500.0, 30, False, True, True, "2026-03-31"),
        )
        # a promise broken more than a year ago is forgotten
        promise.line_ids.date = "2025-03-01"
        self.customer.sudo().collection_hold = False
        open_promise.state = "cancel"
        self.assertEqual(
            self.facts(self.lead), (True, 1500.0, 30, False, False, False, False)
        )

    def test_nothing_to_say_and_nothing_for_others(self):
        self.pay(self.invoice, 1500, "2026-03-10")
        self.assertEqual(
            self.facts(self.lead), (False, 0.0, 0, False, False, False, False)
        )
        # another salesperson's customer, overdue: nothing shown to him
        self.assertEqual(
            self.facts(self.other_lead), (False, 0.0, 0, False, False, False, False)
        )
        his_lead = self.other_lead.copy({"user_id": self.other_salesperson.id})
        self.assertEqual(
            self.facts(his_lead, self.other_salesperson)[:2], (True, 800.0)
        )

    def test_other_company_keeps_its_receivables(self):
        company_2 = self.setup_other_company()["company"]
        self.salesperson.company_ids += company_2
        invoice_2 = self.create_invoice(
            self.other_customer, 900, "2026-01-15", company=company_2
        )
        invoice_2.invoice_user_id = self.salesperson
        # selling to it in company 2 opens company 2's figures, not company 1's
        self.assertFalse(self.facts(self.other_lead)[0])
        lead_2 = (
            self.env["crm.lead"]
            .with_company(company_2)
            .create(
                {
                    "name": "Trucks, company 2",
                    "type": "opportunity",
                    "partner_id": self.other_customer.id,
                    "user_id": self.salesperson.id,
                    "company_id": company_2.id,
                }
            )
        )
        self.assertEqual(self.facts(lead_2)[:2], (True, 900.0))

    def test_the_order_shows_the_same_facts(self):
        order = self.env["sale.order"].create({"partner_id": self.customer.id})
        order = order.with_user(self.salesperson)
        self.assertEqual(
            (order.collection_alert, order.collection_overdue_amount), (True, 1500.0)
        )

    def test_pipeline_of_80_in_constant_queries(self):
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Customer {index:02d}",
                    "is_company": True,
                    "user_id": self.salesperson.id,
                }
                for index in range(80)
            ]
        )
        # one batch: the test reads the list, it does not time the invoicing
        self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_user_id": self.salesperson.id,
                    "invoice_date": "2026-01-01",
                    "invoice_date_due": "2026-02-01",
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Flour", "price_unit": 100, "tax_ids": []}
                        )
                    ],
                }
                for customer in customers
            ]
        ).action_post()
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Deal {customer.name}",
                    "type": "opportunity",
                    "partner_id": customer.id,
                    "user_id": self.salesperson.id,
                }
                for customer in customers
            ]
        )
        Lead = self.env["crm.lead"].with_user(self.salesperson)

        def read(records):
            self.env.invalidate_all()
            # what a request reads once whatever the list (the user and their
            # company), read first: the counts compare what depends on the list
            Lead.env.user.company_id.currency_id.read(["name"])
            return Lead.web_search_read(
                [("id", "in", records.ids)], {name: {} for name in KANBAN_FIELDS}
            )["records"]

        read(leads[:5])  # warm the caches
        before = self.env.cr.sql_log_count
        read(leads[:10])
        queries = self.env.cr.sql_log_count - before
        with self.assertQueryCount(queries):
            rows = read(leads)
        self.assertEqual(len(rows), 80)
        self.assertTrue(all(row["collection_overdue_amount"] == 100.0 for row in rows))

    def test_my_customers_receivables_most_overdue_first(self):
        """The salesperson's list: their own customers with an open amount,
        sorted by what is overdue, others' customers neither listed nor
        weighing in the order."""
        third = self.env["res.partner"].create(
            {"name": "Garage Petit", "is_company": True, "user_id": self.salesperson.id}
        )
        self.create_invoice(third, 4000, "2026-02-01")
        action = self.env.ref(
            "credit_collection.res_partner_action_salesperson_receivables"
        )
        Partner = self.env["res.partner"].with_user(self.salesperson)
        rows = Partner.web_search_read(
            safe_eval(action.domain) + [("collection_overdue_amount", ">", 0)],
            {"collection_overdue_amount": {}},
            order="collection_overdue_amount desc",
        )["records"]
        self.assertEqual(
            [(row["id"], row["collection_overdue_amount"]) for row in rows],
            [(third.id, 4000.0), (self.customer.id, 1500.0)],
        )

    def test_a_collector_who_is_also_the_salesperson_gets_both_activities(self):
        """A small company: one person sells and collects. The call and the
        salesperson's request are two activities of one user on one dunning."""
        policy = self.create_policy(
            {
                "name": "Call before the formal notice",
                "days_after_due": 3,
                "channel": "phone",
                "notify_salesperson": True,
            },
            name="P",
        )
        self.collector.groups_id += self.env.ref("sales_team.group_sale_salesman")
        self.customer.collection_user_id = self.collector
        self.invoice.sudo().invoice_user_id = self.collector
        run = self.executed_policy_run(policy)
        dunning = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        self.assertEqual(dunning.state, "done")
        self.assertEqual(len(dunning.activity_ids), 2)
        self.assertEqual(dunning.activity_ids.user_id, self.collector)

    def test_the_salesperson_logs_the_answer_which_reaches_the_collector(self):
        policy = self.create_policy(
            {
                "name": "Call before the formal notice",
                "days_after_due": 3,
                "channel": "phone",
                "notify_salesperson": True,
            },
            name="P",
        )
        self.customer.collection_user_id = self.collector
        run = self.executed_policy_run(policy)
        dunning = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        mine = dunning.activity_ids.filtered(lambda a: a.user_id == self.salesperson)
        self.assertEqual(len(mine), 1)
        # opened from the dunning as the web client does
        action = dunning.with_user(self.salesperson).action_log_answer()
        form = Form(
            self.env[action["res_model"]]
            .with_user(self.salesperson)
            .with_context(**action["context"])
        )
        self.assertEqual(form.move_ids[:], self.invoice)
        form.contact_name = "Mrs Martin"
        form.note = "Pays on the 31st, cheque already signed"
        form.promise_type = "promise"
        form.date = date(2026, 3, 31)
        form.save().action_confirm()
        self.assertFalse(mine.exists(), "his request is done")
        self.assertIn("Mrs Martin", self.invoice.message_ids[0].body)
        self.assertIn("salesperson", self.invoice.message_ids[0].body)
        promise = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        # a draft the collector confirms within their mandate: nothing granted
        self.assertEqual(promise.state, "draft")
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        self.assertEqual(str(promise.date_due), "2026-03-31")
        # another salesperson reads neither the dunning nor logs for this customer
        # his customer's form opens what he may read: its overdue invoices, the
        # dunnings that asked him
        own = self.customer.with_user(self.salesperson)
        self.assertEqual(own.collection_dunning_count, 1)
        for action in (
            own.action_view_collection_invoices(),
            own.action_view_collection_dunnings(),
        ):
            self.assertTrue(
                self.env[action["res_model"]]
                .with_user(self.salesperson)
                .search(action["domain"])
            )
        plain = new_test_user(self.env, login="plain_crm", groups="base.group_user")
        self.assertEqual(self.customer.with_user(plain).collection_dunning_count, 0)
        with self.assertRaises(AccessError):
            dunning.with_user(self.other_salesperson).action_log_answer()
        wizard = (
            self.env["collection.call.wizard"]
            .with_user(self.other_salesperson)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.invoice.ids)],
                    "note": "Forged",
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard._action_confirm()
