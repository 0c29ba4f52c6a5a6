import base64
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL
from odoo.tools.misc import format_amount

from odoo.addons.mail.tools.discuss import Store

from ..models import collection_receivable, ir_actions_report
from .common import TODAY, CollectionCommon

# a 1x1 PNG, for a company logo
LOGO = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
)


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionRun(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.collection_interest_mode = "fr"
        cls.policy = cls.create_policy(
            {"name": "Courtesy", "sequence": 1, "days_after_due": -3},
            {"name": "First reminder", "sequence": 2, "days_after_due": 3},
            {"name": "Second reminder", "sequence": 3, "days_after_due": 15},
            {
                "name": "Phone call",
                "sequence": 4,
                "days_after_due": 30,
                "channel": "phone",
                "automatic": False,
                "notify_salesperson": True,
            },
            {
                "name": "Formal notice",
                "sequence": 5,
                "days_after_due": 45,
                "channel": "letter",
                "automatic": False,
                "formal_notice": True,
                "charge_interest": True,
                "charge_compensation": True,
            },
            name="Business customers",
            min_amount=100,
            # business customers who know the terms: the level their age reaches
            level_order="by_age",
            default=False,
        )
        cls.levels = cls.policy.level_ids.sorted("sequence")
        company.collection_policy_id = cls.policy
        cls.customer.write({"email": "compta@boulangerie.example.com"})
        cls.customer.with_company(company).collection_user_id = cls.collector
        cls.other_customer.email = "compta@lefevre.example.com"
        cls.invoice_soon = cls.create_invoice(cls.customer, 500, "2026-03-16")  # -1 day
        cls.invoice_23 = cls.create_invoice(cls.customer, 800, "2026-02-20")  # 23 days
        cls.invoice_54 = cls.create_invoice(cls.customer, 1000, "2026-01-20")  # 54 days
        cls.invoice_disputed = cls.create_invoice(cls.other_customer, 700, "2026-02-01")
        cls.invoice_disputed.collection_disputed = True
        cls.invoice_excluded = cls.create_invoice(cls.other_customer, 600, "2026-02-01")
        cls.invoice_excluded.collection_excluded = True
        cls.small_customer = cls.env["res.partner"].create(
            {
                "name": "Pharmacie du Centre",
                "is_company": True,
                "email": "p@example.com",
            }
        )
        cls.invoice_small = cls.create_invoice(cls.small_customer, 50, "2026-02-01")
        cls.silent_customer = cls.env["res.partner"].create(
            {"name": "Menuiserie Garnier", "is_company": True}
        )
        cls.invoice_silent = cls.create_invoice(cls.silent_customer, 300, "2026-03-01")
        cls.caller_customer = cls.env["res.partner"].create(
            {
                "name": "Vins Bernard",
                "is_company": True,
                "phone": "+33 3 80 00 00 00",
                "user_id": cls.salesperson.id,
            }
        )
        cls.invoice_call = cls.create_invoice(cls.caller_customer, 2000, "2026-02-10")

    def skipped(self, run):
        return {line.move_id: line.skip_reason for line in run.skipped_line_ids}

    def test_proposal_groups_invoices_and_says_why_it_skips(self):
        run = self.new_run()
        run.action_propose()
        self.assertEqual(run.state, "proposed")
        dunning = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        # one dunning for the customer, at the highest level its invoices reached
        self.assertEqual(len(dunning), 1)
        self.assertEqual(dunning.level_id.name, "Formal notice")
        self.assertEqual(dunning.user_id, self.collector)
        lines = {line.move_id: line for line in dunning.line_ids}
        self.assertEqual(
            set(lines), {self.invoice_soon, self.invoice_23, self.invoice_54}
        )
        self.assertEqual(lines[self.invoice_soon].level_id.name, "Courtesy")
        self.assertEqual(lines[self.invoice_23].level_id.name, "Second reminder")
        self.assertEqual(lines[self.invoice_54].days_overdue, 54)
        # H1 2026 is 2.15 + 10 = 12.15 %: 1,000 * 12.15 * 54 / 36,500 = 17.9753
        self.assertEqual(lines[self.invoice_54].interest_amount, 17.98)
        self.assertEqual(lines[self.invoice_54].compensation_amount, 40.0)
        self.assertEqual(lines[self.invoice_soon].compensation_amount, 0.0)
        # 23 days on 800: 800 * 12.15 * 23 / 36,500 = 6.1249; two invoices late
        self.assertAlmostEqual(dunning.interest_amount, 24.10)
        self.assertAlmostEqual(dunning.compensation_amount, 80.0)
        self.assertAlmostEqual(dunning.amount_total, 2300 + 24.10 + 80)
        # the amounts the proposal wrote in bulk are those the compute gives
        amounts = ["amount_open", "interest_amount", "compensation_amount"]
        written = run.dunning_ids.read(amounts + ["amount_total"])
        run.dunning_ids.sudo()._compute_amounts()
        self.assertEqual(run.dunning_ids.read(amounts + ["amount_total"]), written)
        self.assertEqual(
            self.skipped(run),
            {
                self.invoice_disputed: "disputed",
                self.invoice_excluded: "excluded",
                self.invoice_small: "minimum",
                self.invoice_silent: "no_email",
            },
        )

    def test_proposal_read_in_pages_of_whole_customers(self):
        def proposal(run):
            return {
                "dunnings": {
                    dunning.partner_id: (
                        dunning.level_id,
                        dunning.line_ids.move_id,
                        dunning.amount_total,
                    )
                    for dunning in run.dunning_ids
                },
                "skipped": self.skipped(run),
            }

        run = self.new_run()
        run.action_propose()
        whole = proposal(run)
        self.assertEqual(len(whole["dunnings"]), 2)
        # a page of one invoice at a time: each customer's invoices still
        # come in one page, and the proposal is the same
        Receivable = self.env["collection.receivable"]
        pages = list(Receivable._get_book_pages(self.env.company, TODAY))
        self.assertEqual(len(pages), 1)
        single = list(Receivable._get_book_pages(self.env.company, TODAY, page_size=1))
        self.assertEqual(
            [{row["partner_id"] for row in page} for page in single],
            [{partner} for partner in sorted({row["partner_id"] for row in pages[0]})],
        )
        self.assertEqual(
            sorted(row["move_id"] for page in single for row in page),
            sorted(row["move_id"] for row in pages[0]),
        )
        with patch.object(collection_receivable, "BOOK_PAGE", 1):
            run.action_propose()
        self.assertEqual(proposal(run), whole)

    def test_the_bulk_insert_writes_each_value_as_given(self):
        """The proposal writes its rows past the ORM, in one COPY: a text
        keeps its backslashes, tabs and line ends, an empty text stays empty
        and a missing one missing; amounts and dates arrive to the cent and
        the day, stamped with the run's user."""
        run = self.new_run()
        run.action_propose()
        dunning = run.dunning_ids[:1]
        self.env.flush_all()

        def read(ids):
            return SQL(
                "SELECT pending_requests, partner_id, level_id, date, amount_open,"
                " amount_total, fee_amount FROM collection_dunning"
                " WHERE id = ANY(%s) ORDER BY id",
                ids,
            )

        self.env.cr.execute(read(dunning.ids))
        original = self.env.cr.fetchone()[1:]
        self.env.cr.execute(
            "SELECT * FROM collection_dunning WHERE id = %s", [dunning.id]
        )
        values = self.env.cr.dictfetchone()
        for name in ("id", "create_uid", "write_uid", "create_date", "write_date"):
            values.pop(name)
        texts = ["C:\\new\tline\nend\\N\r", "", None, "\\N"]
        ids = run._insert_rows(
            "collection.dunning",
            [{**values, "pending_requests": text} for text in texts],
        )
        self.env.cr.execute(read(ids))
        rows = self.env.cr.fetchall()
        self.assertEqual([row[0] for row in rows], texts)
        self.assertEqual({row[1:] for row in rows}, {original})
        self.assertEqual(
            original[3:],
            (dunning.amount_open, dunning.amount_total, dunning.fee_amount),
        )
        self.assertEqual(
            self.env["collection.dunning"].browse(ids).create_uid, self.collector
        )
        # a row giving its fields in another order is written by name; one
        # giving other fields is refused, and nothing of the batch is written
        reordered = dict(reversed(list(values.items())))
        ids = run._insert_rows("collection.dunning", [values, reordered])
        self.env.cr.execute(read(ids))
        self.assertEqual(
            [row[1:] for row in self.env.cr.fetchall()], [original, original]
        )
        # the values common to every row are written once for all
        common = {"pending_requests": "common\ttext", "fee_amount": 7.5}
        rows = [{key: value for key, value in values.items() if key not in common}] * 2
        ids = run._insert_rows("collection.dunning", rows, common)
        self.env.cr.execute(read(ids))
        self.assertEqual(
            self.env.cr.fetchall(),
            [("common\ttext", *original[:-1], 7.5)] * 2,
        )
        count = self.env["collection.dunning"].search_count([])
        missing = {key: value for key, value in values.items() if key != "fee_amount"}
        with self.assertRaises(ValueError):
            run._insert_rows("collection.dunning", [values, missing])
        # a field given by the rows and as common: which one is meant?
        with self.assertRaises(ValueError):
            run._insert_rows("collection.dunning", [values], {"fee_amount": 1.0})
        self.assertEqual(self.env["collection.dunning"].search_count([]), count)

    def test_execute_sends_prints_and_calls(self):
        call_log = Form(
            self.env["collection.call.wizard"]
            .with_user(self.collector)
            .with_context(
                active_model="res.partner", active_ids=self.caller_customer.ids
            )
        )
        call_log.contact_name = "Mr Bernard"
        call_log.save()._action_confirm()
        run = self.new_run()
        run.action_propose()
        sequence = self.env.ref("credit_collection.seq_collection_dunning")
        first = sequence.number_next
        run.action_execute()
        self.assertEqual(run.state, "done")
        # named in one batch, in order, without a gap, as one by one
        dunnings = run.dunning_ids.sorted("id")
        self.assertGreater(len(dunnings), 1)
        self.assertEqual(
            dunnings.mapped("name"),
            [f"DUN/2026/{first + i:05d}" for i in range(len(dunnings))],
        )
        self.assertEqual(
            self.env["ir.sequence"].next_by_code("collection.dunning"),
            f"DUN/2026/{first + len(dunnings):05d}",
        )
        letter = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        # decided at once, rendered and sent by the scheduled action
        self.assertEqual(letter.state, "queued")
        self.assertFalse(letter.letter_attachment_id)
        self.assertTrue(letter.name.startswith("DUN/2026/"))
        self.env["collection.dunning"]._cron_send_queued()
        self.assertEqual(letter.state, "done")
        self.assertTrue(letter.letter_attachment_id)
        self.assertIn(letter.letter_attachment_id, letter.message_ids.attachment_ids)
        self.assertEqual(self.invoice_54.collection_level_id.name, "Formal notice")
        self.assertEqual(self.invoice_23.collection_level_id.name, "Second reminder")
        # the letter names the sender's registry as its country does and says
        # how a formal notice is sent
        for country, registry, expected in (
            ("base.fr", "123 456 789 00012", ("SIRET", "acknowledgement of receipt")),
            ("base.be", "0123.456.789", ("Enterprise number", "By registered letter")),
        ):
            self.env.company.write(
                {
                    "country_id": self.env.ref(country).id,
                    "account_fiscal_country_id": self.env.ref(country).id,
                    "company_registry": registry,
                }
            )
            html = str(
                self.env["ir.actions.report"]._render_qweb_html(
                    "credit_collection.report_collection_dunning", letter.ids
                )[0]
            )
            for text in (*expected, registry):
                self.assertIn(text, html)
        # no blank band where a wkhtmltopdf without patched qt draws no header:
        # a 12 mm top margin and the logo in the sender block instead
        self.env.company.logo = LOGO
        for draws, margin, logo in ((False, 1, 1), (True, 0, 0)):
            with patch.object(
                ir_actions_report, "_wkhtmltopdf_draws_headers", lambda d=draws: d
            ):
                html = str(
                    self.env["ir.actions.report"]._render_qweb_html(
                        "credit_collection.report_collection_dunning", letter.ids
                    )[0]
                )
            self.assertEqual(html.count('data-report-margin-top="12"'), margin)
            self.assertEqual(html.count('name="letterhead_logo"'), logo)
        # the chatter offers no bin on the letter sent, one on any other file
        other = self.env["ir.attachment"].create(
            {"name": "note.txt", "raw": b"x", "res_model": "res.partner"}
        )
        store = Store()
        (letter.letter_attachment_id | other)._to_store(store)
        kept = {
            values["id"]: values.get("collection_kept", False)
            for values in store.get_result()["ir.attachment"]
        }
        self.assertEqual(kept, {letter.letter_attachment_id.id: True, other.id: False})
        self.assertEqual(str(self.invoice_54.collection_last_dunning_date), TODAY)
        self.assertEqual(
            letter.line_ids.filtered(lambda line: line.move_id == self.invoice_54)
            .with_user(self.collector)
            .display_name,
            f"{self.invoice_54.name} · Formal notice",
        )
        # The call: an activity for the collector with the facts on the desk,
        # and one asking the salesperson to help, on the dunning, which only
        # the collectors and this customer's salesperson read.
        self.assertFalse(self.caller_customer.activity_ids)
        caller = run.dunning_ids.filtered(
            lambda d: d.partner_id == self.caller_customer
        )
        activities = caller.activity_ids
        call = activities.filtered(lambda a: a.activity_type_id.category == "phonecall")
        self.assertEqual(len(call), 1)
        # named as its dunning, which is named at the end of the batch
        self.assertEqual(set(activities.mapped("res_name")), {caller.name})
        self.assertTrue(caller.name.startswith("DUN/2026/"))
        self.assertIn(self.invoice_call.name, str(call.note))
        self.assertIn("+33 3 80 00 00 00", str(call.note))
        # the call logged before the run is among the previous contacts
        self.assertIn("Phone with Mr Bernard", str(call.note))
        self.assertTrue(caller.with_user(self.salesperson).activity_ids)
        with self.assertRaises(AccessError):
            caller.with_user(self.other_salesperson).activity_ids.note  # noqa: B018
        self.assertIn(
            format_amount(
                self.env,
                self.invoice_call.amount_residual,
                self.invoice_call.currency_id,
            ),
            str(call.note).replace("&nbsp;", "\xa0"),
        )
        self.assertEqual(
            (activities - call).user_id, self.salesperson, "the salesperson is asked"
        )

    def test_the_calls_note_escapes_what_customers_typed(self):
        # the notes are written past the ORM's sanitizer: every value escaped
        self.caller_customer.name = "Vins <b>Bernard</b> & Fils"
        self.invoice_call.invoice_origin = "<img src=x onerror=alert(1)>"
        run = self.new_run()
        run.action_propose()
        run.action_execute()
        caller = run.dunning_ids.filtered(
            lambda d: d.partner_id == self.caller_customer
        )
        note = str(caller.activity_ids.filtered("note")[0].note)
        self.assertIn("Vins &lt;b&gt;Bernard&lt;/b&gt; &amp; Fils", note)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", note)
        self.assertNotIn("<b>", note)
        self.assertNotIn("<img", note)

    def test_each_letter_of_a_batch_attached_to_its_dunning(self):
        self.other_customer.email = "compta@lefevre.example.com"
        self.create_invoice(self.other_customer, 700, "2026-01-25")  # 49 days
        run = self.new_run()
        run.action_propose()
        run.action_execute()
        letters = run.dunning_ids.filtered(lambda d: d.state == "queued")
        self.assertEqual(letters.partner_id, self.customer | self.other_customer)
        self.env["collection.dunning"]._cron_send_queued()
        self.assertEqual(set(letters.mapped("state")), {"done"})
        for dunning in letters:
            attachment = dunning.letter_attachment_id
            self.assertEqual(attachment.name, f"{dunning.name.replace('/', '-')}.pdf")
            self.assertEqual(
                (attachment.res_model, attachment.res_id), (dunning._name, dunning.id)
            )
            self.assertIn(attachment, dunning.message_ids.attachment_ids)
        self.assertEqual(len(letters.letter_attachment_id), 2)

    def test_a_dunning_that_cannot_be_sent_waits_and_the_others_go(self):
        self.other_customer.email = "compta@lefevre.example.com"
        self.other_customer.with_company(
            self.env.company
        ).collection_user_id = self.collector
        self.create_invoice(self.other_customer, 300, "2026-03-05")  # 10 days: email
        self.create_invoice(self.customer, 100, "2026-03-14")
        run = self.new_run()
        run.action_propose()
        run.action_execute()
        email = run.dunning_ids.filtered(lambda d: d.partner_id == self.other_customer)
        letter = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        self.assertEqual((email.channel, email.state), ("email", "queued"))
        self.assertEqual((letter.channel, letter.state), ("letter", "queued"))
        self.other_customer.email = False
        self.env["collection.dunning"]._cron_send_queued()
        self.assertEqual(letter.state, "done")
        self.assertEqual(email.state, "queued")
        self.assertIn("has no email address", email.send_error)
        self.assertIn("Could not send", email.activity_ids.mapped("summary")[0])
        # the next call does not try it again; once fixed, Send Now sends it
        self.env["collection.dunning"]._cron_send_queued()
        self.assertEqual(email.state, "queued")
        self.other_customer.email = "compta@lefevre.example.com"
        email.action_send_now()
        self.assertEqual((email.state, email.send_error), ("done", False))

    def test_email_lands_in_the_customer_chatter(self):
        customer = self.env["res.partner"].create(
            {"name": "Chocolaterie Dupont", "is_company": True}
        )
        accounting = self.env["res.partner"].create(
            {
                "name": "Accounts payable",
                "parent_id": customer.id,
                "type": "invoice",
                "email": "ap@dupont.example.com",
            }
        )
        invoice = self.create_invoice(customer, 400, "2026-03-05")  # 10 days
        run = self.new_run()
        run.action_propose()
        dunning = run.dunning_ids.filtered(lambda d: d.partner_id == customer)
        self.assertEqual(dunning.level_id.name, "First reminder")
        run.action_execute()
        self.assertFalse(dunning.mail_message_id)
        dunning.action_send_now()
        self.assertEqual(dunning.state, "done")
        with self.assertRaisesRegex(UserError, "waiting to be sent"):
            dunning.action_send_now()
        message = dunning.mail_message_id
        self.assertEqual(message.model, "collection.dunning")
        self.assertEqual(message.res_id, dunning.id)
        self.assertEqual(message.partner_ids, accounting)
        self.assertIn(invoice.name, message.body)
        self.assertIn("First reminder", message.subject)

    def test_never_dunned_twice_at_the_same_level(self):
        first = self.new_run()
        first.action_propose()
        first.action_execute()
        second = self.new_run()
        second.action_propose()
        self.assertFalse(second.dunning_ids)
        self.assertEqual(self.skipped(second)[self.invoice_54], "already_dunned")
        self.assertEqual(self.skipped(second)[self.invoice_call], "already_dunned")

    def test_cancel_gives_the_invoices_their_previous_level_back(self):
        run = self.new_run()
        run.action_propose()
        run.action_execute()
        dunning = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        dunning.action_cancel()
        self.assertEqual(dunning.state, "cancel")
        self.assertFalse(self.invoice_54.collection_level_id)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            dunning.unlink()
        # and the next run proposes it again
        again = self.new_run()
        again.action_propose()
        self.assertIn(self.customer, again.dunning_ids.partner_id)

    def test_scheduled_action_is_idempotent(self):
        Run = self.env["collection.run"].sudo()  # as the scheduled action
        companies = self.env["collection.policy"].sudo().search([]).company_id
        # one company a call, as many calls as companies with automatic levels
        for left in reversed(range(len(companies))):
            self.assertEqual(Run._cron_run_automatic(), left)
        run = Run.search(
            [("automatic", "=", True), ("company_id", "=", self.env.company.id)]
        )
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "done")
        # automatic levels only: the customer gets its second reminder by email
        dunning = run.dunning_ids.filtered(lambda d: d.partner_id == self.customer)
        self.assertEqual(dunning.level_id.name, "Second reminder")
        self.assertEqual(self.invoice_54.collection_level_id.name, "Second reminder")
        self.assertEqual(dunning.state, "queued")
        # the same day again: the company had its run, nothing is proposed
        self.assertEqual(Run._cron_run_automatic(), 0)
        self.assertEqual(
            Run.search_count(
                [("automatic", "=", True), ("company_id", "=", self.env.company.id)]
            ),
            1,
        )
        # and a manual run skips what was dunned at its level, not the levels
        # only a collector sends (the formal notice of the oldest invoice)
        manual = self.new_run()
        manual.action_propose()
        self.assertNotIn("Second reminder", manual.dunning_ids.level_id.mapped("name"))
        self.assertEqual(
            manual.line_ids.filtered(
                lambda line: line.move_id == self.invoice_54
            ).level_id.name,
            "Formal notice",
        )

    def test_salesperson_cannot_run_dunning(self):
        with self.assertRaises(AccessError):
            self.env["collection.run"].with_user(self.salesperson).create({})

    def test_collector_cannot_edit_policies(self):
        with self.assertRaises(AccessError):
            self.policy.with_user(self.collector).min_amount = 0
        self.policy.with_user(self.manager).min_amount = 0
        self.assertEqual(self.policy.min_amount, 0)

    def test_execute_needs_a_proposal(self):
        run = self.new_run()
        with self.assertRaisesRegex(UserError, "Compute the proposal"):
            run.action_execute()
        run.action_propose()
        run.action_execute()
        with self.assertRaisesRegex(UserError, "is kept"):
            run.unlink()

    def test_large_run_is_executed_by_batches_in_the_background(self):
        run = self.new_run()
        run.action_propose()
        dunnings = run.dunning_ids
        self.assertEqual(len(dunnings), 2)
        run._action_execute(batch_size=1)
        self.assertEqual(run.state, "executing")
        self.assertEqual(set(dunnings.mapped("state")), {"draft"})
        # numbered when handed over: the workers never wait on the sequence
        self.assertEqual(len(set(dunnings.mapped("name"))), 2)
        self.assertNotIn("/", dunnings.mapped("name"))
        with self.assertRaisesRegex(UserError, "already executed"):
            run.action_propose()
        with self.assertRaisesRegex(UserError, "is kept"):
            run.unlink()
        Run = self.env["collection.run"].sudo()  # as the scheduled action
        left = Run._cron_execute(batch_size=1)
        self.assertEqual(left, 1)
        self.assertEqual(len(dunnings.filtered(lambda d: d.state == "draft")), left)
        while left:
            left = Run._cron_execute(batch_size=1)
        self.assertEqual(run.state, "done")
        self.assertNotIn("draft", dunnings.mapped("state"))
        self.assertEqual(self.invoice_54.collection_level_id.name, "Formal notice")
