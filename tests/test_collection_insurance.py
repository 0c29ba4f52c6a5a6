import io
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from ..models import account_move_insurance_cover, res_partner_insurance
from .common_insurance import CollectionInsuranceCommon


@freeze_time("2026-03-15")
@tagged("post_install", "-at_install")
class TestCollectionInsurance(CollectionInsuranceCommon):
    """Deadlines, declarations and their states, their exports."""

    # ------------------------------------------------------------
    # DEADLINES
    # ------------------------------------------------------------

    def test_deadlines_from_the_original_due_date(self):
        """docs/credit-insurance.md's example: due 2026-01-15, 60 days -> notify by
        2026-03-16; an extension granted to the customer moves nothing."""
        invoice = self.create_invoice(self.customer, 1000, "2026-01-15")
        self.assertEqual(invoice.insurance_policy_id, self.policy)
        self.assertEqual(invoice.insurance_state, "to_notify")
        self.assertEqual(invoice.insurance_due_date, date(2026, 1, 15))
        self.assertEqual(invoice.insurance_notify_date, date(2026, 3, 16))
        self.assertEqual(invoice.insurance_extension_date, date(2026, 3, 16))
        self.assertEqual(invoice.insurance_stop_date, date(2026, 3, 16))
        self.assertFalse(invoice.insurance_claim_date, "counted from the notification")
        invoice.sudo().collection_extended_until = "2026-04-30"
        invoice._insurance_refresh()
        self.assertEqual(invoice.insurance_notify_date, date(2026, 3, 16))
        # a due date moved by hand after posting leaves the insured one
        invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).with_user(self.manager).date_maturity = "2026-02-28"
        invoice._insurance_refresh()
        self.assertEqual(invoice.insurance_due_date, date(2026, 1, 15))

    def test_deadlines_at_month_ends_and_in_a_leap_year(self):
        self.policy.write(
            {"notification_days": 30, "claim_basis": "due_date", "claim_days": 90}
        )
        january = self.create_invoice(self.customer, 100, "2026-01-31")
        self.assertEqual(january.insurance_notify_date, date(2026, 3, 2))
        self.assertEqual(january.insurance_claim_date, date(2026, 5, 1))
        self.policy.notification_days = 60
        leap = self.create_invoice(self.customer, 100, "2027-12-31")
        self.assertEqual(leap.insurance_notify_date, date(2028, 2, 29))
        self.assertEqual(leap.insurance_state, "covered", "not due yet")

    def test_each_installment_counts_from_its_own_due_date(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half at 30, half at 60 days",
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
        invoice = self.create_invoice(self.customer, 1000, "2026-01-31", post=False)
        invoice.write(
            {"invoice_date": "2026-01-01", "invoice_payment_term_id": term.id}
        )
        invoice.action_post()
        self.assertEqual(invoice.insurance_due_date, date(2026, 1, 31))
        self.assertEqual(invoice.insurance_notify_date, date(2026, 4, 1))
        self.pay(invoice, 500, "2026-03-01")
        invoice._insurance_refresh()
        self.assertEqual(invoice.insurance_due_date, date(2026, 3, 2))
        self.assertEqual(invoice.insurance_notify_date, date(2026, 5, 1))
        self.assertEqual(invoice.insurance_state, "to_notify")

    def test_cover_at_the_invoice_date(self):
        newcomer = self.env["res.partner"].create(
            {"name": "Vins Bernard", "is_company": True}
        )
        before = self.create_invoice(newcomer, 100, "2026-02-14")  # dated 01-15
        self.insure(newcomer, "2026-02-01")
        after = self.create_invoice(newcomer, 100, "2026-03-12")  # dated 02-10
        self.assertFalse(before.insurance_policy_id, "dated before the grant")
        self.assertEqual(after.insurance_policy_id, self.policy)
        newcomer.with_user(self.manager).write(
            {"insurance_state": "cancelled", "insurance_decision_date": "2026-02-05"}
        )
        self.assertFalse(after.insurance_policy_id, "dated after the cancellation")
        older = self.create_invoice(self.customer, 100, "2026-03-01")
        self.customer.with_user(self.manager).write(
            {"insurance_state": "cancelled", "insurance_decision_date": "2026-03-10"}
        )
        self.assertEqual(older.insurance_policy_id, self.policy, "dated before it")

    def test_a_decision_on_many_customers_assigns_them_page_by_page(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Client {i}", "is_company": True} for i in range(3)]
        )
        invoices = [
            self.create_invoice(c, 100 + i, "2026-03-12")
            for i, c in enumerate(customers)
        ]
        self.assertFalse(any(invoice.insurance_policy_id for invoice in invoices))
        # made before, as a commit would end them (created untracked here)
        self.env.cr.flush()
        # one customer a page: each page's customers written and tracked, their
        # invoices assigned, none forgotten
        with (
            patch.object(account_move_insurance_cover, "INSURANCE_PAGE", 1),
            patch.object(res_partner_insurance, "INSURANCE_PAGE", 1),
        ):
            # tracked, as the web client's save is (the tests' context is not)
            customers.with_user(self.manager).with_context(
                tracking_disable=False, mail_notrack=False
            ).write(
                {
                    "insurance_policy_id": self.policy.id,
                    "insurance_state": "granted",
                    "insurance_limit": 5000,
                    "insurance_decision_date": "2026-01-01",
                }
            )
        self.assertEqual(
            [(i.insurance_policy_id, i.insurance_state) for i in invoices],
            [(self.policy, "to_notify")] * 3,
        )
        # due three days ago: to notify, from the original due date
        self.assertEqual({i.insurance_due_date for i in invoices}, {date(2026, 3, 12)})
        self.env.cr.flush()
        for customer in customers:
            with self.subTest(customer=customer.name):
                self.assertRecordValues(
                    customer,
                    [{"insurance_limit": 5000.0, "insurance_state": "granted"}],
                )
                # the decision in the customer's chatter, once, by the manager
                tracked = customer.message_ids.filtered(
                    lambda m: (
                        "insurance_policy_id"
                        in m.sudo().tracking_value_ids.field_id.mapped("name")
                    )
                )
                self.assertEqual(len(tracked), 1)
                self.assertEqual(tracked.author_id, self.manager.partner_id)

    # ------------------------------------------------------------
    # DECLARATIONS AND STATES
    # ------------------------------------------------------------

    def test_notification_claim_and_indemnity(self):
        late = self.create_invoice(self.customer, 1000, "2026-02-01")
        other = self.create_invoice(self.customer, 400, "2026-04-30")
        self.assertEqual(other.insurance_state, "covered")
        notification = self.declare(
            "notification",
            late,
            reason=self.env.ref("credit_collection.collection_reason_cash_problem"),
        )
        self.assertEqual(notification.state, "sent")
        self.assertEqual(late.insurance_state, "notified")
        self.assertEqual(late.insurance_notified_date, date(2026, 3, 15))
        self.assertEqual(late.insurance_claim_date, date(2026, 4, 14))
        # the insurer reads the whole exposure, the declared invoice marked
        self.assertEqual(
            notification.line_ids.mapped(lambda line: (line.move_id, line.declared)),
            [(late, True), (other, False)],
        )
        self.assertRecordValues(
            notification,
            [
                {
                    "policy_number": "5120-778",
                    "buyer_name": "Boulangerie Martin",
                    "buyer_vat": "FR03552081317",
                    "buyer_registry": "552 081 317",
                    "buyer_ref": "AT-0048213",
                    "limit_granted": 10000.0,
                    "amount_declared": 1000.0,
                    "disputed": False,
                }
            ],
        )
        # a second notification of the same invoice is refused
        with self.assertRaises(UserError):
            self.declare("notification", late)
        claim = self.declare("claim", late)
        self.assertEqual(late.insurance_state, "claim_filed")
        indemnity = Form(
            self.env["collection.insurance.indemnity.wizard"]
            .with_user(self.collector)
            .with_context(**claim.action_record_indemnity()["context"])
        )
        indemnity.amount = 900
        indemnity.save().action_confirm()
        self.assertEqual(late.insurance_state, "indemnified")
        self.assertEqual(late.insurance_indemnity_amount, 900.0)
        self.assertEqual(claim.indemnity_amount, 900.0)
        with self.assertRaises(UserError):
            claim._record_indemnity(900, date(2026, 3, 15))

    def test_cancelling_a_notification_gives_the_invoice_back(self):
        late = self.create_invoice(self.customer, 1000, "2026-02-01")
        notification = self.declare("notification", late)
        wizard = Form(
            self.env["collection.insurance.cancel.wizard"]
            .with_user(self.collector)
            .with_context(**notification.action_cancel()["context"])
        )
        wizard.reason = "Paid before the insurer acted"
        wizard.save().action_confirm()
        self.assertEqual(notification.state, "cancel")
        self.assertEqual(notification.cancel_reason, "Paid before the insurer acted")
        self.assertEqual(late.insurance_state, "to_notify")
        self.assertFalse(late.insurance_notified_date)
        with self.assertRaises(UserError):
            notification.with_user(self.manager).unlink()

    def test_bad_declarations_are_refused(self):
        with self.assertRaises(ValidationError):
            self.policy.notification_days = 0
        with self.assertRaises(ValidationError):
            self.policy.coverage_percent = 120
        uninsured = self.create_invoice(self.other_customer, 100, "2026-02-01")
        with self.assertRaisesRegex(UserError, "not insured"):
            self.env["collection.insurance.declaration"].with_user(
                self.collector
            )._declare("notification", self.other_customer, uninsured)
        late = self.create_invoice(self.customer, 100, "2026-02-01")
        with self.assertRaisesRegex(UserError, "notified to the insurer first"):
            self.declare("claim", late)
        self.policy.claim_requires_notification = False
        self.declare("claim", late)
        self.assertEqual(late.insurance_state, "claim_filed")
        lapsed = self.create_invoice(self.customer, 100, "2025-12-01")
        self.assertEqual(lapsed.insurance_state, "lapsed")
        with self.assertRaisesRegex(UserError, "lapsed"):
            self.declare("notification", lapsed)
        with self.assertRaises(AccessError):
            self.env["collection.insurance.declaration"].with_user(
                self.salesperson
            )._declare("notification", self.customer, late)

    def test_declare_from_the_invoices_as_the_web_client(self):
        late = self.create_invoice(self.customer, 1000, "2026-02-01")
        action = late.with_user(self.collector).action_insurance_declare()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard.policy_id, self.policy)
        wizard.declaration_type = "notification"
        result = wizard.save().action_declare()
        declaration = self.env["collection.insurance.declaration"].browse(
            result["res_id"]
        )
        self.assertEqual(declaration.line_ids.filtered("declared").move_id, late)
        self.assertEqual(late.insurance_state, "notified")

    def test_declaration_pdf_and_xlsx(self):
        import openpyxl

        late = self.create_invoice(self.customer, 1000, "2026-02-01")
        other = self.create_invoice(self.customer, 400, "2026-04-30")
        declaration = self.declare("notification", late)
        report = self.env.ref("credit_collection.action_report_insurance_declaration")
        html = str(
            report._render_qweb_html(report.report_name, declaration.ids)[0], "utf-8"
        )
        for text in (
            "5120-778",
            "FR03552081317",
            "552 081 317",
            "AT-0048213",
            late.name,
            other.name,
            "Overdue notification",
        ):
            self.assertIn(text, html)
        pdf, _kind = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report.report_name, declaration.ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        sheet = openpyxl.load_workbook(
            io.BytesIO(declaration._get_xlsx()), read_only=True
        ).active
        rows = [row for row in sheet.iter_rows(values_only=True)]
        header = dict(row[:2] for row in rows if row and row[0] and row[1])
        self.assertEqual(header["Policy Number"], "5120-778")
        self.assertEqual(header["Insurer's Buyer Reference"], "AT-0048213")
        invoices = {row[0]: row for row in rows if row[0] in (late.name, other.name)}
        self.assertEqual(invoices[late.name][3:7], (1000, 1000, "USD", "Yes"))
        self.assertEqual(invoices[other.name][6], "No")

    def test_deadlines_list_and_exports(self):
        import openpyxl

        late = self.create_invoice(self.customer, 1000, "2026-01-10")
        self.create_invoice(self.customer, 500, "2026-03-10")
        moves = self.env["account.move"].search(
            [("insurance_policy_id", "=", self.policy.id)]
        )
        rows = list(
            openpyxl.load_workbook(
                io.BytesIO(
                    self.env["collection.insurance.declaration"]._get_deadlines_xlsx(
                        moves
                    )
                ),
                read_only=True,
            ).active.iter_rows(values_only=True)
        )
        by_invoice = {row[3]: row for row in rows[1:]}
        self.assertEqual(by_invoice[late.name][9], "Lapsed")
        self.assertIn("Overdue notification", by_invoice[late.name][11])
        # the week's notifications, as the list's filter finds them
        this_week = self.env["account.move"].search(
            [
                ("insurance_policy_id", "=", self.policy.id),
                ("insurance_state", "=", "to_notify"),
                ("insurance_notify_date", "<=", "2026-03-22"),
            ]
        )
        self.assertFalse(this_week, "the March invoice is due in May")
        report = self.env.ref("credit_collection.action_report_insurance_deadlines")
        html = str(report._render_qweb_html(report.report_name, moves.ids)[0], "utf-8")
        self.assertIn(late.name, html)
        self.assertIn("5120-778", html)

    def test_the_pending_deadlines_read_the_same_in_sql_and_python(self):
        """One rule, two readers: the alerts' SQL and the Deadlines report's
        Python say the same step is pending, in every state and once paid."""
        Move = self.env["account.move"]
        moves = Move
        for state in ("covered", "to_notify", "notified", "claim_filed", "lapsed"):
            move = self.create_invoice(self.customer, 100, "2026-01-10")
            self.env.cr.execute(
                "UPDATE account_move SET insurance_state = %s WHERE id = %s",
                (state, move.id),
            )
            moves |= move
        paid = self.create_invoice(self.customer, 100, "2026-01-10")
        self.pay(paid, 100, "2026-02-01")
        moves |= paid
        moves.invalidate_recordset()
        rows = self.env.execute_query(
            SQL(
                """SELECT move.id, kind.kind, kind.pending
                     FROM account_move move
                     CROSS JOIN LATERAL (VALUES %s) AS kind(kind, deadline, pending)
                    WHERE move.id IN %s""",
                Move._get_insurance_deadlines_sql(),
                tuple(moves.ids),
            )
        )
        in_python = {
            (move.id, kind, pending)
            for move in moves
            for kind, _date, pending in move._get_insurance_deadlines()
        }
        self.assertEqual(set(rows), in_python)
        pending = {
            move.insurance_state: sorted(
                k for m, k, p in in_python if p and m == move.id
            )
            for move in moves - paid
        }
        self.assertEqual(
            pending,
            {
                "covered": ["extension", "notify", "stop"],
                "to_notify": ["extension", "notify", "stop"],
                "notified": ["claim", "extension", "stop"],
                "claim_filed": [],
                "lapsed": [],
            },
        )
        self.assertFalse(
            [kind for move_id, kind, due in in_python if due and move_id == paid.id]
        )
