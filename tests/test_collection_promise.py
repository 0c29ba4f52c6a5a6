from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import CollectionCommon


@freeze_time("2026-03-15")
@tagged("post_install", "-at_install")
class TestCollectionPromise(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["collection.mandate"].create(
            {
                "name": "Collectors",
                "user_ids": [Command.set(cls.collector.ids)],
                "manager_id": cls.manager.id,
                "date_start": "2026-01-01",
                "max_delay_days": 30,
                "max_credit_amount": 1000,
                "max_broken_promises": 2,
            }
        )
        cls.invoice_1 = cls.create_invoice(cls.customer, 600, "2026-03-01")
        cls.invoice_2 = cls.create_invoice(cls.customer, 900, "2026-02-20")
        cls.invoice_later = cls.create_invoice(cls.customer, 400, "2026-04-30")
        cls.cash_problem = cls.env.ref(
            "credit_collection.collection_reason_cash_problem"
        )

    def log_call(self, moves=None, **values):
        wizard = Form(
            self.env["collection.call.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
        )
        wizard.contact_name = "Mrs Martin"
        wizard.reason_id = self.cash_problem
        if moves:
            wizard.move_ids.clear()
            for move in moves:
                wizard.move_ids.add(move)
        for name, value in values.items():
            setattr(wizard, name, value)
        return wizard.save()._action_confirm()

    def evaluate(self, day):
        with freeze_time(day):
            self.env["collection.promise"]._cron_evaluate()

    def test_a_call_leaves_a_disputed_invoice_to_its_dispute(self):
        goods = self.env["collection.reason"].search(
            [("is_dispute", "=", True)], limit=1
        )
        self.invoice_2.with_user(self.collector).collection_reason_id = goods
        self.assertTrue(self.invoice_2.collection_disputed)
        wizard = Form(
            self.env["collection.call.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
        )
        # the call is about the undisputed overdue invoices
        self.assertEqual(wizard.move_ids.ids, self.invoice_1.ids)
        # named on purpose, the disputed one keeps its dispute's reason
        self.log_call(moves=self.invoice_1 | self.invoice_2)
        self.assertEqual(self.invoice_1.collection_reason_id, self.cash_problem)
        self.assertEqual(self.invoice_2.collection_reason_id, goods)
        self.assertTrue(self.invoice_2.collection_disputed)

    def test_the_approver_reads_what_was_asked(self):
        """A plan beyond the mandate reaches its approver as a plan, with its
        own amount, a link to it, and a word of the disputed invoice."""
        goods = self.env["collection.reason"].search(
            [("is_dispute", "=", True)], limit=1
        )
        self.invoice_2.with_user(self.collector).collection_reason_id = goods
        promise = self.log_call(
            moves=self.invoice_1 | self.invoice_2,
            promise_type="plan",
            date="2026-03-20",
            amount=1200.0,
            installment_count=2,
        )
        self.assertEqual(promise.state, "to_approve")
        credit = promise.decision_ids.filtered(lambda u: u.measure == "credit")
        self.assertIn(f"Payment plan {promise.name}: ", credit.request_summary)
        self.assertIn(
            "1,200.00 in 2 installments, from 03/20/2026 to 04/20/2026",
            credit.request_summary,
        )
        self.assertEqual(credit.amount_at_stake, 1200.0)
        # the plan's decisions read together, as the approver's list does
        decisions = promise.decision_ids
        decisions.invalidate_recordset(["request_summary"])
        self.assertGreater(len(decisions), 1)
        self.assertTrue(all(decisions.mapped("request_summary")))
        self.assertIn(self.invoice_2.name, credit.disputed_note)
        action = credit.with_user(self.manager).action_open_source()
        self.assertEqual(
            (action["res_model"], action["res_id"]), (promise._name, promise.id)
        )
        activity = credit.activity_ids
        self.assertIn("Payment plan", activity.note)

    def test_defaults_and_a_promise_kept(self):
        wizard = Form(
            self.env["collection.call.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
        )
        # the customer's overdue invoices and their open amount
        self.assertEqual(
            set(wizard.move_ids.ids), {self.invoice_1.id, self.invoice_2.id}
        )
        self.assertEqual(wizard.amount, 1500.0)
        promise = self.log_call(promise_type="promise", date="2026-03-20")
        # 28 days after the oldest due date: within the 30 days of the mandate
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.decision_ids.mapped("state"), ["applied"])
        self.assertEqual(self.invoice_1.collection_reason_id, self.cash_problem)
        # logged on the invoices it was about, not on the customer that every
        # salesperson reads
        for invoice in self.invoice_1 | self.invoice_2:
            self.assertIn("Mrs Martin", invoice.message_ids[0].body)
            self.assertEqual(
                invoice.message_ids[0].subtype_id,
                self.env.ref("credit_collection.mt_collection_contact"),
            )
        self.assertNotIn("Mrs Martin", str(self.customer.message_ids.mapped("body")))
        self.assertFalse(self.customer.activity_ids)
        self.assertIn(promise.name, promise.message_ids[0].body)
        self.pay(self.invoice_1, 600, "2026-03-18")
        self.pay(self.invoice_2, 900, "2026-03-19")
        self.evaluate("2026-03-21")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.amount_paid, 1500.0)
        self.assertEqual(self.customer.collection_promise_kept_rate, 100.0)
        self.assertEqual(self.customer.collection_promise_amount, 1500.0)
        self.assertEqual(self.customer.collection_promise_collected, 1500.0)

    def test_the_dashboards_kept_rate(self):
        """Promises due in the period, kept or broken, by collector: the
        dashboard's kept rate and the promises behind it."""
        kept = self.log_call(
            moves=self.invoice_1, promise_type="promise", date="2026-03-20"
        )
        broken = self.log_call(
            moves=self.invoice_2, promise_type="promise", date="2026-03-20"
        )
        self.pay(self.invoice_1, 600, "2026-03-18")
        self.evaluate("2026-03-26")
        self.assertEqual((kept.state, broken.state), ("kept", "broken"))
        with freeze_time("2026-04-01"):
            dashboard = (
                self.env["collection.dashboard"]
                .with_user(self.collector)
                .create({"date_from": "2026-03-01", "date_to": "2026-03-31"})
            )
        self.assertEqual((dashboard.promises_kept, dashboard.promises_broken), (1, 1))
        self.assertTrue(dashboard.has_promises)
        self.assertEqual(dashboard.kept_rate, 50.0)
        line = dashboard.collector_line_ids.filtered(
            lambda line: line.user_id == self.collector
        )
        self.assertEqual(line.kept_rate, 50.0)
        for figure, promise in (("promises_kept", kept), ("promises_broken", broken)):
            for record in (dashboard, line):
                action = record.with_context(figure=figure).action_open_figure()
                self.assertEqual(
                    self.env["collection.promise"].search(action["domain"]), promise
                )

    def test_plan_beyond_the_mandate_then_broken(self):
        promise = self.log_call(
            promise_type="plan",
            date="2026-03-20",
            installment_count=3,
            frequency="monthly",
        )
        self.assertEqual(promise.line_ids.mapped("amount"), [500.0, 500.0, 500.0])
        self.assertEqual(
            [str(d) for d in promise.line_ids.mapped("date")],
            ["2026-03-20", "2026-04-20", "2026-05-20"],
        )
        # 89 days of delay and 1,500 of credit: beyond 30 days and 1,000
        self.assertEqual(promise.state, "to_approve")
        # not confirmed to the customer before it holds
        for action in ("action_send_confirmation", "action_print_confirmation"):
            with self.assertRaisesRegex(UserError, "Only an open promise"):
                getattr(promise.with_user(self.collector), action)()
        self.assertEqual(
            promise.line_ids[0].display_name, f"{promise.name} · 03/20/2026"
        )
        self.assertEqual(
            sorted(promise.decision_ids.mapped("measure")), ["credit", "delay"]
        )
        delay = promise.decision_ids.filtered(lambda u: u.measure == "delay")
        credit = promise.decision_ids.filtered(lambda u: u.measure == "credit")
        self.assertEqual((delay.state, credit.state), ("to_approve", "to_approve"))
        delay.with_user(self.manager).action_approve()
        self.assertEqual(promise.state, "to_approve", "one approval is not enough")
        credit.with_user(self.manager).action_approve()
        self.assertEqual(promise.state, "open")
        self.pay(self.invoice_2, 500, "2026-03-19")
        self.evaluate("2026-03-23")
        self.assertEqual(promise.state, "open", "the first installment was paid")
        self.evaluate("2026-04-23")
        self.assertEqual(promise.state, "broken")
        activity = promise.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("500.00", activity.summary)
        self.evaluate("2026-04-24")
        self.assertEqual(
            len(promise.activity_ids), 1, "evaluating again changes nothing"
        )

    def test_one_payment_covers_two_installments(self):
        # 600 in three weeks from 16 March: 29 days after 1 March, within 30
        promise = self.log_call(
            moves=self.invoice_1,
            promise_type="plan",
            date="2026-03-16",
            installment_count=3,
            frequency="weekly",
        )
        self.assertEqual(promise.state, "open")
        self.pay(self.invoice_1, 400, "2026-03-16")
        self.assertEqual(promise.line_ids.mapped("amount_paid"), [200.0, 200.0, 0.0])
        self.evaluate("2026-03-26")
        self.assertEqual(promise.state, "open")
        self.evaluate("2026-04-02")
        self.assertEqual(promise.state, "broken")

    def test_open_promise_suspends_dunning_until_broken_or_cancelled(self):
        policy = self.create_policy({"name": "R", "days_after_due": 3}, default=False)
        self.customer.email = "c@example.com"

        def skipped():
            run = self.env["collection.run"].create(
                {"policy_ids": [Command.set(policy.ids)]}
            )
            self.env.company.collection_policy_id = policy
            run.action_propose()
            reasons = {line.move_id: line.skip_reason for line in run.skipped_line_ids}
            run.unlink()  # a proposal nobody executed goes
            return reasons

        plan = self.log_call(
            promise_type="plan",
            date="2026-03-20",
            installment_count=3,
            frequency="monthly",
        )
        self.assertNotIn(
            self.invoice_1, skipped(), "waiting for approval: no suspension"
        )
        plan.decision_ids.with_user(self.manager).action_approve()
        self.assertEqual(skipped()[self.invoice_1], "promise")
        plan.action_cancel()
        self.assertNotIn(self.invoice_1, skipped(), "cancelled: dunning resumes")

    def test_refused_request_cancels_the_promise(self):
        promise = self.log_call(promise_type="promise", date="2026-05-30")
        self.assertEqual(promise.state, "to_approve")
        promise.decision_ids.with_user(self.manager).action_refuse()
        self.assertEqual(promise.state, "cancel")

    def test_too_many_broken_promises_need_approval(self):
        for _index in range(2):
            broken = self.log_call(
                promise_type="promise", amount=100, date="2026-03-16"
            )
            broken._break()
        promise = self.log_call(promise_type="promise", amount=100, date="2026-03-16")
        self.assertEqual(promise.state, "to_approve")
        decision = promise.decision_ids.filtered(lambda u: u.measure == "promise")
        self.assertEqual((decision.value, decision.limit_value), (2.0, 2.0))

    def test_bad_input_is_refused(self):
        with self.assertRaisesRegex(UserError, "more than the invoices' open amount"):
            self.log_call(promise_type="promise", amount=2000, date="2026-03-20")
        with self.assertRaisesRegex(UserError, "cannot be in the past"):
            self.log_call(promise_type="promise", date="2026-03-01")
        wizard = Form(
            self.env["collection.call.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
        )
        wizard.promise_type = "plan"
        wizard.date = "2026-03-20"
        with wizard.line_ids.edit(0) as line:
            line.amount = 100
        with self.assertRaisesRegex(UserError, "do not add up"):
            wizard.save()._action_confirm()
        other = self.create_invoice(self.other_customer, 100, "2026-03-01")
        with self.assertRaisesRegex(ValidationError, "its own customer"):
            self.env["collection.promise"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set((self.invoice_1 | other).ids)],
                }
            )

    def test_confirmation_by_email(self):
        self.customer.email = "compta@boulangerie.example.com"
        promise = self.log_call(promise_type="promise", date="2026-03-20")
        promise.with_user(self.collector).action_send_confirmation()
        # on the promise: only collectors read what was sent to the customer
        message = promise.message_ids[0]
        self.assertEqual(message.partner_ids, self.customer)
        self.assertEqual(message.attachment_ids.mimetype, "application/pdf")
        self.assertIn(promise.name, message.subject)

    def test_confirmation_letter(self):
        promise = self.log_call(
            promise_type="plan",
            date="2026-03-20",
            installment_count=3,
            frequency="monthly",
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "credit_collection.report_collection_promise", promise.ids
            )[0]
            .decode()
        )
        self.assertIn("Payment plan", html)
        self.assertIn(self.invoice_2.name, html)
        self.assertIn("05/20/2026", html)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            promise.unlink()

    def test_worklist_shows_the_promise_the_last_contact_and_the_next_action(self):
        """Customers to Follow: mine by default, the most overdue first, with
        the open promise's date, the last contact and the next action."""
        other = self.create_invoice(self.other_customer, 5000, "2026-03-01")
        promise = self.log_call(promise_type="promise", date="2026-03-20")
        self.assertEqual(promise.state, "open")
        self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("collection.dunning"),
                "res_id": self.env["collection.dunning"]
                .sudo()
                .create(
                    {
                        "partner_id": self.customer.id,
                        "level_id": self.create_policy(
                            {"name": "Call", "days_after_due": 10},
                            name="P",
                            default=False,
                        ).level_ids.id,
                        "state": "done",
                        "date": "2026-03-02",
                    }
                )
                .id,
                "summary": "Call back Mrs Martin",
                "date_deadline": "2026-03-18",
                "user_id": self.collector.id,
            }
        )
        action = self.env.ref("credit_collection.res_partner_action_collection")
        Partner = self.env["res.partner"].with_user(self.collector)
        view = self.env.ref("credit_collection.res_partner_view_list_collection")
        views = Partner.get_views([(view.id, "list")])
        fields = views["models"]["res.partner"]["fields"]
        self.assertIn("collection_overdue_amount desc", view.arch)
        self.customer.collection_user_id = self.collector
        self.other_customer.collection_user_id = self.manager
        # the action's default filters: my customers, to follow
        context = action._get_eval_context()
        context = safe_eval(action.context, context)
        self.assertTrue(context["search_default_collection_my_customers"])
        self.assertTrue(context["search_default_collection_to_follow"])
        mine = Partner.web_search_read(
            [
                ("collection_user_id", "=", self.collector.id),
                ("collection_to_follow", "=", True),
            ],
            {name: {} for name in fields},
            order="collection_overdue_amount desc",
        )["records"]
        self.assertEqual([row["id"] for row in mine], self.customer.ids)
        row = mine[0]
        self.assertEqual(
            (
                row["collection_promise_date"],
                row["collection_last_contact_date"],
                row["collection_next_activity"],
                row["collection_next_activity_date"],
                row["collection_hold"],
            ),
            (
                date(2026, 3, 20),
                date(2026, 3, 15),
                "Call back Mrs Martin",
                date(2026, 3, 18),
                False,
            ),
        )
        # a manager's view of everyone, sorted by what is overdue
        everyone = self.env["res.partner"].web_search_read(
            [("id", "in", (self.customer | self.other_customer).ids)],
            {"collection_overdue_amount": {}},
            order="collection_overdue_amount desc",
        )["records"]
        self.assertEqual(
            [row["id"] for row in everyone],
            (self.other_customer | self.customer).ids,
        )
        self.assertEqual(other.amount_residual, 5000.0)

    def test_a_refused_save_gives_its_number_back(self):
        first = self.log_call(promise_type="promise", date="2026-03-20")
        other = self.create_invoice(self.other_customer, 100, "2026-03-01")
        # assertRaises rolls back to a savepoint, as a refused save does
        with self.assertRaises(ValidationError) as refused:
            self.env["collection.promise"].with_user(self.collector).create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(other.ids)],
                    "line_ids": [Command.create({"date": "2026-03-25", "amount": 1})],
                }
            )
        self.assertIn("its own customer", str(refused.exception))
        second = self.log_call(
            moves=self.invoice_later, promise_type="promise", date="2026-05-10"
        )
        prefix, number = first.name.rsplit("/", 1)
        self.assertEqual(second.name, f"{prefix}/{int(number) + 1:04d}")
