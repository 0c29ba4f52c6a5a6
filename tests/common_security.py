from odoo import Command

from .common import CollectionCommon


class CollectionSecurityCommon(CollectionCommon):
    """What the attacks of the security tests are played on: a collector
    with a mandate, a manager, a salesperson, a dunning policy whose second
    level stops deliveries, and three open invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        cls.create_roles_and_mandate(
            max_delay_days=30,
            max_credit_amount=5000,
            max_waiver_amount=100,
            can_hold=False,
        )
        cls.policy = cls.create_policy(
            {"name": "Reminder", "sequence": 1, "days_after_due": 3},
            {
                "name": "Stop deliveries",
                "sequence": 2,
                "days_after_due": 40,
                "channel": "letter",
                "hold_deliveries": True,
                "automatic": False,
            },
            name="Business customers",
            level_order="by_age",
        )
        cls.customer.email = "compta@boulangerie.example.com"
        cls.other_customer.email = "compta@lefevre.example.com"
        cls.invoice = cls.create_invoice(cls.customer, 1000, "2026-03-05")  # 10 days
        cls.old_invoice = cls.create_invoice(cls.customer, 500, "2026-01-20")  # 54
        cls.other_invoice = cls.create_invoice(cls.other_customer, 700, "2026-03-01")

    def executed_run(self):
        run = self.new_run()
        run.action_propose()
        run.action_execute()
        return run

    def open_promise(self, moves=None, dates=("2026-03-25",), amount=300.0):
        moves = moves or self.invoice
        promise = (
            self.env["collection.promise"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(moves.ids)],
                    "line_ids": [
                        Command.create({"date": day, "amount": amount}) for day in dates
                    ],
                }
            )
        )
        promise.action_confirm()
        return promise
