from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TODAY, CollectionCommon


@tagged("post_install", "-at_install")
class TestMandateReporting(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mandate = cls.env["collection.mandate"].create(
            {
                "name": "Daily collectors",
                "user_ids": [Command.set(cls.collector.ids)],
                "manager_id": cls.manager.id,
                "date_start": "2026-01-01",
                "max_delay_days": 15,
                "can_hold": True,
                "report_frequency": "daily",
            }
        )
        cls.invoice = cls.create_invoice(cls.customer, 1000, "2026-03-10")
        Decision = cls.env["collection.decision"].with_user(cls.collector)
        with freeze_time("2026-03-15 10:00"):
            Decision._request("hold", cls.customer, reason="Three months late")
            Decision._request(
                "delay", cls.customer, cls.invoice, date=date(2026, 4, 19)
            )

    def test_report_totals_per_collector_and_measure(self):
        decisions = self.env["collection.decision"].search(
            [("mandate_id", "=", self.mandate.id)]
        )
        data = self.env[
            "report.credit_collection.report_collection_decision"
        ]._get_groups(decisions)
        totals = data[self.collector.name]["measures"]
        self.assertEqual((totals["hold"]["count"], totals["hold"]["beyond"]), (1, 0))
        self.assertEqual(
            (totals["delay"]["value"], totals["delay"]["beyond"]), (40.0, 1)
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "credit_collection.report_collection_decision", decisions.ids
            )[0]
            .decode()
        )
        self.assertIn("Boulangerie Martin", html)
        self.assertIn("Beyond", html)
        self.assertIn("40 days", html, "the delays' total, in days")

    def test_xlsx_lists_every_use(self):
        import io

        import openpyxl

        decisions = self.env["collection.decision"].search(
            [("mandate_id", "=", self.mandate.id)]
        )
        sheet = openpyxl.load_workbook(io.BytesIO(decisions._get_xlsx())).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(rows), 2)
        self.assertEqual({row[3] for row in rows}, {"Credit hold", "Payment extension"})
        self.assertIn((40.0, 15.0, "days"), [(row[4], row[5], row[11]) for row in rows])

    def test_daily_digest_to_the_manager_once(self):
        Mandate = self.env["collection.mandate"]
        with freeze_time("2026-03-16 06:00"):
            Mandate._cron_send_digest()
            Mandate._cron_send_digest()
        digests = self.mandate.message_ids.filtered(
            lambda m: self.manager.partner_id in m.partner_ids
        )
        self.assertEqual(len(digests), 1)
        self.assertEqual(digests.attachment_ids.mimetype, "application/pdf")
        self.assertIn("2 decision(s)", digests.body)

    @freeze_time(TODAY)
    def test_longer_payment_terms_need_the_permission(self):
        self.env.company.collection_payment_days = 30
        term_60 = self.env["account.payment.term"].create(
            {
                "name": "60 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 60}
                    )
                ],
            }
        )
        wizard = (
            self.env["collection.measure.wizard"]
            .with_user(self.collector)
            .create(
                {
                    "measure": "terms",
                    "partner_id": self.customer.id,
                    "payment_term_id": term_60.id,
                    "reason": "Their purchasing policy",
                }
            )
        )
        self.assertEqual(wizard.value, 60)
        decision = wizard._request()
        self.assertEqual(decision.state, "to_approve")
        decision.with_user(self.manager).action_approve()
        self.assertEqual(self.customer.property_payment_term_id, term_60)
        self.mandate.can_accept_terms = True
        order = self.env["sale.order"].create({"partner_id": self.customer.id})
        wizard = (
            self.env["collection.measure.wizard"]
            .with_user(self.collector)
            .create(
                {
                    "measure": "terms",
                    "partner_id": self.customer.id,
                    "order_id": order.id,
                    "payment_term_id": term_60.id,
                    "reason": "Large order",
                }
            )
        )
        self.assertEqual(wizard._request().state, "applied")
        self.assertEqual(order.payment_term_id, term_60)


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestHoldMessageInTheUsersLanguage(CollectionCommon):
    def test_what_the_module_wrote_reads_in_the_readers_language(self):
        """A run executed in English (the scheduled action's language) reads
        in French for a French collector: why each level, and the states
        its chatter tracked."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["credit_collection"], ["fr_FR"]
        )
        self.customer.email = "compta@boulangerie.example.com"
        self.create_invoice(self.customer, 500, "2026-03-01")
        policy = self.create_policy({"name": "Reminder", "days_after_due": 3})
        run = self.executed_policy_run(policy)
        dunning = run.dunning_ids
        invoice = dunning.line_ids.move_id.name
        self.assertEqual(
            dunning.with_context(lang="en_US").level_note,
            f"Reminder is the first communication for {invoice}, 14 days late",
        )
        self.assertEqual(
            dunning.with_context(lang="fr_FR").level_note,
            f"Reminder est le premier envoi pour {invoice}, en retard de 14 jours",
        )
        # a state change the scheduled action tracked, in English
        message = run.sudo().message_post(body="Executed")
        tracked = (
            self.env["mail.tracking.value"]
            .sudo()
            .create(
                {
                    "field_id": self.env["ir.model.fields"]
                    ._get("collection.run", "state")
                    .id,
                    "old_value_char": "Proposed",
                    "new_value_char": "Done",
                    "mail_message_id": message.id,
                }
            )
        )
        shown = tracked.with_context(lang="fr_FR")._tracking_value_format()
        self.assertEqual(shown[0]["oldValue"]["value"], "Proposée")
        self.assertEqual(shown[0]["newValue"]["value"], "Terminée")

    def test_french_salesperson_reads_the_refusal_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["credit_collection"], ["fr_FR"]
        )
        # the salesperson of the customer's invoices reads why and since when
        self.create_invoice(self.customer, 100, TODAY)
        self.customer.sudo().write(
            {"collection_hold": True, "collection_hold_date": TODAY}
        )
        self.salesperson.lang = "fr_FR"
        order = self.env["sale.order"].create({"partner_id": self.customer.id})
        with self.assertRaisesRegex(UserError, "est bloqué depuis le 15/03/2026"):
            order.with_user(self.salesperson).with_context(
                lang="fr_FR"
            ).action_confirm()

    def test_approver_and_collector_each_read_their_own_language(self):
        for lang in ("fr_FR", "nl_BE"):
            self.env["res.lang"]._activate_lang(lang)
        self.env["ir.module.module"]._load_module_terms(
            ["credit_collection"], ["fr_FR", "nl_BE"]
        )
        self.manager.lang = "fr_FR"
        self.collector.lang = "nl_BE"
        self.env["collection.mandate"].create(
            {
                "name": "Collectors",
                "user_ids": [Command.set(self.collector.ids)],
                "manager_id": self.manager.id,
                "date_start": "2026-01-01",
                "max_delay_days": 5,
            }
        )
        invoice = self.create_invoice(self.customer, 100, "2026-03-01")
        decision = (
            self.env["collection.decision"]
            .with_user(self.collector)
            ._request(
                "delay", self.customer, invoice, date=date(2026, 4, 30), reason="R"
            )
        )
        self.assertIn(
            "au-delà de son mandat : Report d'échéance", decision.activity_ids.summary
        )
        decision.with_user(self.manager).action_approve()
        self.assertIn("Goedgekeurd", decision.message_ids[0].body)
        self.assertIn("Uitstel van betaling", decision.message_ids[0].body)
