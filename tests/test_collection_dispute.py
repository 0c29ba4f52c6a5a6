from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import TODAY, CollectionCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionDispute(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls.create_invoice(cls.customer, 1000, "2026-02-13").with_context(
            tracking_disable=False, mail_notrack=False
        )
        cls.reason_cash = cls.env.ref(
            "credit_collection.collection_reason_cash_problem"
        )
        cls.reason_dispute = cls.env.ref(
            "credit_collection.collection_reason_dispute_goods"
        )
        cls.plain = new_test_user(cls.env, login="plain", groups="base.group_user")
        # As at a commit: the invoice was created untracked, track from now on.
        cls.env.flush_all()
        cls.env.cr.precommit.run()

    def _tracked(self, move, field_name):
        """(old, new) values the chatter tracked for `field_name`."""
        move.env.flush_all()
        move.env.cr.precommit.run()  # tracking values are written before commit
        move.invalidate_recordset(["message_ids"])
        values = move.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == field_name
        )
        return [
            (
                value.old_value_char or value.old_value_integer,
                value.new_value_char or value.new_value_integer,
            )
            for value in values
        ]

    def test_collector_disputes_and_lifts_with_tracking(self):
        invoice = self.invoice.with_user(self.collector)
        invoice.action_collection_dispute()
        self.assertTrue(invoice.collection_disputed)
        self.assertEqual(invoice.collection_dispute_date, fields.Date.to_date(TODAY))
        self.assertEqual(invoice.collection_dispute_user_id, self.collector)
        self.assertEqual(self._tracked(self.invoice, "collection_disputed"), [(0, 1)])

        invoice.action_collection_lift_dispute()
        self.assertFalse(invoice.collection_disputed)
        self.assertFalse(invoice.collection_dispute_date)
        self.assertFalse(invoice.collection_dispute_user_id)
        self.assertEqual(len(self._tracked(self.invoice, "collection_disputed")), 2)

    def test_how_a_dispute_ends(self):
        """Open, in review, then rejected with an answer (dunning resumes);
        another resolved by the credit note of its invoice; a third lifted:
        closed."""
        invoice = self.invoice.with_user(self.collector)
        invoice.action_collection_dispute()
        self.assertEqual(invoice.collection_dispute_state, "open")
        invoice.action_collection_review_dispute()
        self.assertEqual(invoice.collection_dispute_state, "review")
        self.assertTrue(invoice.collection_disputed)
        # as at a commit: the chatter tracks open, then in review
        self.assertEqual(
            self._tracked(self.invoice, "collection_dispute_state"),
            [(0, "In Review")],
        )
        with self.assertRaisesRegex(UserError, "Only an open dispute"):
            invoice.action_collection_review_dispute()
        with self.assertRaisesRegex(UserError, "Write the answer to the customer"):
            invoice.action_collection_reject_dispute()
        self.assertEqual(invoice.collection_dispute_state, "review")
        # another dispute reason leaves the dispute in review, as it was
        invoice.collection_reason_id = self.reason_dispute
        self.assertRecordValues(
            invoice,
            [
                {
                    "collection_dispute_state": "review",
                    "collection_dispute_user_id": self.collector.id,
                }
            ],
        )
        # the form saves the answer, then its button rejects
        with Form(invoice) as form:
            form.collection_dispute_answer = "The goods were delivered complete."
        invoice.action_collection_reject_dispute()
        self.assertRecordValues(
            invoice,
            [
                {
                    "collection_disputed": False,
                    "collection_dispute_state": "rejected",
                    "collection_dispute_answer": "The goods were delivered complete.",
                    # the customer still reads why it was disputed
                    "collection_reason_id": self.reason_dispute.id,
                }
            ],
        )
        self.assertIn(
            ("In Review", "Rejected"),
            self._tracked(self.invoice, "collection_dispute_state"),
        )
        with self.assertRaisesRegex(UserError, "Only a disputed invoice"):
            invoice.action_collection_reject_dispute()
        # disputed again: open, the old answer gone
        invoice.action_collection_dispute()
        self.assertEqual(
            (invoice.collection_dispute_state, invoice.collection_dispute_answer),
            ("open", False),
        )
        invoice.action_collection_lift_dispute()
        self.assertEqual(invoice.collection_dispute_state, "closed")

        # a credit note of part of a disputed invoice, through Odoo's wizard
        credited = self.create_invoice(self.customer, 400, "2026-02-20")
        credited.with_user(self.collector).action_collection_dispute()
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.collector)
            .with_context(active_model="account.move", active_ids=credited.ids)
            .create(
                {"reason": "Two cases broken", "journal_id": credited.journal_id.id}
            )
        )
        action = reversal.refund_moves()
        credit_note = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credited.collection_dispute_state, "open")
        credit_note.with_user(self.collector).action_post()
        self.assertRecordValues(
            credited,
            [{"collection_disputed": False, "collection_dispute_state": "resolved"}],
        )
        # the credit note reset to draft: the dispute is open again, until the
        # credit note is posted again
        credit_note.with_user(self.collector).button_draft()
        self.assertRecordValues(
            credited,
            [{"collection_disputed": True, "collection_dispute_state": "open"}],
        )
        credit_note.with_user(self.collector).action_post()
        self.assertEqual(credited.collection_dispute_state, "resolved")
        # a dispute reason set on two invoices at once, one in review already
        in_review = self.create_invoice(self.customer, 300, "2026-02-20")
        new = self.create_invoice(self.customer, 200, "2026-02-20")
        in_review.with_user(self.collector).action_collection_dispute()
        in_review.with_user(self.collector).action_collection_review_dispute()
        (in_review | new).with_user(
            self.collector
        ).collection_reason_id = self.reason_dispute
        self.assertEqual(
            (in_review | new).mapped("collection_dispute_state"), ["review", "open"]
        )
        # lifted together with an invoice never disputed: closed all the same
        never = self.create_invoice(self.customer, 100, "2026-02-20")
        (in_review | never).with_user(self.collector).action_collection_lift_dispute()
        self.assertEqual(
            (in_review.collection_disputed, in_review.collection_dispute_state),
            (False, "closed"),
        )
        self.assertFalse(never.collection_dispute_state)
        # a credit note of an invoice never disputed starts no dispute
        untouched = self.create_invoice(self.customer, 100, "2026-02-20")
        untouched._reverse_moves(cancel=True)
        self.assertFalse(untouched.collection_dispute_state)

    def test_how_a_dispute_ends_is_the_collectors_action(self):
        self.invoice.with_user(self.collector).action_collection_dispute()
        # the state is written by the actions only, by every role and door
        for values in (
            {"collection_dispute_state": "rejected"},
            {"collection_disputed": False, "collection_dispute_state": "rejected"},
        ):
            self.assert_refused_to_all(
                lambda role, v=values: self.as_role(role, self.invoice).write(v)
            )
        # nor does a default of the context fill it on a new invoice
        self.assert_refused_to_all(
            lambda role: (
                self.as_role(role, self.env["account.move"])
                .with_context(default_collection_dispute_state="resolved")
                .create({"move_type": "out_invoice", "partner_id": self.customer.id})
            )
        )
        # a dispute from the context's defaults is stamped by the module, not
        # by the caller's values
        created = (
            self.env["account.move"]
            .with_user(self.collector)
            .with_context(
                default_collection_disputed=True,
                default_collection_dispute_state="resolved",
                default_collection_dispute_date="2020-01-01",
                default_collection_dispute_user_id=self.manager.id,
            )
            .create({"move_type": "out_invoice", "partner_id": self.customer.id})
        )
        self.assertRecordValues(
            created,
            [
                {
                    "collection_disputed": True,
                    "collection_dispute_state": "open",
                    "collection_dispute_date": fields.Date.to_date(TODAY),
                    "collection_dispute_user_id": self.collector.id,
                }
            ],
        )
        # the answer and the actions are a collector's
        plain = ("salesperson", "plain")
        self.assert_refused_to_all(
            lambda role: self.as_role(role, self.invoice).write(
                {"collection_dispute_answer": "No."}
            ),
            roles=plain,
        )
        for action in (
            "action_collection_review_dispute",
            "action_collection_reject_dispute",
        ):
            self.assert_refused_to_all(
                lambda role, a=action: getattr(self.as_role(role, self.invoice), a)(),
                roles=plain,
            )
        self.assertEqual(
            (self.invoice.collection_dispute_state, self.invoice.collection_disputed),
            ("open", True),
        )
        # a manager answers and rejects
        invoice = self.invoice.with_user(self.manager)
        invoice.collection_dispute_answer = "Price as quoted on 2 February."
        invoice.action_collection_reject_dispute()
        self.assertEqual(self.invoice.collection_dispute_state, "rejected")

    def test_dispute_reason_disputes_the_invoice(self):
        invoice = self.invoice.with_user(self.collector)
        invoice.collection_reason_id = self.reason_cash
        self.assertFalse(invoice.collection_disputed)
        self.assertEqual(
            self._tracked(self.invoice, "collection_reason_id"),
            [(0, "Temporary cash problem")],
        )
        invoice.collection_reason_id = self.reason_dispute
        self.assertTrue(invoice.collection_disputed)
        self.assertEqual(invoice.collection_dispute_user_id, self.collector)
        self.assertIn(
            ("Temporary cash problem", "Dispute about goods or service"),
            self._tracked(self.invoice, "collection_reason_id"),
        )

    def test_collector_sets_reason_in_the_form(self):
        with Form(self.invoice.with_user(self.collector)) as form:
            form.collection_reason_id = self.reason_cash
            with self.assertRaises(AssertionError):  # read-only for a collector
                form.collection_excluded = True
        self.assertEqual(self.invoice.collection_reason_id, self.reason_cash)
        self.assertFalse(self.invoice.collection_excluded)
        with self.assertRaisesRegex(AccessError, "collection manager"):
            self.invoice.with_user(self.collector).collection_excluded = True
        with Form(self.invoice.with_user(self.manager)) as form:
            form.collection_excluded = True
        self.assertTrue(self.invoice.collection_excluded)

    def test_vendor_bill_cannot_be_disputed(self):
        bill = self.init_invoice(
            "in_invoice", amounts=[100], invoice_date="2026-03-01", post=True
        )
        with self.assertRaisesRegex(ValidationError, "not a customer invoice"):
            bill.with_user(self.collector).collection_disputed = True
        with self.assertRaisesRegex(ValidationError, "not a customer invoice"):
            bill.with_user(self.collector).collection_reason_id = self.reason_cash

    def test_reason_of_another_company_is_refused(self):
        company_2 = self.setup_other_company()["company"]
        foreign_reason = (
            self.env["collection.reason"]
            .sudo()
            .create(
                {
                    "name": "Strike at the port",
                    "category": "other",
                    "company_id": company_2.id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            self.invoice.with_user(self.collector).collection_reason_id = foreign_reason
        # and a user of the first company does not even see it
        self.assertNotIn(
            foreign_reason,
            self.env["collection.reason"].with_user(self.collector).search([]),
        )

    def test_salesperson_cannot_write_collection_fields(self):
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.salesperson).write(
                {"collection_disputed": True}
            )
        with self.assertRaisesRegex(AccessError, "Only collectors"):
            self.invoice.with_user(self.salesperson).sudo(
                False
            )._check_collection_write_access()
        with self.assertRaisesRegex(AccessError, "Only collectors"):
            self.customer.with_user(
                self.salesperson
            ).collection_user_id = self.salesperson
        self.assertFalse(self.invoice.collection_disputed)
        self.assertFalse(self.customer.collection_user_id)


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionAccess(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_invoice(cls.customer, 1000, "2026-02-13")
        cls.create_invoice(cls.other_customer, 400, "2026-03-01")

    def test_salesperson_reads_only_own_customers_status(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        own = Partner.browse(self.customer.id)
        other = Partner.browse(self.other_customer.id)
        self.assertTrue(own.collection_status_access)
        self.assertEqual(own.collection_overdue_amount, 1000.0)
        self.assertEqual(own.collection_oldest_overdue_days, 30)
        self.assertFalse(other.collection_status_access)
        self.assertEqual(other.collection_overdue_amount, 0.0)
        self.assertEqual(other.collection_overdue_count, 0)
        # Searching does not reveal other customers either.
        found = Partner.search(
            [
                ("id", "in", (self.customer | self.other_customer).ids),
                ("collection_overdue_amount", ">", 0),
            ]
        )
        self.assertEqual(found, own)

    def test_collector_reads_every_status_and_assigns_collectors(self):
        Partner = self.env["res.partner"].with_user(self.collector)
        other = Partner.browse(self.other_customer.id)
        self.assertTrue(other.collection_status_access)
        self.assertEqual(other.collection_overdue_amount, 400.0)
        other.collection_user_id = self.collector
        self.assertEqual(self.other_customer.collection_user_id, self.collector)
        self.assertEqual(
            Partner.search([("collection_user_id", "=", self.collector.id)]), other
        )

    def test_collector_is_shared_with_contacts(self):
        self.customer.with_user(self.collector).collection_user_id = self.collector
        self.assertEqual(self.customer_contact.collection_user_id, self.collector)

    def test_salesperson_edits_a_customer_with_a_collector(self):
        """The collector is a commercial field: Odoo copies it to contacts when
        a salesperson adds one or edits the company, which is no change of
        collector and must not be refused."""
        self.customer.with_user(self.collector).collection_user_id = self.collector
        customer = self.customer.with_user(self.salesperson)
        contact = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .create({"name": "Anne Martin", "parent_id": customer.id})
        )
        customer.write({"vat": "FR23334175221", "phone": "+33 4 78 00 12 34"})
        self.assertEqual(contact.collection_user_id, self.collector)
        self.assertEqual(self.customer_contact.collection_user_id, self.collector)
        with self.assertRaisesRegex(AccessError, "Only collectors"):
            customer.collection_user_id = self.salesperson

    def test_default_collector_from_settings(self):
        self.env["res.config.settings"].sudo().create(
            {"collection_default_user_id": self.collector.id}
        ).execute()
        self.env.invalidate_all()
        self.assertEqual(self.other_customer.collection_user_id, self.collector)
        self.assertIn(
            self.other_customer,
            self.env["res.partner"].search(
                [("collection_user_id", "=", self.collector.id)]
            ),
        )
        # A customer's own collector wins over the default.
        self.customer.with_user(self.collector).collection_user_id = self.manager
        self.assertEqual(self.customer.collection_user_id, self.manager)

    def test_only_managers_configure_reasons(self):
        values = {"name": "Bankruptcy filed", "category": "cash"}
        with self.assertRaises(AccessError):
            self.env["collection.reason"].with_user(self.collector).create(values)
        reason = self.env["collection.reason"].with_user(self.manager).create(values)
        self.assertEqual(reason.category, "cash")
        # Everyone reads the reasons shown on invoices.
        self.assertEqual(reason.with_user(self.salesperson).name, "Bankruptcy filed")
