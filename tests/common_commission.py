from odoo import Command
from odoo.tests import new_test_user

from .common import CollectionCommon


class CollectionCommissionCommon(CollectionCommon):
    """A salesperson at 5 %, the company at 2 %, a VAT of 21 %, a plain user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["collection.commission.rate"].create(
            {"user_id": cls.salesperson.id, "rate": 5.0}
        )
        cls.env.company.commission_rate = 2.0
        cls.vat = cls.env["account.tax"].create(
            {"name": "VAT 21 %", "amount": 21.0, "type_tax_use": "sale"}
        )
        cls.plain = new_test_user(cls.env, login="plain", groups="base.group_user")

    @classmethod
    def invoice(cls, due="2026-03-31", partner=None, currency=None, untaxed=1000.0):
        """A posted invoice of `untaxed` + 21 % VAT due on `due`."""
        partner = partner or cls.customer
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2026-03-01",
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_user_id": partner.user_id.id,
                "currency_id": (currency or cls.env.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Flour, pallet of 40 bags",
                            "quantity": 1,
                            "price_unit": untaxed,
                            "tax_ids": [Command.set(cls.vat.ids)],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def settle(self, date_from, date_to, users=None):
        wizard = (
            self.env["collection.commission.settle.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "date_from": date_from,
                    "date_to": date_to,
                    "user_ids": [Command.set((users or self.salesperson).ids)],
                }
            )
        )
        action = wizard.action_settle()
        return self.env["collection.commission.settlement"].search(action["domain"])
