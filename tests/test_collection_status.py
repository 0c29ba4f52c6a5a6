from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import TODAY, CollectionCommon

STATUS_FIELDS = [
    "collection_open_amount",
    "collection_overdue_amount",
    "collection_overdue_count",
    "collection_oldest_overdue_days",
    "collection_disputed_amount",
]


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionStatus(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency(
            "EUR", rates=[("2025-01-01", 2.0), ("2026-02-20", 2.5)]
        )
        # 1,000.00 due 31 January, 400.00 paid 10 February: 600.00 open, 43 days late.
        cls.invoice_partly_paid = cls.create_invoice(cls.customer, 1000, "2026-01-31")
        cls.pay(cls.invoice_partly_paid, 400, "2026-02-10")
        # 500.00 due 1 March, 200.00 credited: 300.00 open, 14 days late.
        cls.invoice_credited = cls.create_invoice(cls.customer, 500, "2026-03-01")
        cls.credit_note = cls.create_invoice(
            cls.customer, 200, "2026-03-01", "out_refund"
        )
        cls.reconcile(cls.invoice_credited, cls.credit_note)
        # 700.00 due in a month: open, not overdue.
        cls.invoice_not_due = cls.create_invoice(
            cls.customer_contact, 700, "2026-04-14"
        )
        # 1,000.00 EUR at 2 EUR per USD = 500.00 USD, due 15 February; 250.00 EUR
        # paid at 2.5: 750.00 EUR = 375.00 USD open at the invoice's rate.
        cls.invoice_eur = cls.create_invoice(
            cls.customer, 1000, "2026-02-15", currency=cls.eur
        )
        cls.pay(cls.invoice_eur, 250, "2026-03-01")
        # A credit note not yet matched: 50.00 less to pay.
        cls.create_invoice(cls.customer, 50, "2026-03-10", "out_refund")
        # Paid in full: neither open nor overdue.
        cls.invoice_paid = cls.create_invoice(cls.customer, 300, "2026-01-15")
        cls.pay(cls.invoice_paid, 300, "2026-03-01")
        # Not posted: ignored.
        cls.create_invoice(cls.customer, 999, "2026-01-01", post=False)

    def test_customer_status_to_the_cent(self):
        status = self.customer.read(STATUS_FIELDS)[0]
        self.assertEqual(
            {key: status[key] for key in STATUS_FIELDS},
            {
                # 600 + 300 + 700 + 375 - 50
                "collection_open_amount": 1925.0,
                # 600 + 300 + 375 - 50
                "collection_overdue_amount": 1225.0,
                "collection_overdue_count": 3,
                "collection_oldest_overdue_days": 43,
                "collection_disputed_amount": 0.0,
            },
        )
        self.assertEqual(
            self.customer.collection_currency_id, self.env.company.currency_id
        )

    def test_contact_shares_the_status_of_its_company(self):
        self.assertEqual(self.customer_contact.collection_overdue_amount, 1225.0)
        self.assertEqual(self.customer_contact.collection_open_amount, 1925.0)

    def test_invoice_days_overdue(self):
        self.assertEqual(self.invoice_partly_paid.collection_days_overdue, 43)
        self.assertEqual(self.invoice_credited.collection_days_overdue, 14)
        self.assertEqual(self.invoice_eur.collection_days_overdue, 28)
        self.assertEqual(self.invoice_not_due.collection_days_overdue, 0)
        self.assertEqual(self.invoice_paid.collection_days_overdue, 0)

    def test_invoice_overdue_filters(self):
        Move = self.env["account.move"]
        invoices = (
            self.invoice_partly_paid
            | self.invoice_credited
            | self.invoice_eur
            | self.invoice_not_due
            | self.invoice_paid
        )
        base = [("id", "in", invoices.ids)]
        self.assertEqual(
            Move.search(base + [("collection_days_overdue", ">", 0)]),
            self.invoice_partly_paid | self.invoice_credited | self.invoice_eur,
        )
        self.assertEqual(
            Move.search(base + [("collection_days_overdue", ">", 30)]),
            self.invoice_partly_paid,
        )
        self.assertEqual(
            Move.search(base + [("collection_days_overdue", ">=", 28)]),
            self.invoice_partly_paid | self.invoice_eur,
        )
        self.assertEqual(
            Move.search(base + [("collection_days_overdue", "=", 0)]),
            self.invoice_not_due | self.invoice_paid,
        )
        self.assertFalse(Move.search(base + [("collection_days_overdue", ">", 60)]))

    def test_dispute_counts_the_open_amount(self):
        self.invoice_credited.with_user(self.collector).collection_disputed = True
        self.assertEqual(self.customer.collection_disputed_amount, 300.0)
        self.assertEqual(
            self.env["res.partner"].search(
                [("collection_disputed_amount", "!=", 0), ("id", "=", self.customer.id)]
            ),
            self.customer,
        )

    def test_second_company_keeps_its_own_book(self):
        company_2 = self.setup_other_company()["company"]
        self.env.user.company_ids |= company_2
        self.create_invoice(self.customer, 900, "2026-02-01", company=company_2)
        customer_2 = self.customer.with_company(company_2)
        self.assertEqual(customer_2.collection_open_amount, 900.0)
        self.assertEqual(customer_2.collection_overdue_amount, 900.0)
        self.assertEqual(customer_2.collection_oldest_overdue_days, 42)
        # The first company's figures are unchanged.
        self.assertEqual(self.customer.collection_open_amount, 1925.0)

    def test_search_customers_by_status(self):
        Partner = self.env["res.partner"]
        customers = self.customer | self.other_customer
        self.create_invoice(self.other_customer, 100, "2026-03-14")
        base = [("id", "in", customers.ids)]
        self.assertEqual(
            Partner.search(base + [("collection_overdue_amount", ">", 1000)]),
            self.customer,
        )
        self.assertEqual(
            Partner.search(base + [("collection_overdue_amount", ">", 0)]), customers
        )
        self.assertEqual(
            Partner.search(base + [("collection_oldest_overdue_days", ">", 30)]),
            self.customer,
        )
        self.assertEqual(
            Partner.search(base + [("collection_overdue_amount", "<", 1000)]),
            self.other_customer,
        )
        # A customer without open items matches "= 0".
        idle = Partner.create({"name": "Pharmacie du Centre", "is_company": True})
        self.assertEqual(
            Partner.search(
                [
                    ("id", "in", (customers | idle).ids),
                    ("collection_open_amount", "=", 0),
                ]
            ),
            idle,
        )

    def test_customers_to_follow_respect_the_minimum(self):
        Partner = self.env["res.partner"]
        customers = self.customer | self.other_customer
        self.create_invoice(self.other_customer, 100, "2026-03-14")
        base = [("id", "in", customers.ids), ("collection_to_follow", "=", True)]
        self.assertEqual(Partner.search(base), customers)
        self.env.company.collection_min_amount = 500
        self.assertEqual(Partner.search(base), self.customer)
        self.assertFalse(self.other_customer.collection_to_follow)
        self.assertEqual(
            Partner.search(
                [("id", "in", customers.ids), ("collection_to_follow", "=", False)]
            ),
            self.other_customer,
        )


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionStatusQueries(CollectionCommon):
    """The status of a list of customers or invoices is read in a constant
    number of queries, whatever the length of the list."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": f"Customer {index:02d}", "is_company": True}
                for index in range(30)
            ]
        )
        moves = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": "2026-01-01",
                    "invoice_date_due": due,
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Flour", "price_unit": 100, "tax_ids": []}
                        )
                    ],
                }
                for customer in cls.customers
                for due in ("2026-02-01", "2026-04-01")
            ]
        )
        moves.action_post()
        cls.invoices = moves

    def _read_list(self, model, records, fields):
        records.env.invalidate_all()
        # what a request reads once whatever the list (the user and their
        # company), read first: the counts compare what depends on the list
        model.env.user.company_id.currency_id.read(["name"])
        return model.web_search_read(
            [("id", "in", records.ids)], {fname: {} for fname in fields}
        )

    def test_customer_list_in_constant_queries(self):
        Partner = self.env["res.partner"].with_user(self.collector)
        fields = [
            "display_name",
            *STATUS_FIELDS,
            "collection_user_id",
            "collection_to_follow",
            "collection_hold",
            "collection_promise_date",
            "collection_last_contact_date",
            "collection_next_activity",
            "collection_next_activity_date",
            "collection_level_id",
            "collection_dunning_count",
        ]
        self._read_list(Partner, self.customers[:5], fields)  # warm the caches
        queries = self._count_queries(
            lambda: self._read_list(Partner, self.customers[:10], fields)
        )
        with self.assertQueryCount(queries):
            result = self._read_list(Partner, self.customers, fields)
        self.assertEqual(len(result["records"]), 30)
        self.assertTrue(
            all(rec["collection_overdue_amount"] == 100.0 for rec in result["records"])
        )
        self.assertTrue(
            all(rec["collection_open_amount"] == 200.0 for rec in result["records"])
        )

    def test_invoice_list_in_constant_queries(self):
        Move = self.env["account.move"].with_user(self.collector)
        fields = [
            "name",
            "collection_days_overdue",
            "collection_reason_id",
            "collection_disputed",
            "collection_level_id",
            "collection_last_dunning_date",
            "amount_residual_signed",
        ]
        self._read_list(Move, self.invoices[:5], fields)  # warm the caches
        queries = self._count_queries(
            lambda: self._read_list(Move, self.invoices[:10], fields)
        )
        with self.assertQueryCount(queries):
            result = self._read_list(Move, self.invoices, fields)
        days = sorted({rec["collection_days_overdue"] for rec in result["records"]})
        self.assertEqual(days, [0, 42])
        # a worklist: no New, no Upload (the invoices' own list's buttons)
        arch = Move.get_views(
            [
                (
                    self.env.ref(
                        "credit_collection.account_move_view_list_collection"
                    ).id,
                    "list",
                )
            ]
        )["views"]["list"]["arch"]
        self.assertIn('create="False"', arch)
        self.assertNotIn("js_class", arch)

    def _count_queries(self, function):
        cr = self.env.cr
        before = cr.sql_log_count
        function()
        return cr.sql_log_count - before
