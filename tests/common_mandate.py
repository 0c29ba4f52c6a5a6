from odoo import Command

from .common import CollectionCommon


class CollectionMandateCommon(CollectionCommon):
    """A collector's mandate (15 days, 5,000.00 of credit, 100.00 of waiver,
    holds but no release) and two invoices of 10,000.00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        cls.mandate = cls.env["collection.mandate"].create(
            {
                "name": "Junior collectors",
                "user_ids": [Command.set(cls.collector.ids)],
                "manager_id": cls.manager.id,
                "date_start": "2026-01-01",
                "max_delay_days": 15,
                "max_credit_amount": 5000,
                "max_waiver_amount": 100,
                "can_hold": True,
                "can_release": False,
            }
        )
        cls.invoice = cls.create_invoice(cls.customer, 10000, "2026-03-10")
        cls.old_invoice = cls.create_invoice(cls.customer, 10000, "2026-01-31")

    def use(self, measure, moves=None, user=None, **values):
        wizard = (
            self.env["collection.measure.wizard"]
            .with_user(user or self.collector)
            .create(
                {
                    "measure": measure,
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(moves.ids)] if moves else [],
                    "reason": "Will pay at the end of the month",
                    **values,
                }
            )
        )
        return wizard._request()
