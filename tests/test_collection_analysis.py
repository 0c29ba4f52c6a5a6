from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CollectionCommon


@freeze_time("2026-03-15")
@tagged("post_install", "-at_install")
class TestCollectionAnalysis(CollectionCommon):
    def rows(self, user=None, moves=None):
        Analysis = self.env["collection.analysis"]
        if user:
            Analysis = Analysis.with_user(user)
        domain = [("move_id", "in", moves.ids)] if moves else []
        return Analysis.search(domain)

    def test_buckets_at_their_boundaries(self):
        expected = {
            "2026-03-15": ("0_current", 0),
            "2026-03-14": ("1_30", 1),
            "2026-02-13": ("1_30", 30),
            "2026-02-12": ("31_60", 31),
            "2026-01-14": ("31_60", 60),
            "2026-01-13": ("61_90", 61),
            "2025-12-15": ("61_90", 90),
            "2025-12-14": ("91_plus", 91),
        }
        moves = {due: self.create_invoice(self.customer, 100, due) for due in expected}
        for due, (bucket, days) in expected.items():
            row = self.rows(moves=moves[due])
            with self.subTest(due=due):
                self.assertEqual((row.bucket, row.days_overdue), (bucket, days))
                self.assertEqual(row.amount, 100.0)
                self.assertEqual(row.overdue_amount, 0.0 if days == 0 else 100.0)
        groups = dict(
            self.env["collection.analysis"]._read_group(
                [("partner_id", "=", self.customer.id)], ["bucket"], ["amount:sum"]
            )
        )
        self.assertEqual(
            groups,
            {
                "0_current": 100.0,
                "1_30": 200.0,
                "31_60": 200.0,
                "61_90": 200.0,
                "91_plus": 100.0,
            },
        )

    def test_credit_notes_payments_and_currencies(self):
        invoice = self.create_invoice(self.customer, 1000, "2026-02-01")
        self.pay(invoice, 400, "2026-03-01")
        refund = self.create_invoice(
            self.customer, 150, "2026-03-01", move_type="out_refund"
        )
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 0.5)])
        foreign = self.create_invoice(self.customer, 300, "2026-03-01", currency=eur)
        rows = self.rows(moves=invoice | refund | foreign)
        by_move = {row.move_id: row for row in rows}
        self.assertEqual(by_move[invoice].amount, 600.0)
        self.assertEqual(by_move[refund].amount, -150.0)
        self.assertEqual(by_move[refund].move_type, "credit_note")
        # in company currency: 300 EUR at 0.5 EUR a USD
        self.assertEqual(by_move[foreign].amount, 600.0)
        self.assertEqual(by_move[foreign].amount, foreign.amount_residual_signed)

    def test_collector_salesperson_and_who_reads_what(self):
        # the default collector of the settings (which write it as superuser)
        self.env["ir.default"].sudo().set(
            "res.partner",
            "collection_user_id",
            self.manager.id,
            company_id=self.env.company.id,
        )
        self.customer.collection_user_id = self.collector
        mine = self.create_invoice(self.customer, 100, "2026-03-01")
        theirs = self.create_invoice(self.other_customer, 200, "2026-03-01")
        self.assertEqual(self.rows(moves=mine).collector_id, self.collector)
        self.assertEqual(
            self.rows(moves=theirs).collector_id, self.manager, "the default collector"
        )
        self.assertEqual(self.rows(moves=mine).salesperson_id, self.salesperson)
        both = mine | theirs
        self.assertEqual(self.rows(self.collector, both).move_id, both)
        self.assertEqual(self.rows(self.salesperson, both).move_id, mine)
        self.assertEqual(self.rows(self.other_salesperson, both).move_id, theirs)
        plain = new_test_user(self.env, login="plain", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.rows(plain, both)

    def test_another_company_stays_out(self):
        company_2 = self.setup_other_company()["company"]
        customer_2 = self.env["res.partner"].create(
            {"name": "Brasserie Dupont", "is_company": True}
        )
        other = self.create_invoice(customer_2, 900, "2026-01-01", company=company_2)
        self.assertTrue(self.rows(moves=other).sudo())
        self.assertFalse(self.rows(self.collector, other))
        self.collector.company_ids += company_2
        self.assertEqual(
            self.env["collection.analysis"]
            .with_user(self.collector)
            .with_context(allowed_company_ids=company_2.ids)
            .search([("move_id", "=", other.id)])
            .amount,
            900.0,
        )
