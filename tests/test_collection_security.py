from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.collection_run import EXECUTION_LOCK
from .common import TODAY
from .common_security import CollectionSecurityCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionSecurity(CollectionSecurityCommon):
    """Every attack on promises, runs and dunnings through `create`, `write`,
    `unlink` and the public methods, as a collector, a manager, a salesperson
    and a plain internal user: refused, and nothing changed."""

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
        # another worker of the scheduled action shares the lock: this one
        # executes its own dunnings beside it; a user waits for both
        with self.env.registry.cursor() as other:
            other.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s)",
                (EXECUTION_LOCK, self.env.company.id),
            )
            second = self.new_run()
            second.action_propose()
            with self.assertRaisesRegex(UserError, "being executed right now"):
                second.action_execute()
            self.env["collection.run"].sudo()._cron_execute()
            self.assertEqual(run.state, "done")
            self.assertNotIn("draft", run.dunning_ids.mapped("state"))
            other.rollback()

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
