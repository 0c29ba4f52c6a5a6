from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user

from .common import CollectionCommon


class CollectionInsuranceCommon(CollectionCommon):
    """A credit insurance policy with Allianz Trade, its customer insured
    since 1 January 2025 for 10,000.00, a collector with a mandate, a
    manager and a plain user."""

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
