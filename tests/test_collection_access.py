from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import TODAY, CollectionCommon


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

    def test_records_made_together_keep_their_companies(self):
        """Records the module creates many at once (a run's decisions) are
        checked a company at a time: a batch whose records each hold their
        own company's invoices is created; one record with another company's
        invoice, among others, stops the batch with Odoo's message naming
        it, and nothing is created."""
        company_2 = self.setup_other_company()["company"]
        customer_2 = self.env["res.partner"].create(
            {"name": "Brasserie Dupont", "is_company": True, "company_id": company_2.id}
        )
        invoice = self.create_invoice(self.customer, 500, "2026-01-01")
        invoice_2 = self.create_invoice(
            customer_2, 900, "2026-01-01", company=company_2
        )
        Decision = self.env["collection.decision"].sudo()

        def values(company, partner, invoices):
            return {
                "company_id": company.id,
                "partner_id": partner.id,
                "measure": "hold",
                "state": "to_approve",
                "move_ids": [Command.set(invoices.ids)],
            }

        made = Decision.create(
            [
                values(self.env.company, self.customer, invoice),
                values(company_2, customer_2, invoice_2),
                values(self.env.company, self.other_customer, self.env["account.move"]),
            ]
        )
        self.assertEqual(made.move_ids, invoice | invoice_2)
        count = Decision.search_count([])
        with (
            self.assertRaisesRegex(UserError, "Incompatible companies") as caught,
            self.env.cr.savepoint(),
        ):
            Decision.create(
                [
                    values(self.env.company, self.customer, invoice),
                    values(self.env.company, self.other_customer, invoice_2),
                ]
            )
        # the decision at fault, not its right neighbour
        self.assertIn(self.other_customer.name, str(caught.exception))
        self.assertNotIn(self.customer.name, str(caught.exception))
        self.assertEqual(Decision.search_count([]), count)
        # and on write, the batch's other fields aside
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            made.write({"move_ids": [Command.link(invoice_2.id)]})

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
