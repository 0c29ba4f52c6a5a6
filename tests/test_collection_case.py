import io
import zipfile

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CollectionCommon


class CaseCommon(CollectionCommon):
    """A French-rule company handing a customer's two invoices to an agency:
    10,000.00 due 60 days ago and 2,000.00 due 370 days ago (an old one)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_roles_and_mandate(max_delay_days=30, can_escalate=True)
        cls.env.company.collection_interest_mode = "fr"
        cls.agency = cls.env["collection.handler"].create(
            {
                "partner_id": cls.env["res.partner"]
                .create({"name": "Recouvrement Dupont", "is_company": True})
                .id,
                "kind": "agency",
                "commission_rate": 10.0,
                "old_invoice_days": 365,
                "old_invoice_rate": 5.0,
                "fixed_fee": 150.0,
                "remittance_days": 30,
            }
        )

    def create_case(self, moves, user=None, **values):
        return (
            self.env["collection.case"]
            .with_user(user or self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "handler_id": self.agency.id,
                    "move_ids": [Command.set(moves.ids)],
                    **values,
                }
            )
        )


@freeze_time("2026-03-15")
@tagged("post_install", "-at_install")
class TestCollectionCase(CaseCommon):
    def setUp(self):
        super().setUp()
        self.recent = self.create_invoice(self.customer, 10000, "2026-01-14")
        self.old = self.create_invoice(self.customer, 2000, "2025-03-10")
        self.invoices = self.recent | self.old

    def test_placing_within_the_mandate_freezes_the_claim(self):
        case = self.create_case(self.invoices)
        case.action_place()
        self.assertEqual((case.state, str(case.date_placed)), ("placed", "2026-03-15"))
        recent, old = (
            case.line_ids.filtered(lambda line, m=move: line.move_id == m)
            for move in (self.recent, self.old)
        )
        # 60 days at 12.15 % (ECB 2.15 + 10): 10,000 x 0.1215 x 60 / 365
        self.assertEqual((recent.days_late, recent.interest), (60, 199.73))
        # 112 days at 13.15 % to 30 June 2025, then 258 days at 12.15 %:
        # 2,000 x (0.1315 x 112 + 0.1215 x 258) / 365
        self.assertEqual((old.days_late, old.interest), (370, 252.47))
        self.assertEqual(case.line_ids.mapped("compensation"), [40.0, 40.0])
        self.assertEqual(case.amount_principal, 12000.0)
        self.assertEqual(case.amount_claimed, 12532.20)
        # the agreement is frozen with it
        self.assertEqual((case.commission_rate, case.fixed_fee), (10.0, 150.0))
        self.agency.commission_rate = 20.0
        self.assertEqual(case.commission_rate, 10.0)
        # the invoices leave the company's hands
        self.assertEqual(self.invoices.collection_case_id, case)
        hold = self.customer.with_company(self.env.company)
        self.assertTrue(hold.collection_hold)
        self.assertIn(case.name, hold.collection_hold_reason)
        decision = case.decision_ids
        self.assertEqual((decision.measure, decision.state), ("escalate", "applied"))

    def test_a_placed_claim_is_neither_dunned_nor_charged(self):
        policy = self.create_policy(
            {"name": "Reminder", "days_after_due": 10, "channel": "letter"}
        )
        self.create_case(self.recent).action_place()
        run = self.new_run(policy)
        run.action_propose()
        skipped = run.line_ids.filtered(lambda line: line.move_id == self.recent)
        self.assertEqual((skipped.state, skipped.skip_reason), ("skipped", "case"))
        self.assertIn(self.old, run.dunning_ids.line_ids.move_id)
        wizard = (
            self.env["collection.charge.wizard"]
            .with_user(self.collector)
            .create({"partner_ids": [Command.set(self.customer.ids)]})
        )
        self.assertEqual(wizard._get_charged_invoices(), self.old)

    def test_beyond_the_mandate_the_approver_decides(self):
        self.mandate.can_escalate = False
        case = self.create_case(self.recent)
        case.action_place()
        self.assertEqual(case.state, "to_approve")
        self.assertFalse(self.recent.collection_case_id, "placed only when approved")
        decision = case.decision_ids
        self.assertEqual(
            (decision.manager_id, decision.measure), (self.approver, "escalate")
        )
        self.assertIn("Recouvrement Dupont", decision.request_summary)
        decision.with_user(self.approver).action_approve()
        self.assertEqual(case.state, "placed")
        self.assertEqual(self.recent.collection_case_id, case)
        refused = self.create_case(self.old)
        refused.action_place()
        refused.decision_ids.with_user(self.approver).action_refuse()
        self.assertEqual((refused.state, refused.line_ids.ids), ("draft", []))
        self.assertFalse(self.old.collection_case_id)

    def test_one_case_per_invoice_at_a_time(self):
        self.create_case(self.recent).action_place()
        second = self.create_case(self.invoices)
        with self.assertRaisesRegex(UserError, "Already handed over"):
            second.action_place()
        self.assertEqual(second.state, "draft")
        # a case waiting for approval holds its invoices too
        self.mandate.can_escalate = False
        waiting = self.create_case(self.old)
        waiting.action_place()
        with self.assertRaisesRegex(UserError, "Already handed over"):
            self.create_case(self.old).action_place()

    def test_the_belgian_procedure_applies_between_belgian_companies_only(self):
        case = self.create_case(self.recent, procedure="be_uncontested")
        with self.assertRaisesRegex(
            UserError, "Belgian company number: not"
        ) as refusal:
            case.action_place()
        self.assertIn("Boulangerie Martin", str(refusal.exception))
        self.assertEqual(case.state, "draft")
        belgium = self.env.ref("base.be")
        self.env.company.partner_id.write(
            {"country_id": belgium.id, "company_registry": "0477472701"}
        )
        self.customer.write(
            {"country_id": belgium.id, "company_registry": "0403170701"}
        )
        # statutory interest is not counted in the 10 %: a year-old invoice goes
        old_case = self.create_case(self.old, procedure="be_uncontested")
        self.assertFalse(old_case.procedure_warning)
        # the penalty clause is: at most 200.00 on 2,000.00
        old_case.with_user(self.collector).penalty_amount = 200.01
        with self.assertRaisesRegex(UserError, "at most 10 % of the principal"):
            old_case.action_place()
        old_case.with_user(self.collector).penalty_amount = 200.0
        old_case.action_place()
        self.assertEqual(old_case.state, "placed")
        self.assertEqual(
            old_case.amount_claimed, 2000.0 + old_case.amount_interest + 240.0
        )
        self.recent.with_user(self.collector).collection_reason_id = self.env[
            "collection.reason"
        ].search([("is_dispute", "=", True)], limit=1)
        with self.assertRaisesRegex(UserError, "uncontested debts only"):
            case.action_place()

    def test_the_worked_example_of_the_rules(self):
        """Rate 10 %, extra 2 % over 180 days, oldest invoice 200 days late at
        placement, 5,000.00 collected: 600.00."""
        self.agency.write({"old_invoice_days": 180, "old_invoice_rate": 2.0})
        invoice = self.create_invoice(self.customer, 8000, "2025-08-27")
        case = self.create_case(invoice)
        case.action_place()
        self.assertEqual(case.line_ids.days_late, 200)
        payment = (
            self.env["collection.case.payment"]
            .with_user(self.collector)
            .create({"case_id": case.id, "amount": 5000.0, "received_by": "company"})
        )
        self.assertEqual(payment.commission, 600.0)
        # 60 days late on a 60-day threshold is not over it: the rate alone
        self.agency.old_invoice_days = 60
        young = self.create_case(self.recent)
        young.action_place()
        payment = (
            self.env["collection.case.payment"]
            .with_user(self.collector)
            .create({"case_id": young.id, "amount": 1000.0})
        )
        self.assertEqual(payment.commission, 100.0)

    def test_what_the_handler_collects_and_earns(self):
        case = self.create_case(self.invoices)
        case.action_place()
        Payment = self.env["collection.case.payment"].with_user(self.collector)
        by_agency = Payment.create(
            {"case_id": case.id, "date": "2026-03-16", "amount": 3000.0}
        )
        direct = Payment.create(
            {
                "case_id": case.id,
                "date": "2026-03-20",
                "amount": 1200.0,
                "received_by": "company",
            }
        )
        # the oldest invoice was 370 days late, over 365: 10 % + 5 % on all
        self.assertEqual((by_agency.commission, direct.commission), (450.0, 180.0))
        self.assertEqual(case.amount_collected, 4200.0)
        self.assertEqual(case.amount_commission, 780.0, "with the fee of 150.00")
        self.assertEqual(case.amount_remaining, 8332.2)
        self.assertEqual(case.recovery_rate, 33.5, "4,200.00 of 12,532.20")
        self.assertEqual(str(by_agency.remittance_due), "2026-04-15")
        self.assertFalse(direct.remittance_due)
        with freeze_time("2026-04-20"):
            by_agency.invalidate_recordset(["remittance_late"])
            self.assertTrue(by_agency.remittance_late)
            by_agency.remitted_date = "2026-04-10"
            self.assertFalse(by_agency.remittance_late)
        action = case.with_user(self.collector).action_create_bill()
        bill = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(
            (bill.move_type, bill.partner_id, bill.amount_untaxed),
            ("in_invoice", self.agency.partner_id, 780.0),
        )
        self.assertEqual((by_agency | direct).bill_id, bill)
        with self.assertRaisesRegex(UserError, "Nothing to bill"):
            case.with_user(self.collector).action_create_bill()
        with self.assertRaisesRegex(UserError, "was billed"):
            by_agency.with_user(self.collector).amount = 2000.0
        with self.assertRaises(UserError):
            by_agency.with_user(self.collector).unlink()
        late = Payment.create(
            {"case_id": case.id, "date": "2026-03-25", "amount": 600.0}
        )
        action = case.with_user(self.collector).action_create_bill()
        self.assertEqual(
            self.env["account.move"].browse(action["res_id"]).amount_untaxed, 90.0
        )
        self.assertTrue(late.bill_id)

    def test_a_case_handed_over_is_kept_and_closed_with_its_outcome(self):
        draft = self.create_case(self.old)
        draft.unlink()  # nothing was sent: a draft may go
        case = self.create_case(self.invoices)
        case.action_place()
        for role in ("collector", "manager"):
            with self.subTest(role=role), self.refused():
                self.as_role(role, case).unlink()
        with self.assertRaisesRegex(UserError, "why the case is withdrawn"):
            case.with_user(self.collector)._close("withdrawn", " ")
        with self.assertRaisesRegex(UserError, "steps of a placed case"):
            case.with_user(self.collector).action_set_progress()
        self.assertEqual(case.state, "placed")

    def test_progress_and_close(self):
        case = self.create_case(self.invoices)
        case.action_place()
        case.with_context(collection_case_state="legal").action_set_progress()
        self.assertEqual(case.state, "legal")
        with self.assertRaisesRegex(UserError, "steps of a placed case"):
            case.with_context(collection_case_state="closed").action_set_progress()
        wizard = (
            self.env["collection.case.close.wizard"]
            .with_user(self.collector)
            .create({"case_id": case.id, "outcome": "withdrawn", "reason": "Paid us"})
        )
        with freeze_time("2026-05-14"):
            wizard.action_confirm()
        self.assertEqual((case.state, case.outcome), ("closed", "withdrawn"))
        self.assertEqual(case.duration_days, 60)
        self.assertFalse(self.invoices.collection_case_id, "back with the company")
        with self.assertRaisesRegex(UserError, "placed case that is not closed"):
            self.env["collection.case.payment"].with_user(self.collector).create(
                {"case_id": case.id, "amount": 10.0}
            )

    def test_who_may_do_what(self):
        case = self.create_case(self.recent)
        # the draft is the collector's to prepare
        case.with_user(self.collector).note = "Call Mr Martin first"
        case.action_place()
        attacks = {
            "state": lambda c: c.write({"state": "closed"}),
            "claim": lambda c: c.write({"amount_claimed": 1.0}),
            "agreement": lambda c: c.write({"commission_rate": 50.0}),
            "invoices": lambda c: c.write({"move_ids": [Command.set(self.old.ids)]}),
            "handler": lambda c: c.write({"handler_id": self.agency.copy().id}),
            "lines": lambda c: c.line_ids.write({"interest": 0.0}),
            "unlink": lambda c: c.unlink(),
        }
        for name, attack in attacks.items():
            with self.subTest(attack=name):
                self.assert_refused_to_all(
                    lambda role, a=attack: a(self.as_role(role, case))
                )
        # what may still be written once placed
        case.with_user(self.collector).handler_reference = "DUP-2026-118"
        # salespeople and plain users neither create nor read cases
        for role in ("salesperson", "plain"):
            with self.subTest(role=role):
                with self.assertRaises(AccessError):
                    self.create_case(self.old, user=getattr(self, role))
                with self.assertRaises(AccessError):
                    self.as_role(role, case).read(["amount_claimed"])
        # a payment is linked to a bill by Create Bill only, its commission
        # and pay-over day computed: refused in values and in defaults
        Payment = self.env["collection.case.payment"]
        payment = Payment.with_user(self.collector).create(
            {"case_id": case.id, "amount": 100.0}
        )
        self.assertEqual(payment.commission, 10.0)
        for values in (
            {"bill_id": self.recent.id},
            {"commission": 0.0},
            {"remittance_due": "2027-01-01"},
        ):
            for role in ("collector", "manager"):
                with self.subTest(values=values, role=role), self.refused():
                    self.as_role(role, payment).write(values)
                with self.subTest(values=values, role=role), self.refused():
                    self.as_role(role, Payment).create(
                        {"case_id": case.id, "amount": 10.0, **values}
                    )
        with self.refused():
            Payment.with_user(self.collector).with_context(
                default_commission=0.0
            ).create({"case_id": case.id, "amount": 10.0})
        self.assertEqual((payment.commission, payment.bill_id.id), (10.0, False))
        # only a collector hands a claim over
        with self.assertRaises(AccessError):
            self.env["collection.case"].with_user(self.salesperson).browse(
                case.id
            ).action_place()
        # a handler's agreement is the managers'
        with self.assertRaises(AccessError):
            self.agency.with_user(self.collector).commission_rate = 50.0

    def test_a_french_contract_claims_at_least_three_times_the_legal_rate(self):
        self.env.company.write(
            {
                "account_fiscal_country_id": self.env.ref("base.fr").id,
                "collection_interest_mode": "contract",
                "collection_interest_rate": 7.0,
            }
        )
        case = self.create_case(self.invoices)
        case.action_place()
        claim = dict(case._get_claim_rows())
        # the first half of 2026: 3 x 2.62 % = 7.86 %, above the contract's 7.00 %
        self.assertIn("7.86 % a year today", claim["Late-payment Interest"])
        self.assertEqual(
            claim["Legal Basis"],
            "The contract's late-payment clause: interest at 7.00 % a year. Code de "
            "commerce, art. L441-10: never below three times the legal interest "
            "rate.",
        )

    def test_the_case_file(self):
        self.recent.with_user(self.collector).collection_reason_id = self.env[
            "collection.reason"
        ].search([("is_dispute", "=", True)], limit=1)
        case = self.create_case(self.invoices, note="Objects to the quality")
        case.action_place()
        claim = dict(case._get_claim_rows())
        self.assertEqual(claim["Principal"], "$\xa012,000.00")
        self.assertIn("$\xa0452.20 at the rate", claim["Late-payment Interest"])
        self.assertIn("12.15 % a year today", claim["Late-payment Interest"])
        self.assertEqual(claim["Total Claimed"], "$\xa012,532.20")
        self.assertIn("L441-10", claim["Legal Basis"])
        history = case._get_history()
        self.assertEqual([row[1] for row in history], ["Dispute"])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "credit_collection.action_report_collection_case", case.ids
            )[0]
            .decode()
        )
        for text in ("12,532.20", "252.47", "Recouvrement Dupont", self.old.name):
            self.assertIn(text, html)
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(case._get_xlsx()))
        invoices = book["Invoices"]
        rows = {row[0]: row for row in invoices.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(
            rows[self.old.name][3:9], (370, 2000.0, 2000.0, 252.47, 12.15, 40.0)
        )
        archive = zipfile.ZipFile(
            io.BytesIO(case.with_context(force_report_rendering=True)._get_zip())
        )
        stem = case.name.replace("/", "-")
        self.assertEqual(
            sorted(archive.namelist()),
            sorted(
                [
                    f"{stem}.pdf",
                    f"{stem}.xlsx",
                    *(
                        f"Invoices/{m.name.replace('/', '-')}.pdf"
                        for m in self.invoices
                    ),
                ]
            ),
        )

    def test_the_handler_report(self):
        case = self.create_case(self.invoices)
        case.action_place()
        Payment = self.env["collection.case.payment"].with_user(self.collector)
        Payment.create({"case_id": case.id, "date": "2026-03-16", "amount": 3000.0})
        Payment.create(
            {
                "case_id": case.id,
                "date": "2026-03-20",
                "amount": 1200.0,
                "received_by": "company",
            }
        )
        other = self.env["res.partner"].create(
            {"name": "Scierie Roux", "is_company": True}
        )
        # 1,000.00 due 30 days ago: 9.99 of interest at 12.15 %, 40.00
        second = self.create_case(
            self.create_invoice(other, 1000, "2026-02-13"), partner_id=other.id
        )
        second.action_place()
        with freeze_time("2026-05-14"):
            self.env["collection.case.close.wizard"].with_user(self.collector).create(
                {"case_id": second.id, "outcome": "irrecoverable"}
            ).action_confirm()
        self.create_case(self.create_invoice(other, 500, "2026-02-20"))  # not placed
        with freeze_time("2026-04-20"):  # the 3,000.00 was due on 15 April
            report = self.env["report.credit_collection.report_collection_handler"]
            figures = report.with_user(self.collector)._get_figures(self.agency)[
                self.agency.id
            ]
            html = (
                self.env["ir.actions.report"]
                .with_user(self.collector)
                ._render_qweb_html(
                    "credit_collection.action_report_collection_handler",
                    self.agency.ids,
                )[0]
                .decode()
            )
        self.assertEqual(
            {key: figures[key] for key in ("placed", "open", "outcomes")},
            {"placed": 2, "open": 1, "outcomes": {"Irrecoverable": 1}},
        )
        self.assertAlmostEqual(figures["claimed"], 13582.19, places=2)
        self.assertAlmostEqual(figures["collected"], 4200.0, places=2)
        self.assertAlmostEqual(figures["remaining"], 9382.19, places=2)
        self.assertAlmostEqual(figures["recovery"], 30.92, places=2)
        self.assertAlmostEqual(figures["commission"], 930.0, places=2, msg="780 + fee")
        self.assertEqual(figures["days_to_close"], 60.0)
        self.assertEqual((figures["late_count"], figures["late_amount"]), (1, 3000.0))
        for text in ("13,582.19", "30.9", "930.00", second.name, "Scierie Roux"):
            self.assertIn(text, html)
