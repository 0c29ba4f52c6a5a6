from datetime import date

from freezegun import freeze_time
from odoo_test_helper import FakeModelLoader

from odoo import Command
from odoo.tests import tagged

from .common import TODAY, CollectionCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestReceivableBook(CollectionCommon):
    """The receivable book decides the due date, the open items and the
    policy: split payment terms, currencies, an invoice's own policy and a
    second company, through every caller."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.collection_interest_mode = "fr"
        cls.policy = cls.create_policy(
            {"name": "Reminder", "days_after_due": 3},
            {
                "name": "Formal notice",
                "days_after_due": 40,
                "channel": "letter",
                "charge_interest": True,
                "charge_compensation": True,
            },
            name="Business customers",
            level_order="by_age",
        )
        cls.customer.email = "compta@boulangerie.example.com"
        cls.other_customer.email = "compta@lefevre.example.com"
        cls.split_term = cls.env["account.payment.term"].create(
            {
                "name": "Half at 30 days, half at 60",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 30}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 60}
                    ),
                ],
            }
        )
        # installments due on 31 January and 2 March 2026
        cls.split = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": "2026-01-01",
                "invoice_payment_term_id": cls.split_term.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Flour",
                            "quantity": 1,
                            "price_unit": 1000,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        cls.split.action_post()
        cls.mandate = cls.env["collection.mandate"].create(
            {
                "name": "Collectors",
                "user_ids": [Command.set(cls.collector.ids)],
                "manager_id": cls.manager.id,
                "date_start": "2026-01-01",
                "max_delay_days": 30,
                "max_waiver_amount": 100,
            }
        )

    def test_split_terms_count_from_the_oldest_unpaid_installment(self):
        self.assertEqual(str(self.split.invoice_date_due), "2026-03-02")
        Receivable = self.env["collection.receivable"]
        self.assertEqual(str(Receivable._get_oldest_due_date(self.split)), "2026-01-31")
        # days overdue: from 31 January, not from 2 March
        self.assertEqual(self.split.collection_days_overdue, 43)
        # interest: 500 for 43 days and 500 for 13 days at 12.15 %
        # = 7.1568 + 2.1637 = 9.3205, and the 40.00 compensation
        charges = self.split._collection_get_charges(date(2026, 3, 15))
        self.assertEqual(
            (
                charges[self.split.id]["interest"],
                charges[self.split.id]["compensation"],
            ),
            (9.32, 40.0),
        )
        # the mandate weighs 25 March against 31 January: 53 days, beyond 30
        decision = (
            self.env["collection.decision"]
            .with_user(self.collector)
            ._request("delay", self.customer, self.split, date=date(2026, 3, 25))
        )
        self.assertEqual((decision.value, decision.state), (53.0, "to_approve"))
        # a run duns it at the level 43 days reached
        run = self.new_run()
        run.action_propose()
        line = run.line_ids.filtered(lambda line: line.move_id == self.split)
        self.assertEqual((line.days_overdue, line.level_id.name), (43, "Formal notice"))
        self.assertEqual(str(line.due_date), "2026-01-31")
        self.assertEqual(line.interest_amount, 9.32)
        # and the charge wizard charges it from 1 February
        wizard = (
            self.env["collection.charge.wizard"]
            .with_user(self.collector)
            .create({"partner_ids": self.customer.ids})
        )
        charge = self.env["account.move"].browse(
            wizard.action_create_invoices()["res_id"]
        )
        interest = charge.invoice_line_ids.filtered(
            lambda line: line.collection_charge_type == "interest"
        )
        self.assertEqual(interest.price_unit, 9.32)
        self.assertEqual(str(interest.collection_interest_date_from), "2026-02-01")

    def test_first_installment_paid_counts_from_the_second(self):
        self.pay(self.split, 500, "2026-01-31")
        self.assertEqual(
            str(self.env["collection.receivable"]._get_oldest_due_date(self.split)),
            "2026-03-02",
        )
        self.assertEqual(self.split.collection_days_overdue, 13)

    def test_an_invoice_with_its_own_policy(self):
        gentle = self.create_policy(
            {"name": "Friendly", "days_after_due": 60}, name="Gentle", default=False
        )
        other = self.create_invoice(self.other_customer, 300, "2026-01-20")  # 54
        other.collection_policy_id = gentle
        run = self.new_run(self.policy | gentle)
        run.action_propose()
        self.assertFalse(
            run.line_ids.filtered(lambda line: line.move_id == other),
            "54 days: its own policy's first level is at 60",
        )
        with freeze_time("2026-03-25"):
            later = self.new_run(self.policy | gentle)
            later.action_propose()
        line = later.line_ids.filtered(lambda line: line.move_id == other)
        self.assertEqual(line.level_id, gentle.level_ids)
        # a run without its policy lists it, saying why
        alone = self.new_run(self.policy)
        alone.action_propose()
        skipped = alone.skipped_line_ids.filtered(lambda line: line.move_id == other)
        self.assertEqual(skipped.skip_reason, "policy")

    def test_foreign_currency_through_the_bulk_proposal(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {"name": "2026-01-01", "rate": 0.8, "currency_id": eur.id}
        )
        invoice = self.create_invoice(
            self.other_customer, 800, "2026-01-20", currency=eur
        )
        run = self.new_run()
        run.action_propose()
        dunning = run.dunning_ids.filtered(
            lambda d: d.partner_id == self.other_customer
        )
        line = dunning.line_ids
        self.assertEqual((line.currency_id, line.amount_open), (eur, 800.0))
        # 800 EUR at 0.8 EUR a dollar: 1,000.00 USD; interest 800 * 12.15 % *
        # 54 / 365 = 14.38 EUR = 17.975 -> 17.98 USD; compensation 40.00
        self.assertEqual(line.interest_amount, 14.38)
        self.assertEqual(
            (dunning.amount_open, dunning.interest_amount, dunning.amount_total),
            (1000.0, 17.98, 1057.98),
        )
        written = dunning.read(["amount_open", "interest_amount", "amount_total"])
        dunning.sudo()._compute_amounts()
        self.assertEqual(
            dunning.read(["amount_open", "interest_amount", "amount_total"]), written
        )
        self.assertEqual(invoice.collection_days_overdue, 54)

    def test_a_second_company_runs_and_promises_its_own_book(self):
        company_2 = self.setup_other_company()["company"]
        self.collector.company_ids |= company_2
        policy_2 = self.create_policy(
            {"name": "Rappel", "days_after_due": 3},
            name="Second company",
            company_id=company_2.id,
            default=False,
        )
        company_2.collection_policy_id = policy_2
        invoice_2 = self.create_invoice(
            self.customer, 400, "2026-02-01", company=company_2
        )
        run_2 = self.new_run(policy_2, company=company_2)
        run_2.action_propose()
        self.assertEqual(run_2.line_ids.move_id, invoice_2)
        run_1 = self.new_run()
        run_1.action_propose()
        self.assertNotIn(invoice_2, run_1.line_ids.move_id)
        promise = (
            self.env["collection.promise"]
            .with_user(self.collector)
            .with_company(company_2)
            .create(
                {
                    "company_id": company_2.id,
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice_2.ids)],
                    "line_ids": [Command.create({"date": "2026-03-20", "amount": 400})],
                }
            )
        )
        promise.action_confirm()
        # no mandate in the second company: the request waits for a manager
        self.assertEqual(promise.state, "to_approve")
        self.assertEqual(promise.decision_ids.company_id, company_2)
        run_2.action_propose()
        self.assertFalse(
            run_2.line_ids.filtered(lambda line: line.skip_reason == "promise")
        )


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestBulkProposalFillsEveryField(CollectionCommon):
    """The proposal writes its thousands of rows past `create`: a stored
    field another module adds to dunnings and their lines is filled all the
    same, computed or defaulted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        from .models import CollectionDunning, CollectionDunningLine

        cls.loader.update_registry((CollectionDunningLine, CollectionDunning))
        cls.policy = cls.create_policy(
            {"name": "Reminder", "days_after_due": 3}, name="P"
        )
        cls.customer.email = "compta@boulangerie.example.com"

    @classmethod
    def tearDownClass(cls):
        cls.loader.restore_registry()
        super().tearDownClass()

    def test_fields_added_by_another_module_are_filled(self):
        late = self.create_invoice(self.customer, 1000, "2026-01-20")  # 54 days
        recent = self.create_invoice(self.customer, 500, "2026-03-05")  # 10 days
        disputed = self.create_invoice(self.customer, 700, "2026-03-01")
        disputed.collection_disputed = True
        run = (
            self.env["collection.run"]
            .with_user(self.collector)
            .create({"policy_ids": [Command.set(self.policy.ids)]})
        )
        run.action_propose()
        self.env.invalidate_all()
        bands = {line.move_id: line.x_test_band for line in run.line_ids}
        self.assertEqual(
            bands,
            {
                late: "draft: over 30",
                recent: "draft: 30 or less",
                disputed: "skipped: 30 or less",
            },
        )
        self.assertEqual(set(run.line_ids.mapped("x_test_reviewed")), {True})
        self.assertEqual(run.dunning_ids.x_test_line_count, 2)
        # and the ORM keeps them up to date afterwards, as for any record
        run.action_execute()
        self.assertEqual(
            run.dunning_ids.line_ids.sorted("days_overdue").mapped("x_test_band"),
            ["done: 30 or less", "done: over 30"],
        )
