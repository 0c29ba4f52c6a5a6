import io

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import TODAY, CollectionCommon


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestAgedBalance(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.with_company(cls.env.company).collection_user_id = cls.collector
        # Boulangerie Martin, at 15 March: 1,000.00 due 31 January less 400.00
        # paid 10 February (43 days), 250.00 due 1 March (14 days), 120.00 not
        # due; 800.00 due 1 November 2025 (134 days) paid on 20 March, after.
        cls.create_invoice(cls.customer, 120, "2026-04-10")
        cls.pay(cls.create_invoice(cls.customer, 1000, "2026-01-31"), 400, "2026-02-10")
        cls.create_invoice(cls.customer, 250, "2026-03-01")
        cls.old = cls.create_invoice(cls.customer, 800, "2025-11-01")
        # Transports Lefèvre: 300.00 due 10 February less a 100.00 credit note
        # (33 days), and a paid invoice that is not in the balance at all.
        invoice = cls.create_invoice(cls.other_customer, 300, "2026-02-10")
        credit_note = cls.create_invoice(
            cls.other_customer, 100, "2026-02-10", move_type="out_refund"
        )
        cls.reconcile(invoice, credit_note)
        paid = cls.create_invoice(cls.other_customer, 90, "2026-02-01")
        cls.pay(paid, 90, "2026-02-05")

    def read_back(self, wizard, sheet="By customer"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(wizard._get_xlsx()))
        rows = {
            row[0]: row[1:]
            for row in book[sheet].iter_rows(min_row=4, values_only=True)
            if row[0]
        }
        return len(rows) - 1, rows

    def test_amounts_per_bucket_to_the_cent(self):
        with freeze_time("2026-03-25"):
            self.pay(self.old, 800, "2026-03-20")
        wizard = (
            self.env["collection.aged.balance"].with_user(self.collector).create({})
        )
        count, rows = self.read_back(wizard)
        self.assertEqual(count, 2)
        # collector, salesperson, not due, 1-30, 31-60, 61-90, over 90, total
        self.assertEqual(
            rows["Boulangerie Martin"],
            (self.collector.name, self.salesperson.name)
            + (120.0, 250.0, 600.0, 0.0, 800.0, 1770.0),
        )
        self.assertEqual(
            rows["Transports Lefèvre"],
            (None, self.other_salesperson.name, 0.0, 0.0, 200.0, 0.0, 0.0, 200.0),
        )
        self.assertEqual(rows["Total"][2:], (120.0, 250.0, 800.0, 0, 800.0, 1970.0))

    def test_a_day_in_the_past(self):
        # On 5 February the payment of the 10th had not come: 1,000.00 open
        # (5 days); 250.00 not due; 800.00 96 days late; the invoice of 120.00
        # (11 March) did not exist yet.
        wizard = self.env["collection.aged.balance"].create({"date": "2026-02-05"})
        _count, rows = self.read_back(wizard)
        self.assertEqual(
            rows["Boulangerie Martin"][2:], (250.0, 1000.0, 0, 0, 800.0, 2050.0)
        )
        # the 90.00 was paid that very day: closed at the end of it
        self.assertEqual(rows["Transports Lefèvre"][2:], (200.0, 0, 0, 0, 0, 200.0))
        action = wizard.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        self.assertEqual(attachment.name, "Aged balance 2026-02-05.xlsx")
        self.assertEqual(attachment.raw[:2], b"PK")

    def test_sheets_by_collector_and_salesperson_as_the_analysis(self):
        """Each sheet reads back as the analysis grouped the same way."""
        wizard = self.env["collection.aged.balance"].create({})
        buckets = ["0_current", "1_30", "31_60", "61_90", "91_plus"]
        for sheet, field, none in (
            ("By collector", "collector_id", "No collector"),
            ("By salesperson", "salesperson_id", "No salesperson"),
        ):
            _count, rows = self.read_back(wizard, sheet)
            expected = {}
            for user, bucket, amount in self.env["collection.analysis"]._read_group(
                [("company_id", "=", self.env.company.id)],
                [field, "bucket"],
                ["amount:sum"],
            ):
                amounts = expected.setdefault(user.name or none, [0.0] * 6)
                amounts[buckets.index(bucket)] += amount
                amounts[5] += amount
            with self.subTest(sheet=sheet):
                self.assertEqual(
                    {name: list(values) for name, values in rows.items()},
                    {
                        **expected,
                        "Total": [sum(v) for v in zip(*expected.values(), strict=True)],
                    },
                )
        _count, rows = self.read_back(wizard, "By collector")
        self.assertEqual(
            rows[self.collector.name], (120.0, 250.0, 600.0, 0.0, 800.0, 1770.0)
        )
        self.assertEqual(rows["No collector"], (0.0, 0.0, 200.0, 0.0, 0.0, 200.0))
        _count, rows = self.read_back(wizard, "By salesperson")
        # the invoice of Transports Lefèvre less its credit note, both his
        self.assertEqual(
            rows[self.other_salesperson.name], (0.0, 0.0, 200.0, 0.0, 0.0, 200.0)
        )
        with self.assertRaisesRegex(ValidationError, "at least one sheet"):
            wizard.write(
                {"by_customer": False, "by_collector": False, "by_salesperson": False}
            )

    def test_future_day_and_salesperson_refused(self):
        with self.assertRaisesRegex(ValidationError, "future day"):
            self.env["collection.aged.balance"].create({"date": "2026-03-16"})
        with self.assertRaises(AccessError):
            self.env["collection.aged.balance"].with_user(self.salesperson).create({})
