from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from odoo.addons.credit_collection.models.collection_dunning_execute import (
    BatchFormats,
)

from .common import CollectionCommon


@freeze_time("2026-01-13")
@tagged("post_install", "-at_install")
class TestConsumerDunning(CollectionCommon):
    """Belgian consumer: free first reminder, 14 days, then capped damages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "be"
        cls.policy = cls.create_policy(
            {
                "name": "Free first reminder",
                "sequence": 1,
                "days_after_due": 3,
            },
            {
                "name": "Second reminder",
                "sequence": 2,
                "days_after_due": 25,
                "channel": "letter",
                "fee_amount": 7.5,
                "charge_interest": True,
                "charge_compensation": True,
            },
            name="Consumers",
            is_b2c=True,
            default=False,
        )
        cls.consumer = cls.env["res.partner"].create(
            {"name": "Marie Lemaire", "email": "marie@example.com"}
        )
        cls.consumer.with_company(cls.env.company).collection_policy_id = cls.policy
        cls.invoice = cls.create_invoice(cls.consumer, 400, "2026-01-10")

    def test_first_reminder_is_free_then_fourteen_days(self):
        dunning = self.executed_policy_run(self.policy).dunning_ids
        self.assertEqual(dunning.level_id.name, "Free first reminder")
        self.assertEqual(dunning.amount_total, 400.0)
        # Emailed 13 January: the 14 days run from 14 to 27 January.
        charges = self.invoice._collection_get_charges
        self.assertEqual(
            charges(fields_date("2026-01-27"))[self.invoice.id]["compensation"], 0.0
        )
        self.assertEqual(
            charges(fields_date("2026-01-27"))[self.invoice.id]["interest"], 0.0
        )
        later = charges(fields_date("2026-02-06"))[self.invoice.id]
        # 10 days on 400 at 10.50 %: 1.1507; damages on 400: 30 + 10 % of 250
        self.assertEqual(later["interest"], 1.15)
        self.assertEqual(later["compensation"], 55.0)

    def test_the_proposal_charges_a_consumer_as_a_consumer(self):
        """The proposal tells a consumer's invoices from its book (not from a
        query of its own): the second reminder charges the damages capped for
        a consumer and interest from the end of the 14 days; a company under
        the same policy is charged the fixed 40.00 and interest from the due
        date."""
        company = self.env["res.partner"].create(
            {"name": "Lemaire SRL", "is_company": True, "email": "srl@example.com"}
        )
        company.with_company(self.env.company).collection_policy_id = self.policy
        company_invoice = self.create_invoice(company, 400, "2026-01-10")
        self.executed_policy_run(self.policy)
        with freeze_time("2026-02-06"):
            second = self.new_run()
            second.action_propose()
        lines = second.dunning_ids.line_ids
        self.assertEqual(
            set(lines.level_id.mapped("name")), {"Second reminder"}, lines.level_id
        )
        consumer = lines.filtered(lambda line: line.move_id == self.invoice)
        # 10 days (28 January to 6 February) on 400 at 10.50 %: 1.15;
        # damages on 400: 30 + 10 % of 250
        self.assertEqual(consumer.interest_amount, 1.15)
        self.assertEqual(consumer.compensation_amount, 55.0)
        self.assertEqual(consumer.dunning_id.amount_total, 400 + 1.15 + 55 + 7.5)
        business = lines.filtered(lambda line: line.move_id == company_invoice)
        # 27 days (11 January to 6 February) on 400 at 10.50 %: 3.11
        self.assertEqual(business.interest_amount, 3.11)
        self.assertEqual(business.compensation_amount, 40.0)

    def test_consumer_fees_are_capped(self):
        Level = self.env["collection.level"].with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "at most .*7.50 plus postage"):
            Level.create(
                {
                    "policy_id": self.policy.id,
                    "name": "Third",
                    "sequence": 3,
                    "days_after_due": 40,
                    "fee_amount": 10,
                }
            )
        with self.assertRaisesRegex(
            ValidationError, "first reminder to a consumer is free"
        ):
            self.policy.level_ids.sorted("sequence")[0].with_user(
                self.manager
            ).fee_amount = 5

    def test_desk_notes_write_amounts_as_odoo_does(self):
        """The notes of a run format tens of thousands of amounts with the
        language read once: the same text as `format_amount`, in English and
        in French, for both positions of the symbol."""
        self.env["res.lang"]._activate_lang("fr_FR")
        usd = self.env.ref("base.USD")
        for lang in ("en_US", "fr_FR"):
            env = self.env(context=dict(self.env.context, lang=lang))
            formats = BatchFormats(env)
            for currency in (self.env.company.currency_id, usd):
                for amount in (0.0, -0.004, 7.5, -1234567.891, 1000000):
                    with self.subTest(lang=lang, currency=currency.name, amount=amount):
                        self.assertEqual(
                            formats.amount(amount, currency),
                            format_amount(env, amount, currency, lang),
                        )


def fields_date(value):
    from datetime import date

    return date.fromisoformat(value)
