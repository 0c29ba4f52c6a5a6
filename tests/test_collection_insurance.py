import io
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from .common import CollectionCommon


@freeze_time("2026-03-15")
@tagged("post_install", "-at_install")
class TestCollectionInsurance(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.insurer = cls.env["res.partner"].create(
            {"name": "Allianz Trade", "is_company": True}
        )
        cls.policy = cls.env["collection.insurance.policy"].create(
            {
                "name": "Domestic buyers",
                "insurer_id": cls.insurer.id,
                "policy_number": "5120-778",
                "manager_id": cls.manager.id,
            }
        )
        cls.plain_user = new_test_user(cls.env, login="plain", groups="base.group_user")
        cls.env["collection.mandate"].create(
            {
                "name": "Collectors",
                "user_ids": [Command.set(cls.collector.ids)],
                "manager_id": cls.manager.id,
                "date_start": "2026-01-01",
                "max_delay_days": 120,
                "max_credit_amount": 100000,
                "max_broken_promises": 2,
                "can_hold": True,
                "can_release": True,
            }
        )
        cls.insure(cls.customer, "2025-01-01", limit=10000)

    @classmethod
    def insure(cls, partner, decided, limit=10000, state="granted"):
        partner.with_user(cls.manager).write(
            {
                "insurance_policy_id": cls.policy.id,
                "insurance_state": state,
                "insurance_limit": limit,
                "insurance_decision_date": decided,
                "insurance_buyer_ref": "AT-0048213",
                "vat": "FR03552081317",
                "company_registry": "552 081 317",
            }
        )

    def run_cron(self, day):
        with freeze_time(day):
            self.policy.sudo().last_alert_date = False
            self.env["collection.insurance.alert"]._cron_insurance()

    def declare(self, kind, moves, **values):
        return (
            self.env["collection.insurance.declaration"]
            .with_user(self.collector)
            ._declare(kind, self.customer, moves, **values)
        )

    def alerts(self, move, user):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("user_id", "=", user.id),
            ]
        )

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

    # ------------------------------------------------------------
    # THE DAILY SCHEDULED ACTION
    # ------------------------------------------------------------

    def test_alerts_once_per_invoice_and_deadline(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        self.customer.collection_user_id = self.collector
        # notify by 2026-04-30, alert 10 days before, manager 3 days before
        self.run_cron("2026-04-19")
        self.assertFalse(self.alerts(invoice, self.collector))
        self.run_cron("2026-04-20")
        alerts = self.alerts(invoice, self.collector)
        self.assertEqual(len(alerts), 3, "notify, extension and stop: one each")
        self.assertIn("2026", alerts[0].summary)
        self.assertFalse(self.alerts(invoice, self.manager))
        self.run_cron("2026-04-20")
        self.run_cron("2026-04-21")
        self.assertEqual(len(self.alerts(invoice, self.collector)), 3)
        self.run_cron("2026-04-27")
        self.assertEqual(len(self.alerts(invoice, self.manager)), 3)
        self.run_cron("2026-04-28")
        self.assertEqual(len(self.alerts(invoice, self.manager)), 3)

    def test_lapsed_invoices_are_loud(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        self.run_cron("2026-04-30")
        self.assertEqual(invoice.insurance_state, "to_notify", "last day to notify")
        self.run_cron("2026-05-01")
        self.assertEqual(invoice.insurance_state, "lapsed")
        message = self.policy.message_ids[0]
        self.assertIn("Cover LOST", message.body)
        self.assertIn(invoice.name, message.body)
        self.assertIn(self.manager.partner_id, message.partner_ids)
        self.assertTrue(
            self.policy.activity_ids.filtered(lambda a: a.user_id == self.manager)
        )
        with self.assertRaisesRegex(UserError, "lapsed"):
            self.declare("notification", invoice)

    def test_hold_at_the_stop_delivery_date(self):
        self.policy.stop_delivery_days = 45
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        self.run_cron("2026-04-14")
        self.assertFalse(self.customer.collection_hold)
        self.run_cron("2026-04-15")
        self.assertTrue(self.customer.collection_hold)
        decision = self.env["collection.decision"].search(
            [("partner_id", "=", self.customer.id), ("measure", "=", "hold")]
        )
        self.assertRecordValues(
            decision,
            [
                {
                    "insurance_policy_id": self.policy.id,
                    "user_id": False,
                    "state": "applied",
                    "move_ids": invoice.ids,
                }
            ],
        )
        self.assertIn("Stop-delivery date", self.customer.sudo().collection_hold_reason)
        # released by a collector, not held again for the same invoice
        self.env["collection.decision"].with_user(self.collector)._request(
            "release", self.customer
        )
        self.run_cron("2026-04-16")
        self.assertFalse(self.customer.collection_hold)

    def test_one_company_a_call_and_a_failure_does_not_stop_the_others(self):
        other_company = self.setup_other_company()["company"]
        self.env["collection.insurance.policy"].create(
            {
                "name": "Other",
                "insurer_id": self.insurer.id,
                "policy_number": "9",
                "company_id": other_company.id,
            }
        )
        Alert = self.env["collection.insurance.alert"]
        self.assertEqual(Alert._cron_insurance(), 1, "the other company is left")
        self.assertEqual(Alert._cron_insurance(), 0)
        self.assertEqual(Alert._cron_insurance(), 0, "nothing twice the same day")

    # ------------------------------------------------------------
    # INTERACTIONS
    # ------------------------------------------------------------

    def test_an_extension_past_the_maximum_extension_needs_a_manager(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        Decision = self.env["collection.decision"].with_user(self.collector)
        within = Decision._request(
            "delay", self.customer, invoice, date=date(2026, 4, 30)
        )
        self.assertEqual(within.state, "applied", "the policy allows up to 04-30")
        beyond = Decision._request(
            "delay", self.customer, invoice, date=date(2026, 5, 15)
        )
        self.assertEqual(beyond.state, "to_approve", "within the mandate's 120 days")
        self.assertIn("the insurer must agree", beyond.warning)
        self.assertEqual(invoice.collection_extended_until, date(2026, 4, 30))
        beyond.with_user(self.manager).action_approve()
        self.assertEqual(invoice.collection_extended_until, date(2026, 5, 15))

    def test_a_promise_past_the_maximum_extension_waits(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        promise = (
            self.env["collection.promise"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "line_ids": [
                        Command.create({"date": "2026-05-20", "amount": 1000})
                    ],
                }
            )
        )
        promise.action_confirm()
        self.assertEqual(promise.state, "to_approve")
        self.assertIn("the insurer must agree", promise.decision_ids.warning)
        self.assertIn("the insurer must agree", promise.insurance_warning)

    def test_an_extension_request_goes_through_the_mandate(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        with self.assertRaisesRegex(UserError, "only for a later date"):
            self.declare("extension", invoice, extension_date=date(2026, 4, 20))
        request = self.declare("extension", invoice, extension_date=date(2026, 6, 1))
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(request.decision_ids.state, "to_approve")
        self.assertFalse(invoice.collection_extended_until)
        request.decision_ids.with_user(self.manager).action_approve()
        self.assertEqual(request.state, "sent")
        self.assertFalse(
            invoice.collection_extended_until, "asked to the insurer, not granted"
        )

    def test_a_dispute_on_an_insured_invoice_warns(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        invoice.with_user(self.collector).action_collection_dispute()
        self.assertIn("cover is suspended", invoice.message_ids[0].body)
        uninsured = self.create_invoice(self.other_customer, 100, "2026-03-01")
        uninsured.with_user(self.collector).action_collection_dispute()
        self.assertFalse(
            uninsured.message_ids.filtered(lambda m: "cover" in (m.body or ""))
        )

    def test_exposure_over_the_insured_limit(self):
        self.customer.with_user(self.manager).insurance_limit = 1000
        self.create_invoice(self.customer, 1500, "2026-04-01")
        customer = self.customer.with_user(self.collector)
        self.assertTrue(customer.insurance_over_limit)
        self.assertEqual(customer.insurance_exposure, 1500.0)
        self.assertEqual(customer.insurance_over_amount, 500.0)
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create({"partner_id": self.customer.id})
        )
        self.assertTrue(order.collection_over_limit)
        self.assertTrue(order.collection_alert)
        self.assertEqual(order.collection_uninsured_amount, 500.0)
        other = (
            self.env["sale.order"]
            .with_user(self.other_salesperson)
            .create(
                {"partner_id": self.customer.id, "user_id": self.other_salesperson.id}
            )
        )
        self.assertFalse(other.collection_over_limit, "another's customer")
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesperson)
            .create({"name": "Spring order", "partner_id": self.customer.id})
        )
        self.assertTrue(lead.collection_over_limit)
        self.assertTrue(lead.collection_alert, "the pipeline's badge")
        self.customer.with_user(self.manager).insurance_limit = 2000
        self.assertFalse(self.customer.with_user(self.collector).insurance_over_limit)

    # ------------------------------------------------------------
    # WRITTEN BY THE MODULE ONLY
    # ------------------------------------------------------------

    def test_nobody_writes_cover_deadlines_or_declarations(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-02-01")
        declaration = self.declare("notification", invoice)
        users = (self.collector, self.manager, self.salesperson, self.plain_user)
        for user in users:
            for values in (
                {"insurance_state": "covered"},
                {"insurance_notify_date": "2026-12-31"},
                {"insurance_policy_id": False},
            ):
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRaises(AccessError),
                ):
                    invoice.with_user(user).write(values)
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                declaration.with_user(user).write({"state": "cancel"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                declaration.with_user(user).write({"amount_declared": 1})
            # AccessError is a UserError: refused by rights or by the rule
            with self.subTest(user=user.login), self.assertRaises(UserError):
                declaration.with_user(user).unlink()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                invoice.line_ids.with_user(user).write(
                    {"insurance_due_date": "2026-12-31"}
                )
        for user in (self.collector, self.salesperson, self.plain_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).write({"insurance_limit": 99999})
        self.assertEqual(invoice.insurance_state, "notified")
        self.assertEqual(invoice.insurance_notify_date, date(2026, 4, 2))
        self.assertEqual(declaration.state, "sent")
        self.assertEqual(self.customer.insurance_limit, 10000.0)
        # the insurer's reference may be noted once it answers
        declaration.with_user(self.collector).insurer_reference = "ATR-99"
        self.assertEqual(declaration.insurer_reference, "ATR-99")

    def test_personal_defaults_cannot_carry_guarded_values(self):
        """Any user may set personal defaults: none on the collection's fields,
        which create would write past every check."""
        Default = self.env["ir.default"]
        for user in (self.collector, self.manager, self.salesperson, self.plain_user):
            for model, field, value in (
                ("account.move", "insurance_state", "notified"),
                ("account.move", "insurance_policy_id", self.policy.id),
                ("res.partner", "insurance_limit", 1000000),
                ("res.partner", "collection_hold", True),
                ("collection.insurance.declaration", "indemnity_amount", 5000),
                ("collection.promise", "state", "open"),
            ):
                with (
                    self.subTest(user=user.login, field=field),
                    self.assertRaises(AccessError),
                ):
                    Default.with_user(user).set(model, field, value, user_id=True)
        self.assertFalse(
            Default.search([("field_id.name", "like", "insurance_%")]),
            "nothing was recorded",
        )

    def test_an_insured_invoice_keeps_its_clock_and_its_customer(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-03-01")
        # the button hides where the server refuses
        self.assertFalse(invoice.with_user(self.collector).show_reset_to_draft_button)
        self.assertTrue(invoice.with_user(self.manager).show_reset_to_draft_button)
        with self.assertRaises(AccessError):
            invoice.with_user(self.collector).button_draft()
        # a manager corrects the invoice: the insurer's clock does not restart
        invoice.with_user(self.manager).button_draft()
        invoice.with_user(self.manager).write({"invoice_date_due": "2026-06-30"})
        invoice.with_user(self.manager).action_post()
        self.assertEqual(invoice.insurance_due_date, date(2026, 3, 1))
        self.assertEqual(invoice.insurance_notify_date, date(2026, 4, 30))
        # moved to a customer the insurer does not cover: no longer insured
        invoice.with_user(self.manager).button_draft()
        invoice.with_user(self.manager).partner_id = self.other_customer
        invoice.with_user(self.manager).action_post()
        self.assertFalse(invoice.insurance_policy_id)
        self.assertFalse(invoice.insurance_state)

    def test_a_declared_invoice_stays_as_declared(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-02-01")
        self.declare("notification", invoice)
        self.assertFalse(invoice.with_user(self.manager).show_reset_to_draft_button)
        for user in (self.collector, self.manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(UserError, "cancel the declaration"),
            ):
                invoice.with_user(user).button_draft()
        self.assertEqual(invoice.state, "posted")
        draft = self.create_invoice(self.customer, 500, "2026-02-01")
        draft.with_user(self.manager).button_draft()
        with self.assertRaisesRegex(UserError, "posted customer invoices"):
            self.declare("notification", draft)

    def test_a_cover_from_another_company_or_a_silenced_action_is_refused(self):
        other_company = self.setup_other_company()["company"]
        foreign = (
            self.env["collection.insurance.policy"]
            .with_company(other_company)
            .create(
                {
                    "name": "Other",
                    "insurer_id": self.insurer.id,
                    "policy_number": "9",
                    "company_id": other_company.id,
                }
            )
        )
        self.manager.company_ids += other_company
        with self.assertRaisesRegex(AccessError, "its own company"):
            self.customer.with_user(self.manager).insurance_policy_id = foreign
        self.assertEqual(self.customer.insurance_policy_id, self.policy)
        with self.assertRaises(AccessError):
            self.policy.with_user(self.manager).last_alert_date = "2099-01-01"
        self.assertFalse(self.policy.last_alert_date)
