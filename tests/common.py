from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

TODAY = "2026-03-15"


class CollectionCommon(AccountTestInvoicingCommon):
    """A company in USD with a collector, two salespeople and their customers.

    Tests freeze the date at TODAY so that days overdue are exact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # The test's own user configures collection, as an administrator would.
        cls.env.user.groups_id += cls.env.ref(
            "credit_collection.group_collection_manager"
        )
        cls.collector = new_test_user(
            cls.env,
            login="collector",
            groups="account.group_account_invoice,credit_collection.group_collection_user",
            company_id=company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="collection_manager",
            groups="account.group_account_invoice,credit_collection.group_collection_manager",
            company_id=company.id,
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="salesperson",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
        )
        cls.other_salesperson = new_test_user(
            cls.env,
            login="other_salesperson",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Boulangerie Martin",
                "is_company": True,
                "user_id": cls.salesperson.id,
            }
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Paul Martin", "parent_id": cls.customer.id, "type": "invoice"}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Transports Lefèvre",
                "is_company": True,
                "user_id": cls.other_salesperson.id,
            }
        )

    @classmethod
    def create_invoice(
        cls,
        partner,
        amount,
        due,
        move_type="out_invoice",
        currency=None,
        company=None,
        post=True,
    ):
        """A customer invoice of `amount` without tax, due on `due`."""
        company = company or cls.env.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.subtract(
                        fields.Date.to_date(due), days=30
                    ),
                    "invoice_date_due": due,
                    "invoice_payment_term_id": False,
                    # the customer's salesperson, as an invoice of its order has
                    "invoice_user_id": partner.commercial_partner_id.user_id.id,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Flour, pallet of 40 bags",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def create_policy(cls, *levels, name="P", **values):
        """A dunning policy with these levels, the company's default."""
        policy = cls.env["collection.policy"].create(
            {
                "name": name,
                "level_ids": [Command.create(level) for level in levels],
                **values,
            }
        )
        cls.env.company.collection_policy_id = policy
        return policy

    def executed_policy_run(self, policy):
        """A run of `policy` proposed and executed by the collector."""
        run = (
            self.env["collection.run"]
            .with_user(self.collector)
            .create({"policy_ids": [Command.set(policy.ids)]})
        )
        run.action_propose()
        run.action_execute()
        return run

    @classmethod
    def pay(cls, invoice, amount, date, currency=None):
        """Register a payment of `amount` on `invoice`, leaving the rest open."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": date,
                    "currency_id": (currency or invoice.currency_id).id,
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )

    @classmethod
    def reconcile(cls, *moves):
        lines = cls.env["account.move.line"]
        for move in moves:
            lines |= move.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
        lines.reconcile()
