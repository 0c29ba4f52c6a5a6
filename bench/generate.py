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

from lib import environment, log

from odoo import Command, fields

# customers, customer documents (invoices and credit notes)
SIZES = {
    "quick": (200, 2_000),
    "10k": (1_000, 10_000),
    "100k": (10_000, 100_000),
}

# group kind: weight in the book
KINDS = {
    "open": 62,
    "partial": 12,
    "paid": 5,
    "open_usd": 6,
    "open_gbp": 3,
    "partial_usd": 3,
    "two_installments": 3,
    "credit_note_reconciled": 3,
    "credit_note_open": 3,
}
AMOUNTS = [95.0, 240.0, 480.0, 1250.0, 3600.0, 9800.0]
DISPUTED_SHARE = 0.03
PROMISE_SHARE = 0.02


class Generator:
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
    # copies in SQL
    # ------------------------------------------------------------------

    def copy_seeds(self, groups, partners):
        cr = self.cr
        by_kind = {}
        for kind, moves in groups:
            by_kind.setdefault(kind, []).append(moves)
        seed_rows, group_ids = [], {}
        for group_id, (_kind, moves) in enumerate(groups):
            group_ids[moves] = group_id
            seed_rows += [(group_id, move.id) for move in moves]
        kinds, weights = zip(*KINDS.items(), strict=True)
        partner_ids = partners.ids
        clone_rows, documents = [], 0
        while documents < self.documents:
            kind = self.random.choices(kinds, weights)[0]
            moves = self.random.choice(by_kind[kind])
            latest = max(moves.mapped("date"))
            # due dates over the last year; payments never in the future
            shift = self.random.randint(-335, (self.today - latest).days)
            # a few customers have many invoices, most have a few
            partner = partner_ids[int(len(partner_ids) * self.random.random() ** 1.6)]
            clone_rows.append((len(clone_rows) + 1, group_ids[moves], shift, partner))
            documents += len(moves.filtered(lambda m: m.move_type != "entry"))
        cr.execute(
            """
            CREATE TEMP TABLE bench_clone (clone_id int, group_id int, shift int,
                                           partner_id int) ON COMMIT DROP;
            CREATE TEMP TABLE bench_seed (group_id int, move_id int) ON COMMIT DROP;
            """
        )
        self._insert("bench_clone", clone_rows)
        self._insert("bench_seed", seed_rows)
        cr.execute(
            """
            CREATE TEMP TABLE bench_move_map ON COMMIT DROP AS
                SELECT c.clone_id, c.shift, c.partner_id, s.move_id AS old_id,
                       nextval('account_move_id_seq') AS new_id
                  FROM bench_clone c JOIN bench_seed s USING (group_id);
            CREATE INDEX ON bench_move_map (old_id, clone_id);
            CREATE TEMP TABLE bench_line_map ON COMMIT DROP AS
                SELECT mm.clone_id, mm.shift, mm.partner_id, mm.new_id AS move_id,
                       line.id AS old_id, nextval('account_move_line_id_seq') AS new_id
                  FROM bench_move_map mm
                  JOIN account_move_line line ON line.move_id = mm.old_id;
            CREATE INDEX ON bench_line_map (old_id, clone_id);
            CREATE TEMP TABLE bench_full_map ON COMMIT DROP AS
                SELECT clone_id, old_id,
                       nextval('account_full_reconcile_id_seq') AS new_id
                  FROM (SELECT DISTINCT lm.clone_id, line.full_reconcile_id AS old_id
                          FROM bench_line_map lm
                          JOIN account_move_line line ON line.id = lm.old_id
                         WHERE line.full_reconcile_id IS NOT NULL) seeds;
            CREATE INDEX ON bench_full_map (old_id, clone_id);
            CREATE TEMP TABLE bench_partial_map ON COMMIT DROP AS
                SELECT lm.clone_id, lm.shift, partial.id AS old_id,
                       nextval('account_partial_reconcile_id_seq') AS new_id
                  FROM bench_line_map lm
                  JOIN account_partial_reconcile partial
                       ON partial.debit_move_id = lm.old_id;
            CREATE INDEX ON bench_partial_map (old_id, clone_id);
            """
        )
        shifted = "{col} + map.shift"
        self._copy(
            "account_move",
            "bench_move_map",
            {
                "partner_id": "map.partner_id",
                "commercial_partner_id": "map.partner_id",
                "partner_shipping_id": "map.partner_id",
                "date": shifted,
                "invoice_date": shifted,
                "invoice_date_due": shifted,
                "delivery_date": shifted,
                "name": "src.name || '#' || map.clone_id",
                "access_token": "NULL",
                "reversed_entry_id": (
                    "(SELECT x.new_id FROM bench_move_map x WHERE x.clone_id ="
                    " map.clone_id AND x.old_id = src.reversed_entry_id)"
                ),
            },
        )
        self._copy(
            "account_full_reconcile", "bench_full_map", {"exchange_move_id": "NULL"}
        )
        self._copy(
            "account_move_line",
            "bench_line_map",
            {
                "move_id": "map.move_id",
                "partner_id": "CASE WHEN src.partner_id IS NULL THEN NULL"
                " ELSE map.partner_id END",
                "date": shifted,
                "date_maturity": shifted,
                "insurance_due_date": shifted,
                "invoice_date": shifted,
                "discount_date": shifted,
                "full_reconcile_id": (
                    "(SELECT x.new_id FROM bench_full_map x WHERE x.clone_id ="
                    " map.clone_id AND x.old_id = src.full_reconcile_id)"
                ),
                "matching_number": (
                    "CASE WHEN src.full_reconcile_id IS NOT NULL THEN"
                    " (SELECT x.new_id::text FROM bench_full_map x WHERE x.clone_id ="
                    " map.clone_id AND x.old_id = src.full_reconcile_id)"
                    " WHEN src.matching_number LIKE 'P%%' THEN 'P' ||"
                    " (SELECT x.new_id FROM bench_partial_map x WHERE x.clone_id ="
                    " map.clone_id AND x.old_id = substr(src.matching_number, 2)::int)"
                    " END"
                ),
            },
        )
        line = (
            "(SELECT x.new_id FROM bench_line_map x WHERE x.clone_id = map.clone_id"
            " AND x.old_id = {col})"
        )
        self._copy(
            "account_partial_reconcile",
            "bench_partial_map",
            {
                "debit_move_id": line,
                "credit_move_id": line,
                "full_reconcile_id": (
                    "(SELECT x.new_id FROM bench_full_map x WHERE x.clone_id ="
                    " map.clone_id AND x.old_id = src.full_reconcile_id)"
                ),
                "exchange_move_id": "NULL",
                "max_date": shifted,
            },
        )
        for table, column in (
            ("account_move_line_account_tax_rel", "account_tax_id"),
            ("account_account_tag_account_move_line_rel", "account_account_tag_id"),
        ):
            cr.execute(
                f"""
                INSERT INTO {table} (account_move_line_id, {column})
                SELECT map.new_id, rel.{column}
                  FROM bench_line_map map
                  JOIN {table} rel ON rel.account_move_line_id = map.old_id
                """
            )
        cr.execute("SELECT count(*) FROM bench_move_map")
        return cr.fetchone()[0]

    def _insert(self, table, rows):
        from psycopg2.extras import execute_values

        execute_values(
            self.cr._obj, f"INSERT INTO {table} VALUES %s", rows, page_size=5000
        )

    def _copy(self, table, map_table, overrides):
        """Copy the rows of `table` whose id is a map's old_id, with its new_id."""
        self.cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
            [table],
        )
        columns = [row[0] for row in self.cr.fetchall()]
        values = [
            overrides[col].format(col=f"src.{col}")
            if col in overrides
            else f"src.{col}"
            for col in columns
        ]
        self.cr.execute(
            f"""
            INSERT INTO {table} (id, {", ".join(columns)})
            SELECT map.new_id, {", ".join(values)}
              FROM {map_table} map JOIN {table} src ON src.id = map.old_id
            """
        )

    def renumber(self):
        """Name every sale and bank document in sequence per journal, prefix and
        year, as Odoo would have."""
        self.cr.execute(
            """
            WITH numbered AS (
                SELECT id,
                       split_part(name, '/', 1) || '/' || to_char(date, 'YYYY') || '/'
                           AS prefix,
                       row_number() OVER (
                           PARTITION BY journal_id, split_part(name, '/', 1),
                                        to_char(date, 'YYYY')
                           ORDER BY date, id) AS number
                  FROM account_move
                 WHERE state = 'posted' AND journal_id IN (
                       SELECT id FROM account_journal WHERE type IN ('sale', 'bank'))
            )
            UPDATE account_move move
               SET name = numbered.prefix || lpad(numbered.number::text, 6, '0'),
                   sequence_prefix = numbered.prefix,
                   sequence_number = numbered.number,
                   payment_reference = CASE WHEN move.payment_reference IS NOT NULL
                       THEN numbered.prefix || lpad(numbered.number::text, 6, '0') END
              FROM numbered
             WHERE move.id = numbered.id;

            UPDATE account_move move
               SET invoice_partner_display_name = partner.name
              FROM res_partner partner
             WHERE partner.id = move.partner_id AND move.invoice_partner_display_name
                   IS DISTINCT FROM partner.name AND move.move_type != 'entry';

            UPDATE account_move_line line
               SET move_name = move.name,
                   name = CASE WHEN line.display_type = 'payment_term'
                          THEN COALESCE(move.payment_reference, '') ELSE line.name END
              FROM account_move move
             WHERE move.id = line.move_id AND line.move_name IS DISTINCT FROM move.name;
            """
        )

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
