from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import TODAY
from .common_mandate import CollectionMandateCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestStopDeliveries(CollectionMandateCommon):
    """A level stopping deliveries holds with the policy's authority, is held
    back by a pending request, and is asked about when its dunning is
    cancelled."""

    def test_stop_deliveries_level_holds_for_the_policy(self):
        policy = self.create_policy(
            {
                "name": "Stop",
                "days_after_due": 30,
                "channel": "phone",
                "hold_deliveries": True,
            },
            name="P",
            default=False,
        )
        run = (
            self.env["collection.run"]
            .with_user(self.collector)
            .create({"policy_ids": [Command.set(policy.ids)]})
        )
        self.env.company.collection_policy_id = policy
        run.action_propose()
        run.action_execute()
        self.assertTrue(self.customer.collection_hold)
        decision = self.env["collection.decision"].search(
            [("measure", "=", "hold"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            (decision.policy_id, decision.user_id), (policy, self.env["res.users"])
        )
        self.assertEqual(decision.state, "applied")
        # the customer's chatter tracks the hold, as a user's change would be
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = self.customer.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "collection_hold"
        )
        self.assertEqual(
            [(value.old_value_integer, value.new_value_integer) for value in tracked],
            [(0, 1)],
        )
        self.assertEqual(
            tracked.mail_message_id.subtype_id, self.env.ref("mail.mt_note")
        )
        self.assertEqual(tracked.mail_message_id.message_type, "notification")

    def test_a_request_awaiting_approval_holds_back_the_hold(self):
        """A run shows the customer's pending requests on its dunnings and
        does not put on hold a customer whose request the approver has not
        decided yet, neither when proposing nor when executing."""
        policy = self.create_policy(
            {"name": "Call", "days_after_due": 3, "channel": "phone"},
            {
                "name": "Stop",
                "days_after_due": 30,
                "channel": "phone",
                "hold_deliveries": True,
            },
            name="P",
            level_order="by_age",
        )

        def propose():
            run = (
                self.env["collection.run"]
                .with_user(self.collector)
                .create({"policy_ids": [Command.set(policy.ids)]})
            )
            run.action_propose()
            return run

        # proposed while nothing is pending, executed once a request is
        run = propose()
        self.assertEqual(run.dunning_ids.level_id.name, "Stop")
        self.assertFalse(run.dunning_ids.pending_requests)
        request = self.use("delay", self.invoice, date="2026-04-10")
        self.assertEqual(request.state, "to_approve")
        run.action_execute()
        self.assertFalse(self.customer.collection_hold)
        self.assertFalse(run.dunning_ids)
        self.assertEqual(
            set(run.skipped_line_ids.mapped("skip_reason")), {"pending_request"}
        )
        self.assertIn("awaits approval", run.message_ids[0].body)
        # proposed while pending: the hold waits, the lines say why
        run = propose()
        self.assertFalse(run.dunning_ids)
        self.assertEqual(
            set(run.skipped_line_ids.mapped("skip_reason")), {"pending_request"}
        )
        # a level that does not hold shows what is pending
        stop = policy.level_ids.filtered("hold_deliveries")
        stop.hold_deliveries = False
        run = propose()
        self.assertEqual(
            (run.dunning_ids.level_id.name, run.dunning_ids.pending_requests),
            ("Stop", "Payment extension"),
        )
        run.unlink()
        # refused: the next run holds
        stop.hold_deliveries = True
        request.with_user(self.manager).action_refuse()
        run = propose()
        self.assertEqual(run.dunning_ids.level_id.name, "Stop")
        self.assertFalse(run.dunning_ids.pending_requests)
        run.action_execute()
        self.assertTrue(self.customer.collection_hold)

    def test_cancelling_a_stop_deliveries_dunning_asks_about_hold_and_calls(self):
        policy = self.create_policy(
            {
                "name": "Stop",
                "days_after_due": 30,
                "channel": "phone",
                "hold_deliveries": True,
                "notify_salesperson": True,
            },
            name="P",
        )
        run = self.executed_policy_run(policy)
        dunning = run.dunning_ids
        self.assertTrue(self.customer.collection_hold)
        self.assertEqual(len(dunning.activity_ids), 2, "the call, the salesperson's")
        # the salesperson reads the dunning of his customer, never cancels it
        with self.assertRaises(AccessError):
            dunning.with_user(self.salesperson).action_cancel()
        action = self.env.ref(
            "credit_collection.collection_dunning_cancel_wizard_action"
        )
        context = {
            "active_model": "collection.dunning",
            "active_ids": dunning.ids,
            "active_id": dunning.id,
        }
        form = Form(
            self.env[action.res_model].with_user(self.collector).with_context(**context)
        )
        self.assertEqual(form.held_partner_ids[:], self.customer)
        self.assertEqual(form.activity_count, 2)
        self.assertTrue(form.cancel_activities, "cancelled unless told otherwise")
        form.reason = "Paid the day before: our bank statement was late"
        form.release_hold = True
        form.save().action_confirm()
        self.assertEqual(dunning.state, "cancel")
        self.assertFalse(dunning.activity_ids)
        self.assertIn("bank statement was late", dunning.message_ids[0].body)
        # this collector may not release: the approver decides
        release = self.env["collection.decision"].search(
            [("measure", "=", "release"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(release.state, "to_approve")
        self.assertTrue(self.customer.collection_hold)
        release.with_user(self.manager).action_approve()
        self.assertFalse(self.customer.collection_hold)
