from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.misc import format_date

from odoo.addons.credit_collection.models.collection_interest_rate import (
    REMINDER_DAYS,
    half_year_start,
    next_half_year_start,
)

from .common import CollectionCommon

LANGUAGES = ("fr_FR", "nl_BE")
# the modules whose words the tours read (the others' labels are found by
# their XML ids): loading base's and account's catalogues took 5 s a run
TRANSLATED_MODULES = ("web", "mail", "credit_collection")


@tagged("post_install", "-at_install")
class TestCollectionToursInTheirLanguage(CollectionCommon, HttpCase):
    """The screens users tripped on, walked in French (and in Dutch) from
    the menu, as the user each point concerns: what they read is in their
    language, what they may not do is not offered, what happened shows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in LANGUAGES:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"].search(
            [("name", "in", TRANSLATED_MODULES)]
        )._update_translations(list(LANGUAGES))
        cls.today = fields.Date.context_today(cls.env.user)
        cls.dutch_collector = new_test_user(
            cls.env,
            login="luc_nl",
            groups="account.group_account_invoice,credit_collection.group_collection_user",
            company_id=cls.env.company.id,
        )
        (cls.collector | cls.manager | cls.salesperson).lang = "fr_FR"
        cls.dutch_collector.lang = "nl_BE"
        cls.mandate = cls.env["collection.mandate"].create(
            {
                "name": "Collectors",
                "user_ids": [Command.set((cls.collector | cls.dutch_collector).ids)],
                "manager_id": cls.manager.id,
                "date_start": cls.today - timedelta(days=90),
                "max_delay_days": 30,
                "max_credit_amount": 1000,
                "can_hold": True,
            }
        )
        cls.customer.collection_user_id = cls.collector
        cls.goods = cls.env["collection.reason"].search(
            [("is_dispute", "=", True)], limit=1
        )

    def sent_letter(self, level, collector):
        """The letter of a run of one `level` (10 days after the due date),
        proposed, executed and sent by `collector`."""
        policy = self.create_policy(
            {"name": level, "days_after_due": 10, "channel": "letter"}
        )
        run = self.new_run(policy, user=collector)
        run.action_propose()
        run.action_execute()
        self.env["collection.dunning"]._cron_send_queued()
        self.assertEqual(run.dunning_ids.state, "done")
        return run.dunning_ids

    def app_url(self, menu="account.menu_finance"):
        return f"/odoo?menu_id={self.env.ref(menu).id}"

    def test_a_french_call_leaves_the_dispute_and_shows_as_last_contact(self):
        undisputed = self.create_invoice(
            self.customer, 600, self.today - timedelta(days=10)
        )
        disputed = self.create_invoice(
            self.customer, 900, self.today - timedelta(days=20)
        )
        disputed.with_user(self.collector).collection_reason_id = self.goods
        self.start_tour(
            self.app_url(), "credit_collection_fr_call", login=self.collector.login
        )
        promise = self.env["collection.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual((promise.state, promise.move_ids), ("open", undisputed))
        self.assertEqual(disputed.collection_reason_id, self.goods)
        self.assertTrue(disputed.collection_disputed)
        self.assertEqual(self.customer.collection_last_contact_date, self.today)

    def test_a_french_approver_reads_a_plan_as_a_plan(self):
        first = self.create_invoice(
            self.customer, 1000, self.today - timedelta(days=10)
        )
        disputed = self.create_invoice(
            self.customer, 500, self.today - timedelta(days=20)
        )
        disputed.with_user(self.collector).collection_reason_id = self.goods
        wizard = (
            self.env["collection.call.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create(
                {
                    "contact_name": "Mme Martin",
                    "move_ids": [Command.set((first | disputed).ids)],
                    "promise_type": "plan",
                    "date": self.today + timedelta(days=5),
                    "amount": 1200.0,
                    "installment_count": 2,
                }
            )
        )
        plan = wizard._action_confirm()
        self.assertEqual(plan.state, "to_approve", "1,200.00 is beyond 1,000.00")
        self.start_tour(
            self.app_url(),
            "credit_collection_fr_approve_plan",
            login=self.manager.login,
        )
        self.assertEqual(plan.decision_ids.mapped("state"), ["approved", "approved"])
        self.assertEqual(plan.state, "open")

    def test_a_french_empty_run_says_when_the_next_level_comes(self):
        self.create_policy({"name": "Rappel", "days_after_due": 10})
        self.create_invoice(self.customer, 800, self.today - timedelta(days=3))
        self.start_tour(
            self.app_url(), "credit_collection_fr_empty_run", login=self.collector.login
        )
        run = self.env["collection.run"].search(
            [("create_uid", "=", self.collector.id)]
        )
        self.assertEqual(run.state, "proposed")
        self.assertFalse(run.dunning_ids)

    def test_a_french_salesperson_is_not_offered_confirm_for_a_held_customer(self):
        self.create_invoice(self.customer, 1000, self.today - timedelta(days=70))
        self.env["collection.decision"].with_user(self.collector)._request(
            "hold", self.customer, reason="Trois factures à plus de 60 jours"
        )
        product = self.env["product.product"].create(
            {"name": "Farine", "type": "consu", "list_price": 10.0}
        )
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.salesperson.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": 2})
                    ],
                }
            )
        )
        self.start_tour(
            self.app_url("crm.crm_menu_root"),
            "credit_collection_fr_held_quotation",
            login=self.salesperson.login,
        )
        self.assertEqual(order.state, "draft")

    def test_a_dutch_collector_reads_why_this_level_and_keeps_the_letter(self):
        self.customer.collection_user_id = self.dutch_collector
        invoice = self.create_invoice(
            self.customer, 1000, self.today - timedelta(days=20)
        )
        dunning = self.sent_letter("Herinnering", self.dutch_collector)
        self.assertTrue(dunning.letter_attachment_id)
        self.start_tour(
            self.app_url(),
            "credit_collection_nl_dunning",
            login=self.dutch_collector.login,
        )
        self.assertEqual(invoice.collection_level_id.name, "Herinnering")
        self.assertTrue(dunning.letter_attachment_id.exists())

    def test_a_french_manager_opens_the_dashboard_of_the_last_complete_months(self):
        self.create_invoice(self.customer, 1500, self.today - timedelta(days=10))
        self.start_tour(
            self.app_url(), "credit_collection_fr_dashboard", login=self.manager.login
        )
        # a user's own dashboard: read as its user
        board = (
            self.env["collection.dashboard"]
            .with_user(self.manager)
            .search([], order="id desc", limit=1)
        )
        first = self.today.replace(day=1)
        self.assertEqual(
            (board.date_from, board.date_to),
            (first - relativedelta(months=3), first - timedelta(days=1)),
        )
        self.assertEqual(board.receivables_end, 1500.0)

    def test_a_french_extension_beyond_the_mandate_is_said_before_confirm(self):
        invoice = self.create_invoice(
            self.customer, 1000, self.today - timedelta(days=5)
        )
        self.start_tour(
            self.app_url(), "credit_collection_fr_extension", login=self.collector.login
        )
        decision = self.env["collection.decision"].search(
            [("measure", "=", "delay"), ("move_ids", "in", invoice.ids)]
        )
        # 45 days from today, weighed from the due date 5 days ago: 50 > 30
        self.assertEqual((decision.state, decision.value), ("to_approve", 50.0))
        self.assertFalse(invoice.collection_extended_until)
        # the request shows on its invoice until the manager decides
        note = (
            invoice.with_user(self.collector)
            .with_context(lang="en_US")
            .collection_pending_note
        )
        self.assertIn(
            f"Extension to {format_date(self.env, decision.requested_date)}", note
        )
        self.assertIn(invoice.name, note)

    def test_a_french_manager_is_reminded_of_the_missing_rate_and_adds_it(self):
        """No reference rate for the half-year: the managers are reminded in
        their language; the invoice says which rate is missing where its
        interest would be; once the manager adds it, the interest shows."""
        # a manager who follows this customer herself
        self.customer.collection_user_id = self.manager
        Rate = self.env["collection.interest.rate"]
        start = half_year_start(self.today)
        Rate.search([("date_start", ">=", start)]).unlink()
        self.env.company.collection_interest_mode = "fr"
        days = min(20, (self.today - start).days)
        invoice = self.create_invoice(
            self.customer, 1000, self.today - timedelta(days=days)
        )
        reminded = next_half_year_start(self.today)
        if (reminded - self.today).days > REMINDER_DAYS:
            reminded = start
        Rate._cron_remind_next_rate()
        reminder = Rate.search([], limit=1).activity_ids.filtered(
            lambda activity: activity.user_id == self.manager
        )
        in_french = format_date(self.env(context={"lang": "fr_FR"}), reminded)
        self.assertEqual(
            reminder.summary,
            "Ajoutez le taux de référence des pénalités de retard du semestre "
            f"commençant le {in_french}",
        )
        self.assertEqual(reminder.date_deadline, reminded)
        self.start_tour(
            self.app_url(),
            "credit_collection_fr_reference_rate",
            login=self.manager.login,
        )
        rate = Rate.search([("date_start", "=", start)])
        self.assertEqual((rate.ecb_rate, rate.fr_legal_rate), (2.15, 2.62))
        invoice.invalidate_recordset(["collection_interest_amount"])
        # France: ECB 2.15 + 10 points = 12.15 % a year, for the days late
        self.assertEqual(
            invoice.collection_interest_amount, round(1000 * 0.1215 * days / 365, 2)
        )

    def test_a_french_collector_is_offered_only_what_she_may_do(self):
        """The hold checkbox reads, not ticks; a sent dunning offers no
        Delete; invoice numbers and customer names read whole."""
        self.create_invoice(self.customer, 1000, self.today - timedelta(days=20))
        dunning = self.sent_letter("Premier rappel", self.collector)
        self.start_tour(
            self.app_url(),
            "credit_collection_fr_what_she_may_do",
            login=self.collector.login,
        )
        self.assertEqual(dunning.state, "done")
        self.assertFalse(self.customer.collection_hold)

    def test_a_french_manager_is_told_where_the_month_is_and_what_waits(self):
        """Settling a month already in a draft settlement says where its
        payments are and what else waits, in French dates and amounts."""
        self.env["collection.commission.rate"].create(
            {"user_id": self.salesperson.id, "rate": 5.0}
        )
        month = self.today.replace(day=1) - relativedelta(months=1)
        earlier = month - relativedelta(months=2)
        last = self.create_invoice(self.customer, 1000, month + timedelta(days=4))
        self.pay(last, 1000, month + timedelta(days=2))
        old = self.create_invoice(self.customer, 1000, earlier + timedelta(days=4))
        self.pay(old, 1000, earlier + timedelta(days=2))
        draft = self.env["collection.commission.settlement"]._settle(
            self.env.company,
            month,
            month + relativedelta(months=1, days=-1),
            self.salesperson,
        )
        self.assertEqual((draft.state, draft.amount_total), ("draft", 50.0))
        # the refusal is a UserError, which the server logs as it answers it
        with mute_logger("odoo.http"):
            self.start_tour(
                self.app_url(),
                "credit_collection_fr_settle_told",
                login=self.manager.login,
            )
        self.assertEqual(
            self.env["collection.commission.settlement"].search(
                [("user_id", "=", self.salesperson.id)]
            ),
            draft,
        )
        self.assertEqual(old.commission_state, "earned")

    def test_a_french_collector_hands_a_claim_over_from_the_menu(self):
        agency = self.env["collection.handler"].create(
            {
                "partner_id": self.env["res.partner"]
                .create({"name": "Recouvrement Dupont", "is_company": True})
                .id,
                "commission_rate": 10.0,
            }
        )
        self.mandate.can_escalate = True
        invoice = self.create_invoice(
            self.customer, 4000, self.today - timedelta(days=75)
        )
        self.start_tour(
            self.app_url(), "credit_collection_fr_case", login=self.collector.login
        )
        case = self.env["collection.case"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual((case.state, case.handler_id), ("placed", agency))
        self.assertEqual(invoice.collection_case_id, case)
        self.assertEqual(case.line_ids.move_id, invoice)
        self.assertEqual(case.line_ids.days_late, 75)
