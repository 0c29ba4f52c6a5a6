from contextlib import contextmanager

import freezegun

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# The tests freeze the date; pytest's own clock stays real, so that the
# slowest tests tools/test prints (--durations) are true durations.
freezegun.configure(extend_ignore_list=["_pytest"])

TODAY = "2026-03-15"
# the four roles every door is tried as, and what refusing them raises
ROLES = ("collector", "manager", "salesperson", "plain")
REFUSED = (AccessError, UserError, ValidationError)


class CollectionCommon(AccountTestInvoicingCommon):
    """A company in USD with a collector, two salespeople and their customers.

    Tests freeze the date at TODAY so that days overdue are exact."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        """The accounting company tools/test makes once, with Odoo's generic
        chart, as AccountTestInvoicingCommon makes one per class: each
        class's changes to it are rolled back with the class. Without it
        (Odoo's own runner), one per class as usual."""
        company = cls.env["res.company"].search(
            [("name", "=", "company_1_data")], limit=1
        )
        if kwargs or not company.chart_template:
            return super().setup_independent_company(**kwargs)
        cls.env.user.company_ids = [Command.link(company.id)]
        return company

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test's own user configures collection, as an administrator would.
        cls.env.user.groups_id += cls.env.ref(
            "credit_collection.group_collection_manager"
        )
        cls.collector, cls.manager, cls.salesperson, cls.other_salesperson = (
            cls.create_users(
                (
                    "collector",
                    "account.group_account_invoice,credit_collection.group_collection_user",
                ),
                (
                    "collection_manager",
                    "account.group_account_invoice,credit_collection.group_collection_manager",
                ),
                ("salesperson", "sales_team.group_sale_salesman"),
                ("other_salesperson", "sales_team.group_sale_salesman"),
            )
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
    def create_users(cls, *specs):
        """Users of the company from (login, groups) pairs, as new_test_user
        makes them (password: the login padded to 8 with x), in one create."""
        company = cls.env.company
        return cls.env["res.users"].create(
            [
                {
                    "login": login,
                    "name": f"{login} ({groups})",
                    "password": login + "x" * (8 - len(login)),
                    "email": f"{login[0]}.{login[0]}@example.com",
                    "company_id": company.id,
                    "company_ids": [Command.link(company.id)],
                    "groups_id": [
                        Command.set(
                            [cls.env.ref(group).id for group in groups.split(",")]
                        )
                    ],
                }
                for login, groups in specs
            ]
        )

    @classmethod
    def create_roles_and_mandate(cls, **limits):
        """Beside the collector, the manager and the salespeople: a plain
        internal user and an approver, who approves the mandate of the
        collector and the manager, given `limits` from 1 January 2026."""
        cls.plain, cls.approver = cls.create_users(
            ("plain", "base.group_user"),
            (
                "approver",
                "account.group_account_invoice,credit_collection.group_collection_manager",
            ),
        )
        cls.mandate = cls.env["collection.mandate"].create(
            {
                "name": "Collectors",
                "user_ids": [Command.set((cls.collector | cls.manager).ids)],
                "manager_id": cls.approver.id,
                "date_start": "2026-01-01",
                **limits,
            }
        )

    def as_role(self, role, records):
        return records.with_user(getattr(self, role))

    @contextmanager
    def refused(self):
        """The block is refused (AccessError, UserError, ValidationError) and
        rolled back."""
        try:
            with self.env.cr.savepoint():
                yield
        except REFUSED:
            return
        self.fail("got through")

    def assert_refused_to_all(self, attack, roles=ROLES):
        """`attack(role)` is refused to every role; the database is unchanged
        (each attempt runs in a savepoint the refusal rolls back)."""
        for role in roles:
            with self.subTest(role=role), self.refused():
                attack(role)

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
    def create_policy(cls, *levels, name="P", default=True, **values):
        """A dunning policy with these levels (in this order, unless they say
        their sequence), the company's default unless not `default`."""
        policy = cls.env["collection.policy"].create(
            {
                "name": name,
                "level_ids": [
                    Command.create({"sequence": sequence, **level})
                    for sequence, level in enumerate(levels, start=1)
                ],
                **values,
            }
        )
        if default:
            cls.env.company.collection_policy_id = policy
        return policy

    def new_run(self, policies=None, user=None, company=None, **values):
        """A dunning run of `policies` (the class's `policy` by default),
        created by `user` (the collector by default) in `company`."""
        company = company or self.env.company
        return (
            self.env["collection.run"]
            .with_user(user or self.collector)
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "policy_ids": [Command.set((policies or self.policy).ids)],
                    **values,
                }
            )
        )

    def executed_policy_run(self, policy):
        """A run of `policy` proposed and executed by the collector."""
        run = self.new_run(policy)
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
