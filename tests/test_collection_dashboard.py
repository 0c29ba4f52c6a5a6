import io
import threading
from contextlib import closing
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import sql_db
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..wizards import collection_dashboard
from .common import CollectionCommon


@freeze_time("2026-07-01")
@tagged("post_install", "-at_install")
class TestCollectionDashboard(CollectionCommon):
    """A quarter, 1 April to 30 June 2026 (91 days, 3 months), with the
    amounts of the countback example of docs/kpis.md: credit sales of
    70,000 (April), 80,000 (May) and 100,000 (June), 212,000 receivable at
    the end, 150,000 at the start."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.with_company(cls.env.company).collection_user_id = cls.collector
        # Boulangerie Martin (the collector's, sold by the salesperson): an
        # invoice of February paid in April, one of April partly paid in May,
        # one of May overdue
        cls.old = cls.create_invoice(cls.customer, 150000, "2026-03-15")
        cls.pay(cls.old, 150000, "2026-04-10")
        cls.april = cls.create_invoice(cls.customer, 70000, "2026-05-01")
        cls.pay(cls.april, 38000, "2026-05-20")
        cls.may = cls.create_invoice(cls.customer, 80000, "2026-06-15")
        # Transports Lefèvre (no collector, the other salesperson): June, not due
        cls.june = cls.create_invoice(cls.other_customer, 100000, "2026-07-30")

    def dashboard(self, user=None, **values):
        Dashboard = self.env["collection.dashboard"].with_user(user or self.collector)
        return Dashboard.create(
            {"date_from": "2026-04-01", "date_to": "2026-06-30", **values}
        )

    def test_the_company_kpis_by_the_formulas(self):
        dashboard = self.dashboard()
        self.assertRecordValues(
            dashboard,
            [
                {
                    "receivables_start": 150000.0,
                    "receivables_end": 212000.0,
                    "current_end": 100000.0,
                    "overdue_end": 112000.0,
                    "credit_sales": 250000.0,
                    "collected": 188000.0,
                    "has_sales": True,
                }
            ],
        )
        # 212,000 / 250,000 * 91 days
        self.assertEqual(dashboard.dso, 77.17)
        # June (30 days) and May (31 days) covered, then 32,000 of April's
        # 70,000 * 30 days: the example's 73.71 days, with May's 31st day
        self.assertEqual(dashboard.dso_countback, 74.71)
        # 100,000 not due / 250,000 * 91
        self.assertEqual(dashboard.best_dso, 36.4)
        self.assertEqual(dashboard.days_delinquent, 40.77)
        # (150,000 + 250,000 / 3 - 212,000) / (150,000 + 250,000 / 3 - 100,000)
        self.assertEqual(dashboard.cei, 16.0)
        buckets = {
            line.bucket: line.receivables_end for line in dashboard.bucket_line_ids
        }
        # May's invoice 15 days late, April's 60 days
        self.assertEqual(
            buckets,
            {
                "0_current": 100000.0,
                "1_30": 80000.0,
                "31_60": 32000.0,
                "61_90": 0.0,
                "91_plus": 0.0,
            },
        )
        # the same figures as the analysis, at today: April's invoice is now
        # 61 days late
        dashboard.date_to = "2026-07-01"
        buckets = {
            line.bucket: line.receivables_end for line in dashboard.bucket_line_ids
        }
        self.assertEqual(buckets["61_90"], 32000.0)
        analysis = dict(
            self.env["collection.analysis"]._read_group(
                [("company_id", "=", self.env.company.id)], ["bucket"], ["amount:sum"]
            )
        )
        self.assertEqual({k: v for k, v in buckets.items() if v}, analysis)

    def test_by_collector_and_salesperson(self):
        dashboard = self.dashboard()
        mine = dashboard.collector_line_ids.filtered(
            lambda line: line.user_id == self.collector
        )
        nobody = dashboard.collector_line_ids - mine
        self.assertEqual(nobody.name, "No collector")
        self.assertRecordValues(
            mine | nobody,
            [
                {
                    "receivables_start": 150000.0,
                    "receivables_end": 112000.0,
                    "current_end": 0.0,
                    "credit_sales": 150000.0,
                    "collected": 188000.0,
                },
                {
                    "receivables_start": 0.0,
                    "receivables_end": 100000.0,
                    "current_end": 100000.0,
                    "credit_sales": 100000.0,
                    "collected": 0.0,
                },
            ],
        )
        # 112,000 / 150,000 * 91; June had no sales of his (30 days), May's
        # 80,000 (31 days), 32,000 of April's 70,000 (30 days)
        self.assertEqual(mine.dso, 67.95)
        self.assertEqual(mine.dso_countback, 74.71)
        self.assertEqual(mine.days_delinquent, 67.95)
        # (150,000 + 50,000 - 112,000) / (150,000 + 50,000 - 0)
        self.assertEqual(mine.cei, 44.0)
        self.assertEqual(nobody.dso, 91.0)
        self.assertEqual(nobody.dso_countback, 30.0)
        sellers = {
            line.user_id: line.receivables_end
            for line in dashboard.salesperson_line_ids
        }
        self.assertEqual(
            sellers, {self.salesperson: 112000.0, self.other_salesperson: 100000.0}
        )

    def test_each_figure_opens_its_records(self):
        dashboard = self.dashboard()

        def records(action):
            return self.env[action["res_model"]].search(action["domain"])

        def lines(*moves):
            return self.env["account.move.line"].browse(
                line.id
                for move in moves
                for line in move.line_ids
                if line.account_type == "asset_receivable"
            )

        def figure(name, record=dashboard):
            return records(record.with_context(figure=name).action_open_figure())

        self.assertEqual(
            figure("receivables_end"), lines(self.april, self.may, self.june)
        )
        self.assertEqual(figure("receivables_start"), lines(self.old))
        self.assertEqual(figure("current_end"), lines(self.june))
        self.assertEqual(figure("overdue_end"), lines(self.april, self.may))
        self.assertEqual(figure("credit_sales"), self.april | self.may | self.june)
        payments = figure("collected")
        self.assertEqual(sum(payments.mapped("credit")), 188000.0)
        mine = dashboard.collector_line_ids.filtered("user_id")
        self.assertEqual(records(mine.action_open()), lines(self.april, self.may))
        self.assertEqual(sum(figure("collected", mine).mapped("credit")), 188000.0)
        seller = dashboard.salesperson_line_ids.filtered(
            lambda line: line.user_id == self.other_salesperson
        )
        self.assertEqual(records(seller.action_open()), lines(self.june))
        self.assertFalse(figure("collected", seller))
        bucket = dashboard.bucket_line_ids.filtered(lambda line: line.bucket == "1_30")
        self.assertEqual(records(bucket.action_open()), lines(self.may))

    def test_a_day_in_the_past_and_another_currency_and_company(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 0.5)])
        # 10,000 EUR at 0.5 EUR a USD, invoiced in May: 20,000 of sales
        self.create_invoice(self.customer, 10000, "2026-06-01", currency=eur)
        other = self.setup_other_company(name="Other Company")["company"]
        self.env.user.company_ids += other
        self.create_invoice(self.customer, 5000, "2026-06-01", company=other)
        dashboard = self.dashboard(user=self.env.user)
        self.assertEqual(dashboard.credit_sales, 270000.0)
        self.assertEqual(dashboard.receivables_end, 232000.0)
        # at the end of April the payment of 20 May had not come
        dashboard.date_to = "2026-04-30"
        self.assertEqual(dashboard.receivables_end, 70000.0)
        self.assertEqual(dashboard.collected, 150000.0)
        self.assertEqual(dashboard.credit_sales, 70000.0)
        # the other company's book, alone
        dashboard.write({"company_id": other.id, "date_to": "2026-06-30"})
        self.assertEqual(
            (dashboard.credit_sales, dashboard.receivables_end), (5000.0, 5000.0)
        )
        self.assertFalse(dashboard.collector_line_ids.filtered("user_id"))

    def test_dunnings_by_level(self):
        policy = self.create_policy(
            {"name": "First reminder", "days_after_due": 3, "channel": "phone"},
            {"name": "Second reminder", "days_after_due": 45, "channel": "phone"},
        )
        self.executed_policy_run(policy)
        dashboard = self.dashboard(date_to="2026-07-01")
        levels = {
            line.level_id.name: (line.dunning_count, line.amount_dunned)
            for line in dashboard.level_line_ids
        }
        # one dunning to Boulangerie Martin, at the first level: levels are
        # climbed one at a time
        self.assertEqual(levels, {"First reminder": (1, 112000.0)})
        self.assertEqual(dashboard.dunning_count, 1)
        action = dashboard.level_line_ids.action_open()
        dunnings = self.env["collection.dunning"].search(action["domain"])
        self.assertEqual(dunnings.partner_id, self.customer)
        mine = dashboard.collector_line_ids.filtered("user_id")
        self.assertEqual(mine.dunning_count, 1)

    def test_no_sales_no_dso(self):
        dashboard = self.dashboard(date_from="2026-01-01", date_to="2026-01-31")
        self.assertFalse(dashboard.has_sales)
        self.assertEqual(dashboard.credit_sales, 0.0)
        self.assertEqual(dashboard.dso, 0.0)

    def test_the_export_reads_back_as_the_screen(self):
        import openpyxl

        dashboard = self.dashboard()
        book = openpyxl.load_workbook(io.BytesIO(dashboard._get_xlsx()))
        company = {
            row[0]: row[1]
            for row in book["Company"].iter_rows(min_row=3, values_only=True)
        }
        self.assertEqual(company["Receivables at End"], 212000.0)
        self.assertEqual(company["Credit Sales"], 250000.0)
        self.assertEqual(company["DSO Countback"], 74.71)
        self.assertEqual(company["CEI (%)"], 16.0)
        # no promise in the period: no rate rather than 0 %
        self.assertIsNone(company["Kept Rate (%)"])
        header, *rows = book["By collector"].iter_rows(min_row=3, values_only=True)
        by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
        self.assertEqual(by_name[self.collector.name]["Receivables at End"], 112000.0)
        self.assertEqual(by_name["No collector"]["Credit Sales"], 100000.0)
        buckets = {
            row[0]: row[1]
            for row in book["Overdue by bucket"].iter_rows(min_row=4, values_only=True)
        }
        self.assertEqual(buckets["31-60 days"], 32000.0)
        action = dashboard.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")

    def test_opened_as_the_web_client_does(self):
        action = self.env.ref("credit_collection.collection_dashboard_action")
        result = action.with_user(self.collector).run()
        dashboard = (
            self.env["collection.dashboard"]
            .with_user(self.collector)
            .browse(result["res_id"])
        )
        # the last three complete months on 1 July: April to June, 3 months
        self.assertEqual(
            (str(dashboard.date_from), str(dashboard.date_to)),
            ("2026-04-01", "2026-06-30"),
        )
        Book = self.env["collection.kpi.book"]
        self.assertEqual(Book._get_period(dashboard._get_book_period()), (91, 3))
        # a period of days counts its days in months: 1 October to 1 December
        # is two months and a day, not three
        days, months = Book._get_period(
            self.dashboard(
                date_from="2026-01-01", date_to="2026-03-01"
            )._get_book_period()
        )
        self.assertEqual(days, 60)
        self.assertAlmostEqual(months, 1.97, places=2)
        form = Form(dashboard)
        form.date_from = "2026-04-01"
        form.date_to = "2026-06-30"
        form.save()
        self.assertEqual(dashboard.receivables_end, 212000.0)

    def test_a_team_shares_the_figures_for_ten_minutes(self):
        """Opened from the menu within ten minutes of another user, the
        dashboard shows the figures computed then, saying when; Update
        computes them again, and so does an opening ten minutes later."""
        action = self.env.ref("credit_collection.collection_dashboard_action")

        def open_as(user):
            result = action.with_user(user).run()
            return (
                self.env["collection.dashboard"]
                .with_user(user)
                .browse(result["res_id"])
            )

        def lines(dashboard):
            return sorted(
                (line.kind, line.user_id.id, line.bucket or "", line.receivables_end)
                for line in dashboard.line_ids
            )

        first = open_as(self.collector)
        self.assertEqual(first.receivables_end, 212000.0)
        # an invoice of May posted since, 5,000 still open at the end of June
        self.create_invoice(self.other_customer, 5000, "2026-05-31")
        second = open_as(self.manager)
        self.assertNotEqual(second, first)
        self.assertRecordValues(
            second,
            [
                {
                    "receivables_end": 212000.0,
                    "dso": first.dso,
                    "computed_at": first.computed_at,
                    "date_from": first.date_from,
                    "date_to": first.date_to,
                }
            ],
        )
        self.assertEqual(lines(second), lines(first))
        # when the figures were computed is the module's to say
        for user in (self.collector, self.manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(UserError, "computed"),
            ):
                second.with_user(user).write({"computed_at": "2026-07-01 08:00:00"})
        self.assertEqual(second.computed_at, first.computed_at)
        # each reads only their own
        with self.assertRaises(AccessError):
            first.with_user(self.manager).read(["receivables_end"])
        second.action_refresh()
        self.assertEqual(second.receivables_end, 217000.0)
        self.assertEqual(open_as(self.collector).receivables_end, 217000.0)
        self.create_invoice(self.other_customer, 1000, "2026-05-31")
        with freeze_time("2026-07-01 00:10:01"):
            later = open_as(self.collector)
            self.assertEqual(later.receivables_end, 218000.0)
            self.assertEqual(str(later.computed_at), "2026-07-01 00:10:01")
        # who may not open a dashboard gets no copy of one
        for user in (self.salesperson, self.env.ref("base.public_user").sudo()):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["collection.dashboard"].with_user(user).action_open_dashboard()

    @freeze_time("2026-08-01")
    def test_the_next_user_waits_for_the_figures_being_computed(self):
        """While another transaction computes the company's figures of the
        default period, the next user opening the dashboard waits for them
        and shows them once committed; when that transaction ends without
        them, or later than the wait, the user computes their own."""
        # a period of its own: the lock of May to July, which no other test of
        # this class's transaction took
        key = f"collection.dashboard,{self.env.company.id},2026-05-01,2026-07-31"
        for committed in (True, False, None):
            with (
                self.subTest(committed=committed),
                closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as other,
                # a wait too long is no error (the runner fails on one)
                self.assertNoLogs("odoo.sql_db", level="ERROR"),
                patch.object(
                    collection_dashboard,
                    "WAIT_FOR",
                    "300ms" if committed is None else "10s",
                ),
            ):
                # the other user's transaction: it holds the lock while its
                # figures (not this test's book) are computed
                other.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
                other.execute(
                    "INSERT INTO collection_dashboard (company_id, date_from,"
                    " date_to, computed_at, receivables_end, currency_id)"
                    " VALUES (%s, '2026-05-01', '2026-07-31', '2026-08-01',"
                    " 4242.42, %s) RETURNING id",
                    [self.env.company.id, self.env.company.currency_id.id],
                )
                (other_id,) = other.fetchone()
                # committed or rolled back within the wait; None: after it
                end = other.commit if committed else other.rollback
                if committed is not None:
                    threading.Timer(0.1, end).start()
                dashboard = self.env["collection.dashboard"].with_user(self.manager)
                opened = dashboard.browse(dashboard.action_open_dashboard()["res_id"])
                self.assertNotEqual(opened.id, other_id)
                self.assertRecordValues(
                    opened,
                    [
                        {
                            "date_from": date(2026, 5, 1),
                            "date_to": date(2026, 7, 31),
                            # the other's figures, or this book's at the end of July
                            "receivables_end": 4242.42 if committed else 212000.0,
                        }
                    ],
                )
                # the next opening finds neither
                opened.sudo().unlink()
                if committed is None:
                    other.rollback()
                if committed:
                    other.execute(
                        "DELETE FROM collection_dashboard WHERE id = %s", [other_id]
                    )
                    other.commit()

    def test_who_may_and_bad_input(self):
        dashboard = self.dashboard()
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            dashboard.date_to = "2026-03-01"
        with self.assertRaisesRegex(ValidationError, "after today"):
            self.dashboard(date_to="2026-07-02")
        # the figures are the module's: no user writes them
        for user in (self.collector, self.manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(UserError, "computed"),
            ):
                self.dashboard(user=user).write({"dso": 1.0, "receivables_end": 1.0})
        with self.assertRaisesRegex(UserError, "computed"):
            dashboard.with_user(self.collector).with_context(
                collection_dashboard_compute=True
            ).write({"collected": 1e9})
        with self.assertRaisesRegex(ValidationError, "five years"):
            self.dashboard(date_from="0001-01-01")
        with self.assertRaises(AccessError):
            dashboard.line_ids[:1].with_user(self.collector).write({"dso": 1.0})
        # another collector does not read this one's dashboard
        with self.assertRaises(AccessError):
            dashboard.with_user(self.manager).read(["receivables_end"])
        # salespeople and plain users have no dashboard of the whole book
        plain = self.env["res.users"].create(
            {
                "name": "Plain",
                "login": "plain",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        for user in (self.salesperson, plain):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.dashboard(user=user)
