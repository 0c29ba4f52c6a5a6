from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import TODAY, CollectionCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestLevelOrder(CollectionCommon):
    """Levels one after the other: the first communication is the first
    level whatever the invoice's age, a consumer's 14 days run before any
    cost, and a customer never gets two levels within a level's gap."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        cls.business = cls.create_policy(
            {"name": "First reminder", "sequence": 1, "days_after_due": 3},
            {
                "name": "Second reminder",
                "sequence": 2,
                "days_after_due": 15,
                "min_gap_days": 10,
            },
            {
                "name": "Formal notice",
                "sequence": 3,
                "days_after_due": 45,
                "min_gap_days": 10,
                "channel": "letter",
                "automatic": False,
            },
            name="Business customers",
            default=False,
        )
        cls.consumers = cls.create_policy(
            {"name": "Free reminder", "sequence": 1, "days_after_due": 3},
            {
                "name": "Reminder with costs",
                "sequence": 2,
                "days_after_due": 25,
                "fee_amount": 7.5,
                "charge_compensation": True,
            },
            name="Consumers",
            is_b2c=True,
            default=False,
        )
        cls.env.company.collection_policy_id = cls.business
        cls.customer.email = "compta@boulangerie.example.com"
        cls.consumer = cls.env["res.partner"].create(
            {
                "name": "Jan Peeters",
                "email": "jan@example.com",
                "collection_policy_id": cls.consumers.id,
            }
        )

    def run_on(self, day, policy, automatic=False):
        with freeze_time(day):
            run = (
                self.env["collection.run"]
                .with_user(self.manager if automatic else self.collector)
                .create({"policy_ids": [Command.set(policy.ids)]})
            )
            if automatic:
                run.sudo().automatic = True
            run.action_propose()
            return run

    def execute(self, run, day):
        with freeze_time(day):
            run.action_execute()
            self.env["collection.dunning"].sudo()._cron_send_queued()

    def skipped(self, run):
        return {line.move_id: line.skip_reason for line in run.skipped_line_ids}

    def test_a_consumer_gets_the_free_reminder_first_then_waits_14_days(self):
        # 70 days late and never reminded: the free reminder, not the one with
        # costs its age reaches
        invoice = self.create_invoice(self.consumer, 400, "2026-01-04")
        run = self.run_on(TODAY, self.consumers)
        self.assertEqual(run.dunning_ids.level_id.name, "Free reminder")
        self.assertEqual(run.dunning_ids.amount_total, 400.0, "no fee, no damages")
        self.assertIn("first communication", run.dunning_ids.level_note)
        self.execute(run, TODAY)
        self.assertEqual(invoice.collection_level_id.name, "Free reminder")
        # an email on 03/15: the 14 days run from 03/16 to 03/29
        run = self.run_on("2026-03-29", self.consumers)
        self.assertFalse(run.dunning_ids)
        self.assertEqual(self.skipped(run)[invoice], "consumer_wait")
        run = self.run_on("2026-03-30", self.consumers)
        dunning = run.dunning_ids
        self.assertEqual(dunning.level_id.name, "Reminder with costs")
        self.assertIn("follows Free reminder", dunning.level_note)
        # 7.50 and the damages on a balance of 400: 30 + 10 % of 250 = 55.00
        self.assertEqual(dunning.fee_amount, 7.5)
        self.assertEqual(dunning.compensation_amount, 55.0)
        self.assertEqual(dunning.amount_total, 462.5)

    def test_a_consumer_policy_never_goes_by_age(self):
        with self.assertRaisesRegex(ValidationError, "one after the other"):
            self.consumers.level_order = "by_age"

    def test_the_first_automatic_run_starts_with_the_first_reminder(self):
        # 120 days late: "despite our first reminder" would be untrue
        invoice = self.create_invoice(self.customer, 1000, "2025-11-15")
        run = self.run_on(TODAY, self.business, automatic=True)
        self.assertEqual(run.dunning_ids.level_id.name, "First reminder")
        self.execute(run, TODAY)
        # the next day: within the second reminder's 10 days
        later = self.create_invoice(self.customer, 300, "2026-02-20")
        run = self.run_on("2026-03-16", self.business, automatic=True)
        self.assertFalse(run.dunning_ids)
        self.assertEqual(self.skipped(run)[invoice], "too_soon")
        self.assertEqual(self.skipped(run)[later], "too_soon")
        run = self.run_on("2026-03-25", self.business, automatic=True)
        dunning = run.dunning_ids
        self.assertEqual(dunning.level_id.name, "Second reminder")
        self.assertEqual(
            {line.move_id: line.level_id.name for line in dunning.line_ids},
            {invoice: "Second reminder", later: "First reminder"},
        )
        self.execute(run, "2026-03-25")
        # the formal notice is not automatic: the automatic runs stop there,
        # a collector's run proposes it once its gap has passed
        run = self.run_on("2026-04-10", self.business, automatic=True)
        self.assertFalse(run.dunning_ids.filtered(lambda d: d.level_id.formal_notice))
        run = self.run_on("2026-04-10", self.business)
        self.assertEqual(run.dunning_ids.level_id.name, "Formal notice")

    def test_by_age_jumps_for_business_customers(self):
        self.business.level_order = "by_age"
        self.create_invoice(self.customer, 1000, "2025-11-15")
        run = self.run_on(TODAY, self.business)
        self.assertEqual(run.dunning_ids.level_id.name, "Formal notice")
        self.assertIn("120 days late", run.dunning_ids.level_note)

    def test_a_gap_is_never_negative(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.business.level_ids[1].min_gap_days = -1

    def test_policy_levels_are_validated(self):
        Policy = self.env["collection.policy"].with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "same delay"):
            Policy.create(
                {
                    "name": "Twice",
                    "level_ids": [
                        Command.create(
                            {"name": "A", "sequence": 1, "days_after_due": 5}
                        ),
                        Command.create(
                            {"name": "B", "sequence": 2, "days_after_due": 5}
                        ),
                    ],
                }
            )
        with self.assertRaisesRegex(ValidationError, "increasing delay"):
            Policy.create(
                {
                    "name": "Backwards",
                    "level_ids": [
                        Command.create(
                            {"name": "A", "sequence": 1, "days_after_due": 10}
                        ),
                        Command.create(
                            {"name": "B", "sequence": 2, "days_after_due": 5}
                        ),
                    ],
                }
            )
        with self.assertRaisesRegex(ValidationError, "at least one level"):
            Policy.create({"name": "Empty", "level_ids": []})
        with self.assertRaisesRegex(UserError, "at least one level"):
            single = Policy.create(
                {
                    "name": "Single",
                    "level_ids": [Command.create({"name": "A", "days_after_due": 3})],
                }
            )
            single.level_ids.unlink()
