from contextlib import closing
from datetime import date, timedelta

from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command, sql_db
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.res_partner_status_store import STATUS_DROP, STATUS_TRIGGERS
from .common import TODAY, CollectionCommon

COLUMNS = (
    "open_amount",
    "overdue_amount",
    "overdue_count",
    "oldest_overdue_days",
    "disputed_amount",
)

# One change of the book: (kind, which invoice, amount, days later)
changes = st.tuples(
    st.sampled_from(
        [
            "invoice",
            "pay",
            "unreconcile",
            "credit_note",
            "redraft",
            "dispute",
            "refresh",
            "days_pass",
        ]
    ),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([50.0, 125.0, 400.0]),
    st.integers(min_value=1, max_value=40),
)


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionStatusStore(CollectionCommon):
    """The customers' status a list searches and sorts is stored, one row a
    customer and company: every change of the book, whichever door it takes,
    marks the row stale, a stale row reads as computed from the book, and
    the scheduled refresh computes it again."""

    def stored(self, partner):
        """The stored row of `partner` in the company, or None."""
        self.env["collection.receivable"]._flush_status_columns()
        self.env.cr.execute(
            """
            SELECT computed_on, valid_until, open_amount, overdue_amount,
                   overdue_count, oldest_overdue_date, disputed_amount
              FROM collection_customer_status
             WHERE partner_id = %s AND company_id = %s
            """,
            [partner.id, self.env.company.id],
        )
        row = self.env.cr.dictfetchone()
        return row and {key: value for key, value in row.items()}

    def read_status(self, partners=None):
        """{partner id: (open, overdue, count, days, disputed)} as the lists
        read it."""
        receivable = self.env["collection.receivable"]
        self.env.cr.execute(
            receivable._get_status_sql([self.env.company.id], partners and partners.ids)
        )
        return {
            row["partner_id"]: tuple(float(row[c]) for c in COLUMNS)
            for row in self.env.cr.dictfetchall()
        }

    def book_status(self):
        """The same, computed from the whole book, the store aside."""
        receivable = self.env["collection.receivable"]
        today = receivable._get_today()
        every_pair = SQL(
            """
            SELECT DISTINCT partner.commercial_partner_id AS partner_id,
                   line.company_id
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              JOIN res_partner partner ON partner.id = line.partner_id
             WHERE %s AND line.company_id = %s
            """,
            receivable._get_open_item_condition(),
            self.env.company.id,
        )
        self.env.cr.execute(receivable._get_live_status_sql(today, every_pair))
        return {
            row["partner_id"]: (
                float(row["open_amount"]),
                float(row["overdue_amount"]),
                float(row["overdue_count"]),
                float((today - row["oldest_overdue_date"]).days)
                if row["oldest_overdue_date"]
                else 0.0,
                float(row["disputed_amount"]),
            )
            for row in self.env.cr.dictfetchall()
        }

    def refresh(self):
        self.env["res.partner"]._refresh_collection_status()

    def test_the_refresh_stores_the_status_to_the_cent(self):
        late = self.create_invoice(self.customer, 1000, "2026-02-13")
        self.pay(late, 400, "2026-03-01")
        self.create_invoice(self.customer_contact, 700, "2026-04-14")
        self.create_invoice(self.customer, 250, "2026-03-20")
        self.assertIsNone(self.stored(self.customer)["computed_on"])
        self.refresh()
        self.assertEqual(
            self.stored(self.customer),
            {
                "computed_on": date(2026, 3, 15),
                # the 250.00 falls due on 20 March: until then the row holds
                "valid_until": date(2026, 3, 20),
                "open_amount": 1550.0,
                "overdue_amount": 600.0,
                "overdue_count": 1,
                "oldest_overdue_date": date(2026, 2, 13),
                "disputed_amount": 0.0,
            },
        )
        self.assertEqual(
            self.read_status(self.customer)[self.customer.id],
            (1550.0, 600.0, 1.0, 30.0, 0.0),
        )
        # a fresh row is what the lists read: the book is not summed again
        self.env.cr.execute(
            "UPDATE collection_customer_status SET open_amount = 1"
            " WHERE partner_id = %s",
            [self.customer.id],
        )
        self.assertEqual(self.read_status(self.customer)[self.customer.id][0], 1.0)

    def test_every_door_marks_the_status_stale_and_it_reads_true(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-02-13")
        other = self.create_invoice(self.other_customer, 300, "2026-03-01")
        self.refresh()

        def check(label, expected):
            with self.subTest(door=label):
                self.assertIsNone(
                    (self.stored(self.customer) or {}).get("computed_on"),
                    f"{label} left the stored row fresh",
                )
                self.assertEqual(
                    self.read_status(self.customer).get(self.customer.id), expected
                )
                self.refresh()
                self.assertEqual(
                    self.read_status(self.customer).get(self.customer.id), expected
                )
                self.assertEqual(self.read_status(), self.book_status())
                self.assertEqual(self.stored_due_dates(), self.book_due_dates())

        self.assertEqual(self.stored_due_dates(), self.book_due_dates())
        payment = self.pay(invoice, 400, "2026-03-01")
        check("a payment", (600.0, 600.0, 1.0, 30.0, 0.0))
        payment.move_id.line_ids.remove_move_reconcile()
        check("unreconcile", (600.0, 600.0, 1.0, 30.0, 0.0))
        self.reconcile(invoice, payment.move_id)
        check("reconcile again", (600.0, 600.0, 1.0, 30.0, 0.0))
        refund = self.create_invoice(self.customer, 100, "2026-03-10", "out_refund")
        check("a credit note", (500.0, 500.0, 1.0, 30.0, 0.0))
        invoice.with_user(self.collector).collection_disputed = True
        check("a dispute", (500.0, 500.0, 1.0, 30.0, 600.0))
        refund.button_draft()
        check("a credit note reset to draft", (600.0, 600.0, 1.0, 30.0, 600.0))
        refund.unlink()
        self.assertEqual(self.read_status(), self.book_status())
        # the contact of another customer moves to ours, with its entry
        contact = self.env["res.partner"].create(
            {"name": "Atelier", "parent_id": self.other_customer.id}
        )
        deposit = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-03-01",
                "line_ids": [
                    Command.create(
                        {
                            "name": "Deposit due",
                            "account_id": self.company_data[
                                "default_account_receivable"
                            ].id,
                            "partner_id": contact.id,
                            "debit": 80.0,
                            "date_maturity": "2026-04-30",
                        }
                    ),
                    Command.create(
                        {
                            "name": "Deposit due",
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "credit": 80.0,
                        }
                    ),
                ],
            }
        )
        deposit.action_post()
        self.assertEqual(
            self.read_status(self.other_customer)[self.other_customer.id][0], 380.0
        )
        self.refresh()
        contact.parent_id = self.customer
        check("a contact moved", (680.0, 600.0, 1.0, 30.0, 600.0))
        self.assertEqual(
            self.read_status(self.other_customer)[self.other_customer.id][0], 300.0
        )
        other.button_draft()
        self.assertNotIn(self.other_customer.id, self.read_status())
        self.refresh()
        self.assertIsNone(self.stored(self.other_customer))

    def test_the_date_makes_a_row_stale(self):
        self.create_invoice(self.customer, 1000, "2026-03-10")
        self.create_invoice(self.customer, 200, "2026-03-20")
        self.refresh()
        self.assertEqual(self.stored(self.customer)["valid_until"], date(2026, 3, 20))
        with freeze_time("2026-03-20"):
            # the 200.00 is due today, not late: the row still holds
            self.assertEqual(
                self.read_status(self.customer)[self.customer.id],
                (1200.0, 1000.0, 1.0, 10.0, 0.0),
            )
        with freeze_time("2026-03-21"):
            self.assertEqual(
                self.read_status(self.customer)[self.customer.id],
                (1200.0, 1200.0, 2.0, 11.0, 0.0),
            )
            self.assertEqual(self.customer.collection_overdue_amount, 1200.0)
            self.refresh()
            row = self.stored(self.customer)
            self.assertEqual(
                (row["computed_on"], row["valid_until"], row["overdue_count"]),
                (date(2026, 3, 21), None, 2),
            )
        # a day before the row was computed: read from the book
        self.assertEqual(
            self.read_status(self.customer)[self.customer.id],
            (1200.0, 1000.0, 1.0, 5.0, 0.0),
        )

    def test_a_company_and_its_branch_add_up(self):
        """A company's lists read its customers' status over the company and
        its branches, a row of each added up, fresh or stale; the branch
        reads its own; the worklist sorts by the sum."""
        self.env.company.write(
            {"child_ids": [Command.create({"name": "Branch Liège"})]}
        )
        self.env.cr.precommit.run()  # the branch's chart of accounts
        branch = self.env.company.child_ids
        self.env.user.company_ids |= branch
        self.create_invoice(self.customer, 1000, "2026-02-13")
        self.create_invoice(self.customer, 300, "2026-01-30", company=branch)
        self.create_invoice(self.other_customer, 1200, "2026-03-01")
        Partner = self.env["res.partner"]
        customers = self.customer | self.other_customer

        def worklist(company):
            partners = Partner.with_company(company).search(
                [("id", "in", customers.ids)], order="collection_overdue_amount desc"
            )
            return [(p, p.collection_overdue_amount) for p in partners]

        for refreshed in (False, True):
            with self.subTest(refreshed=refreshed):
                if refreshed:
                    self.refresh()
                    self.assertEqual(self.stored(self.customer)["overdue_amount"], 1000)
                Partner.invalidate_model()
                # 1,000 here and 300 in the branch, overdue since 30 January
                self.assertEqual(
                    worklist(self.env.company),
                    [(self.customer, 1300.0), (self.other_customer, 1200.0)],
                )
                self.assertEqual(
                    self.customer.with_company(
                        self.env.company
                    ).collection_oldest_overdue_days,
                    44,
                )
                Partner.invalidate_model()
                self.assertEqual(
                    worklist(branch),
                    [(self.customer, 300.0), (self.other_customer, 0.0)],
                )

    def test_a_row_another_transaction_holds_is_left_to_the_next_refresh(self):
        # the demo's customers, committed at install, were computed on the day
        # of the install: stale on this test's earlier day
        self.env.cr.execute(
            "SELECT partner_id, company_id, computed_on FROM collection_customer_status"
            " WHERE computed_on > %s ORDER BY partner_id LIMIT 2",
            [TODAY],
        )
        rows = self.env.cr.fetchall()
        self.assertEqual(len(rows), 2, "the demo's customers have open items")
        (held, company, computed_on), (free, __, __) = rows
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as other:
            other.execute(
                "SELECT 1 FROM collection_customer_status"
                " WHERE partner_id = %s AND company_id = %s FOR UPDATE",
                [held, company],
            )
            self.refresh()
            other.rollback()
        self.env.cr.execute(
            "SELECT partner_id, computed_on FROM collection_customer_status"
            " WHERE partner_id = ANY(%s) AND company_id = %s",
            [[held, free], company],
        )
        self.assertEqual(
            dict(self.env.cr.fetchall()),
            {held: computed_on, free: date(2026, 3, 15)},
        )

    def test_no_one_writes_the_oldest_unpaid_due_date(self):
        """The date the Invoices to Follow filter on is computed: written by
        no role, through no door, and the accounting flows keep it."""
        self.create_roles_and_mandate()
        invoice = self.create_invoice(self.customer, 1000, "2026-02-13")
        self.assertEqual(invoice.collection_open_due_date, date(2026, 2, 13))

        def write(role):
            self.as_role(role, invoice).write(
                {"collection_open_due_date": "2026-04-30"}
            )
            invoice.invalidate_recordset()

        def create(role):
            self.as_role(role, self.env["account.move"]).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "collection_open_due_date": "2026-04-30",
                }
            )

        self.assert_refused_to_all(write)
        self.assert_refused_to_all(create)
        self.assertEqual(invoice.collection_open_due_date, date(2026, 2, 13))
        self.assertEqual(invoice.collection_days_overdue, 30)
        payment = self.pay(invoice, 1000, "2026-03-01")
        self.assertFalse(invoice.collection_open_due_date)
        self.assertEqual(invoice.collection_days_overdue, 0)
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.collection_open_due_date, date(2026, 2, 13))
        invoice.button_draft()
        self.assertFalse(invoice.collection_open_due_date)
        self.assertNotIn(
            invoice,
            self.env["account.move"].search([("collection_days_overdue", ">", 0)]),
        )
        invoice.action_post()
        self.assertIn(
            invoice,
            self.env["account.move"].search([("collection_days_overdue", ">=", 30)]),
        )
        self.assertNotIn(
            invoice,
            self.env["account.move"].search([("collection_days_overdue", "<", 30)]),
        )

    def test_uninstalling_leaves_accounting_working(self):
        with closing(self.env.cr.savepoint()):
            self.env.cr.execute(STATUS_DROP)
            self.env.cr.execute(
                "SELECT COUNT(*) FROM pg_trigger"
                " WHERE tgname LIKE 'collection_status%%'"
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0)
            invoice = self.create_invoice(self.other_customer, 500, "2026-03-01")
            self.pay(invoice, 500, "2026-03-10")
            self.assertEqual(invoice.payment_state, "paid")
        self.env.cr.execute(STATUS_TRIGGERS)

    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(changes, min_size=2, max_size=7))
    def test_the_stored_status_reads_as_the_book_over_random_changes(self, sequence):
        day = date(2026, 3, 15)
        with closing(self.env.cr.savepoint()):
            invoices, payments = [], []
            for kind, which, amount, days in sequence:
                with freeze_time(day):
                    if kind == "invoice" or not invoices:
                        customer = (
                            self.customer,
                            self.customer_contact,
                            self.other_customer,
                        )[which % 3]
                        invoices.append(
                            self.create_invoice(
                                customer, amount * 4, day + timedelta(days - 20)
                            )
                        )
                    invoice = invoices[which % len(invoices)]
                    invoice.invalidate_recordset()
                    if (
                        kind == "pay"
                        and invoice.state == "posted"
                        and (invoice.amount_residual >= amount)
                    ):
                        payments.append(self.pay(invoice, amount, day))
                    elif kind == "unreconcile" and payments:
                        payments.pop().move_id.line_ids.remove_move_reconcile()
                    elif kind == "credit_note" and invoice.state == "posted":
                        self.create_invoice(
                            invoice.partner_id, amount, day, "out_refund"
                        )
                    elif kind == "redraft" and invoice.state == "posted":
                        invoice.button_draft()
                    elif kind == "dispute" and invoice.state == "posted":
                        invoice.collection_disputed = not invoice.collection_disputed
                    elif kind == "refresh":
                        self.refresh()
                    elif kind == "days_pass":
                        day += timedelta(days)
                with freeze_time(day):
                    self.assertEqual(self.read_status(), self.book_status(), kind)
                self.assertEqual(self.stored_due_dates(), self.book_due_dates(), kind)

    def stored_due_dates(self):
        """{invoice id: oldest unpaid due date} as stored on the invoices."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, collection_open_due_date FROM account_move"
            " WHERE collection_open_due_date IS NOT NULL"
        )
        return dict(self.env.cr.fetchall())

    def book_due_dates(self):
        """The same, computed from the open items."""
        receivable = self.env["collection.receivable"]
        self.env.cr.execute(
            SQL(
                """
                SELECT line.move_id, MIN(%s)
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                 WHERE %s AND line.amount_residual > 0
              GROUP BY line.move_id
                HAVING MIN(%s) IS NOT NULL
                """,
                receivable._get_due_date_sql(),
                receivable._get_open_item_condition(),
                receivable._get_due_date_sql(),
            )
        )
        return dict(self.env.cr.fetchall())
