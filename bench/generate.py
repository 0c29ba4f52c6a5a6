"""Build a large receivable book in a database of its own.

    python3 bench/generate.py CONFIG DATABASE SIZE

SIZE is one of SIZES below. The ORM makes a few dozen real documents
once (the seeds: invoices with tax, in euros, dollars and pounds, partial and
full payments, credit notes partly reconciled or left open) and the customers;
SQL then copies the seeds' moves, lines and reconciliations for every new
document, each for a customer and shifted in time, so that every stored amount
is the one the ORM computed. Due dates spread over the last year; a share of
the invoices is disputed, some customers are under a promise. The receivable
balance must equal the sum of the open items at the end, or it fails.
"""

import random
import sys
from datetime import timedelta

from generate_copy import BookCopier
from lib import environment, log

from odoo import Command, fields

# customers, customer documents (invoices and credit notes)
SIZES = {
    "quick": (200, 2_000),
    "10k": (1_000, 10_000),
    "100k": (10_000, 100_000),
    "1m": (100_000, 1_000_000),
}

AMOUNTS = [95.0, 240.0, 480.0, 1250.0, 3600.0, 9800.0]
DISPUTED_SHARE = 0.03
PROMISE_SHARE = 0.02


class Generator(BookCopier):
    def __init__(self, env, customers, documents, seed=42):
        self.env = env
        self.cr = env.cr
        self.customers = customers
        self.documents = documents
        self.random = random.Random(seed)
        self.company = env.company
        self.today = fields.Date.context_today(env["res.partner"])
        # seeds are invoiced 60 days ago, due 30 days ago, paid in between
        self.base = self.today - timedelta(days=60)

    # ------------------------------------------------------------------
    # set-up with the ORM
    # ------------------------------------------------------------------

    def setup(self):
        env = self.env
        env["res.company"]._collection_create_demo_rates()
        currencies = {}
        for code, rate in (("USD", 1.08), ("GBP", 0.86)):
            currency = env.ref(f"base.{code}")
            currency.active = True
            env["res.currency.rate"].create(
                {
                    "name": "2020-01-01",
                    "currency_id": currency.id,
                    "company_id": self.company.id,
                    "rate": rate,
                }
            )
            currencies[code] = currency
        self.currencies = currencies
        tax = self.company.account_sale_tax_id
        self.product = env["product.product"].create(
            {
                "name": "Consulting day",
                "type": "service",
                "taxes_id": [Command.set(tax.ids)],
            }
        )
        self.term_30 = env.ref("account.account_payment_term_30days")
        self.term_two = env["account.payment.term"].create(
            {
                "name": "Half at 30 days, half at 60 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 30}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 60}
                    ),
                ],
            }
        )
        self.bank = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        self.collectors = env["res.users"].create(
            [
                {
                    "name": f"Collector {i}",
                    "login": f"collector{i}",
                    "groups_id": [
                        Command.link(
                            env.ref("credit_collection.group_collection_user").id
                        ),
                        Command.link(env.ref("account.group_account_invoice").id),
                    ],
                }
                for i in (1, 2, 3)
            ]
        )
        self.salespeople = env["res.users"].create(
            [
                {
                    "name": f"Salesperson {i}",
                    "login": f"sales{i}",
                    "groups_id": [
                        Command.link(env.ref("sales_team.group_sale_salesman").id)
                    ],
                }
                for i in (1, 2)
            ]
        )
        self.seed_partner = env["res.partner"].create(
            {"name": "Seed customer", "is_company": True, "email": "seed@example.com"}
        )
        self._setup_credit_control()

    def _setup_credit_control(self):
        """OCA's credit control, where installed: a policy on the receivable
        account with the delays of our business policy's reminders."""
        if "credit.control.policy" not in self.env:
            return
        receivable = self.seed_partner.property_account_receivable_id
        template = self.env.ref(
            "account_credit_control.email_template_credit_control_base"
        )
        levels = self.company.collection_policy_id.level_ids.filtered(
            lambda level: level.days_after_due > 0
        ).sorted("days_after_due")
        policy = self.env["credit.control.policy"].create(
            {
                "name": "Business customers",
                "account_ids": [Command.set(receivable.ids)],
                "company_id": self.company.id,
                "level_ids": [
                    Command.create(
                        {
                            "name": level.name,
                            "level": index,
                            "computation_mode": "net_days",
                            "delay_days": level.days_after_due,
                            "email_template_id": template.id,
                            "channel": "email"
                            if level.channel == "email"
                            else "letter",
                            "custom_text": level.name,
                            "custom_mail_text": level.name,
                        }
                    )
                    for index, level in enumerate(levels, start=1)
                ],
            }
        )
        self.company.credit_policy_id = policy

    # ------------------------------------------------------------------
    # seeds with the ORM
    # ------------------------------------------------------------------

    def _invoice(self, amount, currency=None, move_type="out_invoice", term=None):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.seed_partner.id,
                "invoice_date": self.base,
                "currency_id": (currency or self.company.currency_id).id,
                "invoice_payment_term_id": (
                    (term or self.term_30).id if move_type == "out_invoice" else False
                ),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "quantity": 1,
                            "price_unit": amount,
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _pay(self, invoice, share, days):
        """A bank entry paying `share` of the invoice `days` after it, in its
        currency, reconciled with it."""
        receivable = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )[:1]
        amount_currency = invoice.currency_id.round(invoice.amount_total * share)
        balance = self.company.currency_id.round(
            amount_currency * receivable.balance / receivable.amount_currency
        )
        payment = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.bank.id,
                "date": self.base + timedelta(days=days),
                "ref": f"Payment {invoice.name}",
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.bank.default_account_id.id,
                            "currency_id": invoice.currency_id.id,
                            "amount_currency": amount_currency,
                            "balance": balance,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": receivable.account_id.id,
                            "partner_id": self.seed_partner.id,
                            "currency_id": invoice.currency_id.id,
                            "amount_currency": -amount_currency,
                            "balance": -balance,
                        }
                    ),
                ],
            }
        )
        payment.action_post()
        (receivable + payment.line_ids.filtered("partner_id")).reconcile()
        return payment

    def _credit(self, invoice, share):
        refund = self._invoice(
            invoice.amount_untaxed * share,
            currency=invoice.currency_id,
            move_type="out_refund",
        )
        refund.reversed_entry_id = invoice
        lines = (invoice.line_ids | refund.line_ids).filtered(
            lambda line: line.display_type == "payment_term"
        )
        lines.reconcile()
        return refund

    def make_seeds(self):
        """[(kind, moves)]: each group is copied whole."""
        usd, gbp = self.currencies["USD"], self.currencies["GBP"]
        groups = []
        for amount in AMOUNTS:
            groups.append(("open", self._invoice(amount)))
            invoice = self._invoice(amount)
            share = self.random.choice([0.3, 0.5, 0.7])
            groups.append(("partial", invoice | self._pay(invoice, share, 20)))
            invoice = self._invoice(amount)
            groups.append(("paid", invoice | self._pay(invoice, 1.0, 25)))
            groups.append(("open_usd", self._invoice(amount, usd)))
            groups.append(("open_gbp", self._invoice(amount, gbp)))
            invoice = self._invoice(amount, usd)
            groups.append(("partial_usd", invoice | self._pay(invoice, 0.5, 15)))
            groups.append(
                ("two_installments", self._invoice(amount, term=self.term_two))
            )
            invoice = self._invoice(amount)
            groups.append(
                ("credit_note_reconciled", invoice | self._credit(invoice, 0.2))
            )
            groups.append(
                ("credit_note_open", self._invoice(amount / 4, move_type="out_refund"))
            )
        self.env.flush_all()
        return groups

    # ------------------------------------------------------------------
    # customers with the ORM
    # ------------------------------------------------------------------

    def make_customers(self):
        countries = [self.env.ref("base.fr"), self.env.ref("base.be")]
        values = []
        for index in range(1, self.customers + 1):
            country = countries[index % 5 == 0]
            values.append(
                {
                    "name": f"Customer {index:06d}",
                    "is_company": index % 40 != 0,
                    "email": f"billing{index}@customer.example.com"
                    if index % 25
                    else False,
                    "country_id": country.id,
                    "lang": "en_US",
                    "user_id": self.salespeople[index % 2].id if index % 3 else False,
                }
            )
        partners = self.env["res.partner"]
        for start in range(0, len(values), 2000):
            partners |= partners.create(values[start : start + 2000])
        for index, collector in enumerate(self.collectors):
            partners.filtered(lambda p, i=index: p.id % 3 == i).write(
                {"collection_user_id": collector.id}
            )
        self.env.flush_all()
        return partners

    # ------------------------------------------------------------------
    # collection situations
    # ------------------------------------------------------------------

    def dispute(self):
        reason = self.env["collection.reason"].search(
            [("is_dispute", "=", True)], limit=1
        )
        self.cr.execute(
            """
            UPDATE account_move
               SET collection_disputed = TRUE,
                   collection_reason_id = %(reason)s,
                   collection_dispute_user_id = %(user)s,
                   collection_dispute_date = LEAST(invoice_date_due + 7, %(today)s)
             WHERE move_type = 'out_invoice' AND state = 'posted'
               AND payment_state IN ('not_paid', 'partial')
               AND invoice_date_due < %(today)s
               AND abs(hashtext(name)) %% 1000 < %(share)s
            """,
            {
                "reason": reason.id,
                "user": self.collectors[0].id,
                "today": self.today,
                "share": int(DISPUTED_SHARE * 1000),
            },
        )
        return self.cr.rowcount

    def promise(self, partners):
        """Open promises for a share of the customers with overdue invoices:
        half due in the coming weeks, half already past their date unpaid (the
        evaluation breaks them)."""
        self.cr.execute(
            """
            SELECT commercial_partner_id, array_agg(id ORDER BY invoice_date_due),
                   sum(amount_residual)
              FROM account_move
             WHERE move_type = 'out_invoice' AND state = 'posted'
               AND payment_state IN ('not_paid', 'partial')
               AND invoice_date_due < %s AND currency_id = %s
               AND commercial_partner_id = ANY(%s)
               AND NOT COALESCE(collection_disputed, FALSE)
          GROUP BY commercial_partner_id
            """,
            [self.today, self.company.currency_id.id, partners.ids],
        )
        rows = self.cr.fetchall()
        chosen = self.random.sample(rows, int(len(partners) * PROMISE_SHARE))
        values = []
        for index, (partner_id, move_ids, amount) in enumerate(chosen):
            days = self.random.randint(3, 30) * (1 if index % 2 else -1)
            values.append(
                {
                    "partner_id": partner_id,
                    "user_id": self.collectors[index % 3].id,
                    "move_ids": [Command.set(move_ids[:5])],
                    "date": self.today - timedelta(days=40),
                    "state": "open",
                    "line_ids": [
                        Command.create(
                            {
                                "date": self.today + timedelta(days=days),
                                "amount": round(float(amount) / 2, 2),
                            }
                        )
                    ],
                }
            )
        self.env["collection.promise"].create(values)
        self.env.flush_all()
        return len(values)

    def check(self):
        """The receivable balance is the sum of the open items; each move
        balances."""
        self.cr.execute(
            """
            SELECT sum(line.balance), sum(line.amount_residual),
                   count(*) FILTER (WHERE NOT line.reconciled),
                   (SELECT count(*) FROM (SELECT move_id FROM account_move_line
                                          GROUP BY move_id HAVING sum(balance) != 0) u)
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
             WHERE account.account_type = 'asset_receivable'
               AND line.parent_state = 'posted'
            """
        )
        balance, residual, open_items, unbalanced = self.cr.fetchone()
        if balance != residual or unbalanced:
            sys.exit(
                f"inconsistent book: receivable balance {balance},"
                f" open items {residual}, {unbalanced} unbalanced moves"
            )
        return balance, open_items


def main(config, database, size):
    customers, documents = SIZES[size]
    with environment(config, database) as env:
        generator = Generator(env, customers, documents)
        log(f"seeds and {customers} customers with the ORM")
        generator.setup()
        groups = generator.make_seeds()
        partners = generator.make_customers()
        log(f"copying the seeds into {documents} customer documents with SQL")
        moves = generator.copy_seeds(groups, partners)
        generator.renumber()
        env.invalidate_all()
        disputed = generator.dispute()
        promises = generator.promise(partners)
        balance, open_items = generator.check()
        env.cr.commit()
        log(
            f"{moves} moves, {open_items} open receivable items, receivable balance"
            f" {balance:.2f} = sum of open items; {disputed} disputed invoices,"
            f" {promises} promises"
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
