from odoo.tests import BaseCase, tagged

from odoo.addons.credit_collection.models.collection_kpi import (
    average_days_delinquent,
    best_possible_dso,
    cei,
    dso_countback,
    dso_standard,
    kept_rate,
)


@tagged("post_install", "-at_install")
class TestCollectionKpi(BaseCase):
    """The KPI formulas of docs/kpis.md, on figures worked by hand."""

    def test_dso_countback_example_of_the_rules(self):
        # receivables 212k, sales 100k (latest), 80k, 70k in 30-day months:
        # 30 + 30 + 32/70 * 30 = 73.71 days
        days = dso_countback(212000, [(100000, 30), (80000, 30), (70000, 30)])
        self.assertAlmostEqual(days, 73.71, places=2)
        # receivables within the last month: its share only
        self.assertAlmostEqual(dso_countback(50000, [(100000, 31)]), 15.5)
        # more than every month given: the months given
        self.assertEqual(dso_countback(500000, [(100000, 30), (80000, 31)]), 61)
        # a month without sales is covered whole
        self.assertEqual(dso_countback(100000, [(0, 30), (100000, 31)]), 61)
        self.assertEqual(dso_countback(0, [(100000, 30)]), 0)

    def test_dso_best_and_days_delinquent(self):
        # a quarter of 90 days: 250k sold, 212k open of which 120k not yet due
        dso = dso_standard(212000, 250000, 90)
        best = best_possible_dso(120000, 250000, 90)
        self.assertAlmostEqual(dso, 76.32, places=2)
        self.assertAlmostEqual(best, 43.2, places=2)
        self.assertAlmostEqual(average_days_delinquent(dso, best), 33.12, places=2)
        self.assertIsNone(dso_standard(1000, 0, 90), "no sales: no DSO")
        self.assertIsNone(average_days_delinquent(None, best))

    def test_cei(self):
        # start 200k, 300k sold in 3 months, end 220k of which 120k current:
        # (200 + 100 - 220) / (200 + 100 - 120) = 80 / 180 = 44.44 %
        self.assertAlmostEqual(cei(200000, 300000, 3, 220000, 120000), 44.44, places=2)
        # everything collectable collected
        self.assertEqual(cei(200000, 300000, 3, 120000, 120000), 100)
        self.assertIsNone(cei(0, 0, 3, 0, 0))

    def test_kept_rate(self):
        self.assertEqual(kept_rate(3, 1), 75)
        self.assertIsNone(kept_rate(0, 0), "no promise ended: no rate")
