from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from ..models.collection_run import EXECUTION_LOCK
from .common import TODAY, CollectionCommon

# What any RPC client can try: each attack is played by each of these roles.


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionSecurity(CollectionCommon):
    """Every attack of a user through `create`, `write`, `unlink` and the
    public methods, as a collector, a manager, a salesperson and a plain
    internal user: refused, and nothing changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        cls.create_roles_and_mandate(
            max_delay_days=30,
            max_credit_amount=5000,
            max_waiver_amount=100,
            can_hold=False,
        )
        cls.policy = cls.create_policy(
            {"name": "Reminder", "sequence": 1, "days_after_due": 3},
            {
                "name": "Stop deliveries",
                "sequence": 2,
                "days_after_due": 40,
                "channel": "letter",
                "hold_deliveries": True,
                "automatic": False,
            },
            name="Business customers",
            level_order="by_age",
        )
        cls.customer.email = "compta@boulangerie.example.com"
        cls.other_customer.email = "compta@lefevre.example.com"
        cls.invoice = cls.create_invoice(cls.customer, 1000, "2026-03-05")  # 10 days
        cls.old_invoice = cls.create_invoice(cls.customer, 500, "2026-01-20")  # 54
        cls.other_invoice = cls.create_invoice(cls.other_customer, 700, "2026-03-01")

    def executed_run(self):
        run = self.new_run()
        run.action_propose()
        run.action_execute()
        return run

    def open_promise(self, moves=None, dates=("2026-03-25",), amount=300.0):
        moves = moves or self.invoice
        promise = (
            self.env["collection.promise"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(moves.ids)],
                    "line_ids": [
                        Command.create({"date": day, "amount": amount}) for day in dates
                    ],
                }
            )
        )
        promise.action_confirm()
        return promise

    # ------------------------------------------------------------
    # Promises
    # ------------------------------------------------------------

    def test_taking_a_customer_does_not_open_its_receivables(self):
        """A salesperson's own customers are those of the posted invoices they
        sold: being made a customer's salesperson opens nothing, and a posted
        invoice's salesperson is changed by accounting only."""
        other = self.other_customer.with_user(self.salesperson)
        self.assertFalse(other.collection_status_access)
        self.assertEqual(other.collection_overdue_amount, 0.0)
        # even named the customer's salesperson by a sales manager, he reads
        # nothing until he sold (the customer's salesperson is a sales matter,
        # the receivables' reader an accounting one)
        self.other_customer.user_id = self.salesperson
        self.env.invalidate_all()
        self.assertFalse(other.collection_status_access)
        self.assertEqual(other.collection_overdue_amount, 0.0)
        self.assertFalse(
            self.env["res.partner"]
            .with_user(self.salesperson)
            .search(
                [
                    ("id", "=", self.other_customer.id),
                    ("collection_overdue_amount", ">", 0),
                ]
            )
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, self.other_invoice).write(
                {"invoice_user_id": getattr(self, role).id}
            ),
            roles=("salesperson", "plain"),
        )
        self.assertEqual(self.other_invoice.invoice_user_id, self.other_salesperson)
        # his own customer's figures, as sold
        own = self.customer.with_user(self.salesperson)
        self.assertTrue(own.collection_status_access)
        self.assertEqual(own.collection_overdue_amount, 1500.0)

    def test_promise_is_opened_by_its_mandate_only(self):
        def forge(role):
            self.as_role(role, self.env["collection.promise"]).create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.invoice.ids)],
                    "state": "open",
                    "line_ids": [Command.create({"date": "2026-04-01", "amount": 1})],
                }
            )

        self.assert_refused_to_all(forge)
        self.assertFalse(
            self.env["collection.promise"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )

    def test_open_promise_is_frozen(self):
        promise = self.open_promise()
        self.assertEqual(promise.state, "open")
        line = promise.line_ids

        self.assert_refused_to_all(
            lambda role: self.as_role(role, line).write({"date": "2099-01-01"})
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, line).write({"amount": 1000})
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, promise).write(
                {"move_ids": [Command.link(self.old_invoice.id)]}
            )
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, promise).write(
                {"line_ids": [Command.create({"date": "2099-01-01", "amount": 1})]}
            )
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, promise).write({"state": "draft"})
        )
        self.assert_refused_to_all(lambda role: self.as_role(role, promise).unlink())
        self.assert_refused_to_all(lambda role: self.as_role(role, line).unlink())
        self.assertEqual(
            (promise.state, promise.amount, str(promise.date_due), promise.move_ids),
            ("open", 300.0, "2026-03-25", self.invoice),
        )
        # what is only said about it stays editable
        promise.with_user(self.collector).note = "Called back, confirmed"
        self.assertEqual(promise.note, "Called back, confirmed")

    def test_broken_promises_cannot_be_reset(self):
        promise = self.open_promise(amount=100.0, dates=("2026-03-16",))
        with freeze_time("2026-03-25"):
            self.env["collection.promise"].sudo()._cron_evaluate()
        self.assertEqual(promise.state, "broken")
        self.assert_refused_to_all(
            lambda role: self.as_role(role, promise).write({"state": "cancel"})
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, promise).action_cancel()
        )
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise._count_broken(self.customer), 1)

    def test_an_invoice_is_under_one_promise(self):
        self.open_promise()
        with self.assertRaisesRegex(UserError, "already under promise"):
            self.open_promise(moves=self.invoice | self.old_invoice)

    def test_promise_in_the_invoice_currency(self):
        """A EUR invoice in a USD company: the promise is in euros, checked
        against the euros still open, paid in euros; the plan's credit is put
        to the mandate in dollars, at one rate."""
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {"name": "2026-01-01", "rate": 0.5, "currency_id": eur.id}
        )
        invoice = self.create_invoice(self.customer, 4000, "2026-03-01", currency=eur)
        with self.assertRaisesRegex(UserError, "more than the invoices' open amount"):
            self.open_promise(moves=invoice, amount=4001.0)
        plan = self.open_promise(
            moves=invoice, dates=("2026-03-20", "2026-04-20"), amount=1500.0
        )
        self.assertEqual(plan.currency_id, eur)
        credit = plan.decision_ids.filtered(lambda u: u.measure == "credit")
        # 3,000.00 EUR at 0.5 EUR a dollar: 6,000.00 USD, beyond 5,000
        self.assertEqual(credit.value, 6000.0)
        self.assertEqual(plan.state, "to_approve")
        # the last installment is 50 days after the due date: beyond 30 too
        self.assertEqual(
            plan.decision_ids.filtered(lambda u: u.measure == "delay").value, 50.0
        )
        plan.decision_ids.with_user(self.approver).action_approve()
        self.assertEqual(plan.state, "open")
        self.pay(invoice, 1500, "2026-03-18", currency=eur)
        plan.invalidate_recordset(["amount_paid"])
        self.assertEqual(plan.amount_paid, 1500.0)
        self.assertEqual(plan.line_ids.mapped("amount_paid"), [1500.0, 0.0])
        with self.assertRaisesRegex(ValidationError, "one currency"):
            plan.sudo().move_ids |= self.invoice

    # ------------------------------------------------------------
    # Runs and dunnings
    # ------------------------------------------------------------

    def test_dunnings_are_proposed_by_the_book_only(self):
        run = self.new_run()
        stop = self.policy.level_ids.filtered("hold_deliveries")

        def forge_dunning(role):
            self.as_role(role, self.env["collection.dunning"]).create(
                {
                    "run_id": run.id,
                    "partner_id": self.other_customer.id,
                    "level_id": stop.id,
                }
            )

        self.assert_refused_to_all(forge_dunning)
        self.assert_refused_to_all(
            lambda role: self.as_role(role, run).write({"state": "proposed"})
        )
        with self.assertRaisesRegex(UserError, "Compute the proposal"):
            run.action_execute()
        self.assertFalse(self.other_customer.collection_hold)
        self.assertFalse(self.env["collection.decision"].search([]))

    def test_run_date_is_today_and_executed_today(self):
        for day in ("2026-06-30", "2026-01-01"):
            with self.subTest(day=day), self.assertRaises(AccessError):
                self.new_run(date=day)
        run = self.new_run()
        with self.assertRaises(AccessError):
            run.write({"date": "2026-06-30"})
        # a manager may look at a proposal for another day, never execute it
        future = self.new_run(user=self.manager, date="2026-06-30")
        future.action_propose()
        self.assertTrue(future.dunning_ids)
        with self.assertRaisesRegex(UserError, "Recompute it for today"):
            future.action_execute()
        self.assertFalse(self.old_invoice.collection_level_id)
        # changing its date throws the stale proposal away
        future.write({"date": TODAY})
        self.assertEqual(future.state, "draft")
        self.assertFalse(future.dunning_ids)

    def test_sent_history_is_kept(self):
        run = self.executed_run()
        dunnings = run.dunning_ids
        queued = dunnings.filtered(lambda d: d.state == "queued")
        self.assertTrue(queued)
        self.env["collection.dunning"].sudo()._cron_send_queued()
        letter = dunnings.letter_attachment_id[:1]
        self.assertTrue(letter)
        levels = (self.invoice | self.old_invoice).mapped("collection_level_id.name")

        self.assert_refused_to_all(lambda role: self.as_role(role, run).unlink())
        self.assert_refused_to_all(lambda role: self.as_role(role, dunnings).unlink())
        self.assert_refused_to_all(
            lambda role: self.as_role(role, run.line_ids).unlink()
        )
        self.assert_refused_to_all(lambda role: self.as_role(role, letter).unlink())
        self.assert_refused_to_all(
            lambda role: self.as_role(role, dunnings).write(
                {"partner_id": self.other_customer.id}
            )
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, dunnings).write({"state": "draft"})
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, dunnings).write({"level_note": "By hand"})
        )
        # nor what awaited approval when it was proposed
        self.assert_refused_to_all(
            lambda role: self.as_role(role, dunnings).write({"pending_requests": False})
        )
        # only a manager decides how levels follow one another and their gaps
        self.assert_refused_to_all(
            lambda role: self.as_role(role, self.policy).write(
                {"level_order": "in_order"}
            ),
            roles=("collector", "salesperson", "plain"),
        )
        self.assert_refused_to_all(
            lambda role: self.as_role(role, self.policy.level_ids[:1]).write(
                {"min_gap_days": 0}
            ),
            roles=("collector", "salesperson", "plain"),
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(
            (self.invoice | self.old_invoice).mapped("collection_level_id.name"),
            levels,
        )
        self.assertTrue(letter.exists())
        # cancel instead: the history stays, the level goes back
        dunnings.with_user(self.collector).action_cancel()
        self.assertEqual(set(run.line_ids.mapped("state")), {"cancel"})

    def test_two_runs_never_dun_an_invoice_twice_at_a_level(self):
        first, second = self.new_run(), self.new_run()
        first.action_propose()
        second.action_propose()
        # the second one saw the first one's proposal
        skipped = {line.move_id: line.skip_reason for line in second.skipped_line_ids}
        self.assertEqual(skipped[self.invoice], "other_run")
        self.assertEqual(skipped[self.old_invoice], "other_run")
        # computed at the same time in two transactions, neither sees the
        # other's proposal: both propose the same invoices
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE collection_dunning_line SET state = 'skipped'"
                " WHERE run_id = %s AND state = 'draft'",
                first.id,
            )
        )
        second.action_propose()
        self.env.cr.execute(
            SQL(
                "UPDATE collection_dunning_line SET state = 'draft'"
                " WHERE run_id = %s AND dunning_id IS NOT NULL",
                first.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(
            first.dunning_ids.partner_id, second.dunning_ids.partner_id, "a race"
        )
        first.action_execute()
        # the second one by the scheduled action, as a large run is
        second._action_execute(batch_size=0)
        self.assertEqual(second.state, "executing")
        self.env["collection.run"].sudo()._cron_execute()
        self.assertEqual(second.state, "done")
        self.assertFalse(second.error_message)
        self.assertFalse(second.dunning_ids, "dropped at execution")
        self.assertEqual(set(second.line_ids.mapped("skip_reason")), {"already_dunned"})
        sent = self.env["collection.dunning.line"].search(
            [("move_id", "in", (self.invoice | self.old_invoice).ids)]
        )
        done = sent.filtered(lambda line: line.state == "done")
        self.assertEqual(len(done), 2, "each invoice dunned once")
        self.assertIn("dropped at execution", second.message_ids[:1].body)

    def test_an_execution_waits_for_another_of_its_company(self):
        run = self.new_run()
        run.action_propose()
        with self.env.registry.cursor() as other:
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                (EXECUTION_LOCK, self.env.company.id),
            )
            with self.assertRaisesRegex(UserError, "being executed right now"):
                run.action_execute()
            self.assertEqual(run.state, "proposed")
            # the scheduled action leaves a locked company for its next call
            run.sudo().state = "executing"
            self.env["collection.run"].sudo()._cron_execute()
            self.assertEqual(run.state, "executing")
            other.rollback()
        self.env["collection.run"].sudo()._cron_execute()
        self.assertEqual(run.state, "done")

    def test_stop_deliveries_holds_only_from_the_book(self):
        """The policy's authority holds a customer only for a dunning the run
        proposed; the collector has no hold in their mandate."""
        run = self.new_run()
        run.action_propose()
        self.assertEqual(run.hold_count, 1, "the run says who will be held")
        run.action_execute()
        self.assertEqual(run.hold_count, 0)
        held = run.dunning_ids.filtered(lambda d: d.level_id.hold_deliveries)
        self.assertEqual(held.partner_id, self.customer)
        self.assertTrue(self.customer.collection_hold)
        decision = self.env["collection.decision"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            (decision.policy_id, decision.user_id), (self.policy, self.env["res.users"])
        )
        # the same collector asking directly waits for the approver
        request = (
            self.env["collection.decision"]
            .with_user(self.collector)
            ._request("hold", self.other_customer, reason="Late")
        )
        self.assertEqual(request.state, "to_approve")
        self.assertFalse(self.other_customer.collection_hold)

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

    def test_usage_log_is_append_only(self):
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


@tagged("post_install", "-at_install")
class TestCollectionAccessMatrix(CollectionCommon):
    """Who may read, write, create and delete each model of the module, and
    what another company's records show."""

    # model: the rights (read, write, create, unlink) of each role
    MATRIX = {
        "collection.reason": ("r", "rwcu", "r", "r"),
        "collection.interest.rate": ("r", "rwcu", "r", "r"),
        "collection.policy": ("r", "rwcu", "r", "r"),
        "collection.level": ("r", "rwcu", "r", "r"),
        "collection.run": ("rwcu", "rwcu", "", ""),
        # a salesperson reads the dunnings of their own customers (a rule)
        "collection.dunning": ("rwcu", "rwcu", "r", ""),
        "collection.dunning.line": ("rwcu", "rwcu", "r", ""),
        "collection.mandate": ("r", "rwcu", "", ""),
        "collection.decision": ("r", "rw", "", ""),
        "collection.promise": ("rwcu", "rwcu", "", ""),
        "collection.promise.line": ("rwcu", "rwcu", "", ""),
        "collection.charge.wizard": ("rwcu", "rwcu", "", ""),
        "collection.measure.wizard": ("rwcu", "rwcu", "", ""),
        # a salesperson logs the answer of their own customer (checked on save)
        "collection.call.wizard": ("rwcu", "rwcu", "rwc", ""),
        "collection.dunning.cancel.wizard": ("rwcu", "rwcu", "", ""),
        "collection.call.wizard.line": ("rwcu", "rwcu", "rwc", ""),
        "collection.aged.balance": ("rwcu", "rwcu", "", ""),
        # archived, not deleted: invoices keep the policy that insured them
        "collection.insurance.policy": ("r", "rwc", "", ""),
        # sent to the insurer: cancelled, never deleted
        "collection.insurance.declaration": ("rwc", "rwc", "", ""),
        "collection.insurance.declaration.line": ("rwc", "rwc", "", ""),
        "collection.insurance.alert": ("", "r", "", ""),
        "collection.insurance.declare.wizard": ("rwcu", "rwcu", "", ""),
        "collection.insurance.cancel.wizard": ("rwcu", "rwcu", "", ""),
        "collection.insurance.indemnity.wizard": ("rwcu", "rwcu", "", ""),
        # a view over the book: a salesperson reads their own invoices' (a rule)
        "collection.analysis": ("r", "r", "r", ""),
        # a user's own dashboard (a rule), its figures computed, never written
        "collection.dashboard": ("rwc", "rwc", "", ""),
        "collection.dashboard.line": ("r", "r", "", ""),
        # commission: configured by managers, written by the module when
        # payments are matched; a salesperson reads their own (a rule)
        "collection.commission.rate": ("r", "rwcu", "", ""),
        "collection.commission.scale": ("r", "rwcu", "", ""),
        "collection.commission.entry": ("r", "r", "r", ""),
        "collection.commission.settlement": ("r", "r", "r", ""),
        "collection.commission.settlement.line": ("r", "r", "r", ""),
        "collection.commission.settle.wizard": ("", "rwc", "", ""),
        # payment behaviour: computed by the module, read by collectors and
        # by a salesperson for their own customers (a rule)
        "collection.customer.score": ("r", "r", "r", ""),
        "collection.score.alert": ("r", "r", "r", ""),
        # escalation: managers keep the handlers' agreements; cases are the
        # collectors' (their guards and actions decide what changes)
        "collection.handler": ("r", "rwc", "", ""),
        "collection.case": ("rwcu", "rwcu", "", ""),
        "collection.case.line": ("r", "r", "", ""),
        "collection.case.payment": ("rwcu", "rwcu", "", ""),
        "collection.case.close.wizard": ("rwcu", "rwcu", "", ""),
    }
    OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

    def test_every_model_has_its_rights(self):
        plain = new_test_user(self.env, login="plain", groups="base.group_user")
        users = (self.collector, self.manager, self.salesperson, plain)
        models = self.env["ir.model"].search([("model", "=like", "collection.%")])
        self.assertEqual(
            {m for m in models.mapped("model") if not self.env[m]._abstract},
            set(self.MATRIX),
            "every model of the module is in the matrix",
        )
        for model, rights in self.MATRIX.items():
            for user, allowed in zip(users, rights, strict=True):
                for letter, operation in self.OPERATIONS.items():
                    with self.subTest(model=model, user=user.login, op=operation):
                        self.assertEqual(
                            self.env[model].with_user(user).has_access(operation),
                            letter in allowed,
                        )

    def test_another_company_stays_out_of_sight(self):
        company_2 = self.setup_other_company()["company"]
        customer_2 = self.env["res.partner"].create(
            {"name": "Brasserie Dupont", "is_company": True, "company_id": company_2.id}
        )
        invoice_2 = self.create_invoice(
            customer_2, 900, "2026-01-01", company=company_2
        )
        Promise = self.env["collection.promise"].sudo().with_company(company_2)
        promise = Promise.create(
            {
                "company_id": company_2.id,
                "partner_id": customer_2.id,
                "move_ids": [Command.set(invoice_2.ids)],
                "line_ids": [Command.create({"date": "2026-12-01", "amount": 100})],
            }
        )
        run = (
            self.env["collection.run"]
            .sudo()
            .with_company(company_2)
            .create({"company_id": company_2.id})
        )
        for user in (self.collector, self.manager):
            with self.subTest(user=user.login):
                env = self.env(user=user, context={})
                for record in (promise, promise.line_ids, run):
                    self.assertFalse(
                        env[record._name].search([("id", "=", record.id)]),
                        record._name,
                    )
        # nor can a measure be aimed at it
        with self.assertRaisesRegex(AccessError, "do not work for"):
            self.env["collection.decision"].with_user(self.collector)._request(
                "delay", customer_2, invoice_2, date=date(2026, 12, 1)
            )

    def test_wizards_check_the_company_they_are_given(self):
        company_2 = self.setup_other_company()["company"]
        with self.assertRaisesRegex(ValidationError, "do not work for"):
            self.env["collection.aged.balance"].with_user(self.collector).create(
                {"company_id": company_2.id}
            )
        with self.assertRaisesRegex(UserError, "do not work for|Incompatible"):
            self.env["collection.charge.wizard"].with_user(self.collector).create(
                {"company_id": company_2.id, "partner_ids": self.customer.ids}
            ).action_create_invoices()


@tagged("post_install", "-at_install")
class TestCollectionScheduledFailures(CollectionCommon):
    def test_a_failing_company_keeps_its_reason_and_the_others_go_on(self):
        """No reference rate for the half-year: the company's automatic run
        keeps the reason and its author is told; the action goes on with the
        next company, one a call."""
        self.create_policy(
            {
                "name": "Reminder",
                "days_after_due": 3,
                "charge_interest": True,
            },
            name="Charging reminders",
        )
        self.customer.email = "compta@boulangerie.example.com"
        self.create_invoice(self.customer, 1000, "2031-12-01")
        Run = self.env["collection.run"].sudo()  # as the scheduled action
        companies = self.env["collection.policy"].sudo().search([]).company_id
        with freeze_time("2032-01-15"):
            calls = 1
            while Run._cron_run_automatic():
                calls += 1
            run = Run.search(
                [("automatic", "=", True), ("company_id", "=", self.env.company.id)]
            )
        self.assertEqual(calls, len(companies))
        self.assertEqual(run.state, "draft")
        self.assertIn("reference rate", run.error_message)
        self.assertFalse(run.dunning_ids)
        self.assertIn("failed", run.activity_ids.summary)

    def test_waiver_wizard_opened_as_the_web_client_does(self):
        self.env.company.collection_interest_mode = "fr"
        invoice = self.create_invoice(self.customer, 1000, "2026-01-20")
        action = invoice.with_user(self.collector).action_collection_waive()
        with freeze_time(TODAY):
            form = Form(
                self.env[action["res_model"]]
                .with_user(self.collector)
                .with_context(**action["context"])
            )
            form.reason = "Good customer"
            # 54 days at 12.15 %: 17.98, and the 40.00 compensation
            self.assertEqual(form.waiver_amount, 57.98)
            self.assertFalse(form.within_mandate)
            # this class gives the collector no mandate: the dialog says so
            self.assertFalse(form.mandate_id)
            self.assertEqual(form.limit, "No mandate: every request goes to a manager")
        self.assertEqual(action["name"], "Waive late-payment charges")
