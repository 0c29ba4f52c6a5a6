import io

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common_commission import CollectionCommissionCommon


@freeze_time("2026-05-05")
@tagged("post_install", "-at_install")
class TestCommissionSettlement(CollectionCommissionCommon):
    """Write-offs, currencies, who keeps a commission; the statement, the
    settlement wizard, bad input and who may do what."""

    def test_a_write_off_collects_nothing(self):
        """Register Payment with the difference written off: only the cash
        registered earns commission."""
        invoice = self.invoice()
        expense = self.company_data["default_account_expense"]
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {
                "amount": 121.0,
                "payment_date": "2026-03-20",
                "payment_difference_handling": "reconcile",
                "writeoff_account_id": expense.id,
                "writeoff_label": "Bad debt",
            }
        )._create_payments()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertRecordValues(
            invoice.commission_entry_ids,
            [{"collected": 121.0, "base": 100.0, "commission": 5.0}],
        )

    def test_foreign_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 0.5)])
        invoice = self.invoice(currency=eur)
        # 1,210.00 EUR at 0.5 EUR a USD: 2,420.00 USD collected, 2,000.00 untaxed
        self.pay(invoice, 1210.0, "2026-03-20")
        self.assertRecordValues(
            invoice.commission_entry_ids,
            [{"collected": 2420.0, "base": 2000.0, "commission": 100.0}],
        )

    def test_the_salesperson_at_posting_keeps_it(self):
        invoice = self.invoice()
        invoice.invoice_user_id = self.other_salesperson
        self.pay(invoice, 1210.0, "2026-03-20")
        self.assertEqual(invoice.commission_entry_ids.user_id, self.salesperson)
        self.assertEqual(invoice.commission_earned, 50.0)

    def test_statement_pdf_and_xlsx(self):
        import openpyxl

        invoice = self.invoice()
        self.pay(invoice, 605.0, "2026-03-20")
        self.pay(invoice, 605.0, "2026-04-20")
        settlement = self.settle("2026-03-01", "2026-04-30")
        self.assertEqual(settlement.amount_total, 43.75)
        # the salesperson's portfolio beside the commission: nothing overdue,
        # 1,210.00 sold from March to April, nothing open at the end
        self.assertEqual(settlement.salesperson_overdue, 0.0)
        self.assertEqual(settlement.salesperson_dso, 0.0)
        pdf, _format = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "credit_collection.action_report_commission_statement", settlement.ids
            )
        )
        self.assertEqual(pdf[:4], b"%PDF")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "credit_collection.action_report_commission_statement", settlement.ids
            )[0]
            .decode()
        )
        self.assertIn(invoice.name, html)
        self.assertIn("18.75", html)
        book = openpyxl.load_workbook(io.BytesIO(settlement._get_xlsx()))
        rows = list(book.active.iter_rows(min_row=4, values_only=True))
        self.assertEqual([row[8] for row in rows], [25.0, 18.75, 43.75])
        self.assertEqual([row[4] for row in rows[:2]], [-11, 20])

    def test_the_wizard_as_the_web_client_opens_it(self):
        invoice = self.invoice()
        self.pay(invoice, 605.0, "2026-04-20")
        action = self.env.ref(
            "credit_collection.collection_commission_settle_wizard_action"
        )
        form = Form(
            self.env[action.res_model]
            .with_user(self.manager)
            .with_context(**safe_eval(action.context or "{}"))
        )
        # the last month by default: April
        self.assertEqual(str(form.date_from), "2026-04-01")
        self.assertEqual(str(form.date_to), "2026-04-30")
        settlements = self.env["collection.commission.settlement"].search(
            form.save().action_settle()["domain"]
        )
        self.assertEqual(settlements.user_id, self.salesperson)
        self.assertEqual(settlements.amount_total, 18.75)

    def test_bad_input(self):
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self.settle("2026-04-30", "2026-04-01")
        Rate = self.env["collection.commission.rate"].with_user(self.manager)
        for user, rate in ((self.other_salesperson, -1.0), (self.collector, 100.5)):
            with (
                self.subTest(rate=rate),
                self.assertRaisesRegex(ValidationError, "between 0 and 100"),
            ):
                Rate.create({"user_id": user.id, "rate": rate})
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.env.company.commission_rate = 101.0
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.env["collection.commission.scale"].create({"factor": 120.0})

    def test_who_may_do_what(self):
        invoice = self.invoice()
        other = self.invoice(partner=self.other_customer)
        self.pay(invoice, 1210.0, "2026-03-20")
        self.pay(other, 1210.0, "2026-03-20")
        settlement = self.settle(
            "2026-03-01", "2026-03-31", self.salesperson | self.other_salesperson
        )
        mine = settlement.filtered(lambda s: s.user_id == self.salesperson)
        Entry = self.env["collection.commission.entry"]
        # a salesperson reads their own commission only
        self.assertEqual(Entry.with_user(self.salesperson).search([]).move_id, invoice)
        self.assertEqual(
            self.env["collection.commission.settlement"]
            .with_user(self.salesperson)
            .search([]),
            mine,
        )
        self.assertEqual(Entry.with_user(self.collector).search_count([]), 2)
        with self.assertRaises(AccessError):
            Entry.with_user(self.plain).search([])
        entry = invoice.commission_entry_ids
        for user in (self.collector, self.manager, self.salesperson, self.plain):
            with self.subTest(user=user.login):
                # the commission figures are the module's
                with self.assertRaises(AccessError):
                    entry.with_user(user).write({"commission": 1000.0})
                with self.assertRaises(AccessError):
                    invoice.with_user(user).write(
                        {"commission_user_id": user.id, "commission_rate": 50.0}
                    )
                with self.assertRaises(AccessError):
                    mine.line_ids.with_user(user).write({"commission": 1000.0})
                with self.assertRaises(AccessError):
                    mine.with_user(user).write({"state": "paid", "amount_total": 1.0})
                with self.assertRaises(AccessError):
                    Entry.with_user(user).create(
                        {
                            "company_id": self.env.company.id,
                            "user_id": user.id,
                            "move_id": invoice.id,
                            "payment_date": "2026-03-20",
                            "commission": 1000.0,
                        }
                    )
                with self.assertRaises(UserError):  # an AccessError too
                    mine.with_user(user).unlink()
        # rates and settlements are the managers'
        for user in (self.collector, self.salesperson, self.plain):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["collection.commission.rate"].with_user(user).create(
                        {"user_id": user.id, "rate": 50.0}
                    )
                with self.assertRaises(AccessError):
                    self.env["collection.commission.settle.wizard"].with_user(
                        user
                    ).create({})
                with self.assertRaises(UserError):
                    mine.with_user(user).action_confirm()
        self.assertEqual(mine.state, "draft")
        # a confirmed settlement is not cancelled
        mine.with_user(self.manager).action_confirm()
        with self.assertRaisesRegex(UserError, "not cancelled"):
            mine.with_user(self.manager).action_cancel()
        # a cancelled draft frees its payments
        theirs = settlement - mine
        theirs.with_user(self.manager).action_cancel()
        again = self.settle("2026-03-01", "2026-03-31", self.other_salesperson)
        self.assertEqual(again.amount_total, theirs.amount_total)
