import psycopg2
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_commission import CollectionCommissionCommon


@freeze_time("2026-05-05")
@tagged("post_install", "-at_install")
class TestCollectionCommission(CollectionCommissionCommon):
    """docs/commission.md's example: untaxed 1,000.00, total 1,210.00, due
    31 March 2026, a rate of 5 %; 605.00 paid on 20 March earns 25.00, 605.00
    paid on 20 April (20 days late, 75 %) 18.75: 43.75."""

    def test_the_worked_example_to_the_cent(self):
        invoice = self.invoice()
        self.assertRecordValues(
            invoice,
            [
                {
                    "commission_user_id": self.salesperson.id,
                    "commission_rate": 5.0,
                    "commission_state": "pending",
                }
            ],
        )
        self.pay(invoice, 605.0, "2026-03-20")
        self.assertEqual(invoice.commission_state, "partial")
        self.pay(invoice, 605.0, "2026-04-20")
        entries = invoice.commission_entry_ids.sorted("payment_date")
        self.assertRecordValues(
            entries,
            [
                {
                    "payment_date": fields.Date.to_date("2026-03-20"),
                    "days_late": -11,
                    "collected": 605.0,
                    "base": 500.0,
                    "factor": 100.0,
                    "commission": 25.0,
                },
                {
                    "payment_date": fields.Date.to_date("2026-04-20"),
                    "days_late": 20,
                    "collected": 605.0,
                    "base": 500.0,
                    "factor": 75.0,
                    "commission": 18.75,
                },
            ],
        )
        self.assertRecordValues(
            invoice,
            [
                {
                    "commission_base": 1000.0,
                    "commission_earned": 43.75,
                    "commission_settled": 0.0,
                    "commission_state": "earned",
                }
            ],
        )

    def test_two_settlement_periods_and_never_twice(self):
        invoice = self.invoice()
        self.pay(invoice, 605.0, "2026-03-20")
        self.pay(invoice, 605.0, "2026-04-20")
        march = self.settle("2026-03-01", "2026-03-31")
        self.assertEqual(len(march), 1)
        self.assertEqual(march.line_ids.mapped("commission"), [25.0])
        self.assertEqual(march.amount_total, 25.0)
        self.assertTrue(march.name.startswith("COM/"))
        # the same month again: nothing left to settle, and the message says
        # where its payments are and what else waits
        with self.assertRaises(UserError) as refused:
            self.settle("2026-03-01", "2026-03-31")
        message = str(refused.exception)
        self.assertIn("Nothing to settle from 03/01/2026 to 03/31/2026.", message)
        self.assertIn(f"Its payments are in {march.name}", message)
        self.assertIn("18.75 on payments from 04/20/2026 to 04/20/2026", message)
        # two settlements computed at once: the second claims nothing
        Settlement = self.env["collection.commission.settlement"].with_user(
            self.manager
        )
        self.assertFalse(
            Settlement._settle(
                self.env.company,
                fields.Date.to_date("2026-03-01"),
                fields.Date.to_date("2026-03-31"),
                self.salesperson,
            )
        )
        # and the database refuses a second line for the payment
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["collection.commission.settlement.line"].sudo().create(
                {
                    "settlement_id": march.id,
                    "entry_id": march.line_ids.entry_id.id,
                    "commission": 25.0,
                }
            )
        march.with_user(self.manager).action_confirm()
        self.assertEqual(invoice.commission_settled, 25.0)
        self.assertEqual(invoice.commission_state, "earned")
        april = self.settle("2026-04-01", "2026-04-30")
        self.assertEqual(april.line_ids.mapped("commission"), [18.75])
        april.with_user(self.manager).action_confirm()
        april.with_user(self.manager).action_mark_paid()
        self.assertEqual(april.state, "paid")
        self.assertEqual(invoice.commission_settled, 43.75)
        self.assertEqual(invoice.commission_state, "settled")

    def test_seventy_days_late_earns_nothing(self):
        invoice = self.invoice(due="2026-02-20")
        self.pay(invoice, 1210.0, "2026-05-01")
        self.assertRecordValues(
            invoice.commission_entry_ids,
            [{"days_late": 70, "base": 1000.0, "factor": 0.0, "commission": 0.0}],
        )

    def test_the_companys_scale_and_default_rate(self):
        # the other salesperson has no rate: the company's 2 %
        invoice = self.invoice(partner=self.other_customer)
        self.assertEqual(invoice.commission_rate, 2.0)
        Scale = self.env["collection.commission.scale"].with_user(self.manager)
        Scale.create({"days_late": 10, "factor": 90.0})
        Scale.create({"later": True, "factor": 20.0})
        self.pay(invoice, 1210.0, "2026-04-20")
        # 20 days late: beyond the 10 days, the later step's 20 %
        self.assertEqual(invoice.commission_entry_ids.factor, 20.0)
        self.assertEqual(invoice.commission_earned, 4.0)

    def test_a_payment_undone_before_and_after_settlement(self):
        invoice = self.invoice()
        payment = self.pay(invoice, 605.0, "2026-03-20")
        # undone before any settlement: the entry is undone, nothing to settle
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.commission_entry_ids.state, "cancelled")
        self.assertEqual(invoice.commission_earned, 0.0)
        with self.assertRaisesRegex(UserError, "Nothing to settle"):
            self.settle("2026-03-01", "2026-03-31")
        # paid again, settled, then undone: clawed back in the next one
        payment = self.pay(invoice, 605.0, "2026-03-25")
        march = self.settle("2026-03-01", "2026-03-31")
        march.with_user(self.manager).action_confirm()
        payment.move_id.line_ids.remove_move_reconcile()
        clawback = invoice.commission_entry_ids.filtered(
            lambda entry: entry.kind == "clawback"
        )
        self.assertRecordValues(
            clawback,
            [
                {
                    "payment_date": fields.Date.to_date("2026-05-05"),
                    "base": -500.0,
                    "commission": -25.0,
                    "settlement_id": False,
                }
            ],
        )
        self.assertEqual(march.amount_total, 25.0, "a settled line stays as settled")
        may = self.settle("2026-05-01", "2026-05-31")
        self.assertRecordValues(
            may.line_ids, [{"kind": "clawback", "commission": -25.0}]
        )
        self.assertEqual(may.amount_total, -25.0)

    def test_defaults_never_name_who_earns(self):
        """Sales and other flows create invoices as superuser with the
        caller's context: no default_* key nor personal default sets the
        commission; posting does."""
        move = (
            self.env["account.move"]
            .with_context(
                default_commission_user_id=self.other_salesperson.id,
                default_commission_rate=900.0,
            )
            .sudo()
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_user_id": self.salesperson.id,
                    "invoice_date": "2026-03-01",
                    "invoice_line_ids": [
                        Command.create({"name": "Flour", "price_unit": 100.0})
                    ],
                }
            )
        )
        self.assertFalse(move.commission_user_id)
        move.action_post()
        self.assertEqual(
            (move.commission_user_id, move.commission_rate), (self.salesperson, 5.0)
        )
        for user in (self.collector, self.manager, self.salesperson, self.plain):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["ir.default"].with_user(user).set(
                    "account.move", "commission_rate", 900.0, user_id=True
                )

    def test_an_undo_with_a_forged_context_is_still_clawed_back(self):
        invoice = self.invoice()
        payment = self.pay(invoice, 605.0, "2026-03-20")
        march = self.settle("2026-03-01", "2026-03-31")
        march.with_user(self.manager).action_confirm()
        payment.move_id.line_ids.with_context(
            default_state="cancelled", default_settlement_id=march.id
        ).remove_move_reconcile()
        clawback = invoice.commission_entry_ids.filtered(
            lambda entry: entry.kind == "clawback"
        )
        self.assertRecordValues(
            clawback,
            [{"state": "earned", "settlement_id": False, "commission": -25.0}],
        )

    def test_undone_while_in_a_draft_settlement(self):
        invoice = self.invoice()
        payment = self.pay(invoice, 605.0, "2026-03-20")
        self.pay(invoice, 605.0, "2026-03-25")
        march = self.settle("2026-03-01", "2026-03-31")
        self.assertEqual(march.amount_total, 50.0)
        payment.move_id.line_ids.remove_move_reconcile()
        # taken out of the draft: no claw-back of what was never paid
        self.assertEqual(march.amount_total, 25.0)
        self.assertFalse(
            invoice.commission_entry_ids.filtered(lambda e: e.kind == "clawback")
        )
        self.assertEqual(invoice.commission_earned, 25.0)

    def test_credit_notes(self):
        # half credited on the open invoice, the other half paid: commission
        # on the payment only
        invoice = self.invoice()
        refund = invoice._reverse_moves(
            [{"invoice_date": "2026-03-10", "invoice_date_due": "2026-03-10"}]
        )
        refund.invoice_line_ids.price_unit = 500.0
        refund.action_post()
        # posted against its invoice, it reduces what is open
        self.assertEqual(invoice.amount_residual, 605.0)
        self.pay(invoice, 605.0, "2026-03-20")
        self.assertEqual(invoice.commission_entry_ids.mapped("commission"), [25.0])
        self.assertEqual(invoice.commission_earned, 25.0)
        # paid in full, then credited and paid back: taken back
        paid = self.invoice(partner=self.customer)
        self.pay(paid, 1210.0, "2026-03-20")
        self.assertEqual(paid.commission_earned, 50.0)
        credit = paid._reverse_moves([{"invoice_date": "2026-04-01"}])
        credit.action_post()
        self.pay(credit, 1210.0, "2026-04-02")
        self.assertEqual(
            sorted(paid.commission_entry_ids.mapped("commission")), [-50.0, 50.0]
        )
        self.assertEqual(paid.commission_earned, 0.0)

    def test_a_credit_note_beyond_what_is_open_takes_back(self):
        invoice = self.invoice()
        self.pay(invoice, 605.0, "2026-03-20")
        self.assertEqual(invoice.commission_earned, 25.0)
        credit = invoice._reverse_moves([{"invoice_date": "2026-04-01"}])
        credit.action_post()
        # 605.00 was open; the other 605.00 cancels what was collected
        clawback = invoice.commission_entry_ids.filtered(lambda e: e.kind == "clawback")
        self.assertRecordValues(
            clawback,
            [
                {
                    "credit_note_id": credit.id,
                    "collected": -605.0,
                    "base": -500.0,
                    "commission": -25.0,
                }
            ],
        )
        self.assertEqual(invoice.commission_earned, 0.0)
        # the credit left to the customer, paid back: nothing taken twice
        self.pay(credit, 605.0, "2026-04-02")
        self.assertEqual(invoice.commission_earned, 0.0)
        self.assertEqual(len(invoice.commission_entry_ids), 2)

    def test_a_credit_note_reset_gives_back_what_it_took(self):
        invoice = self.invoice()
        self.pay(invoice, 1210.0, "2026-03-20")
        credit = invoice._reverse_moves([{"invoice_date": "2026-04-01"}])
        credit.invoice_line_ids.price_unit = 400.0
        credit.action_post()
        self.assertEqual(invoice.commission_earned, 30.0)  # 50.00 - 20.00
        credit.button_draft()
        self.assertEqual(invoice.commission_earned, 50.0)
