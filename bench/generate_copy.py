"""The SQL half of the benchmark's book: the seeds' moves, lines and
reconciliations copied for every new document, each for a customer and
shifted in time, then numbered as Odoo numbers them."""

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


class BookCopier:
    """Mixed into `generate.Generator`: copies in SQL."""

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
            WITH counted AS (
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
            ), numbered AS (
                -- six digits at least, more past 999,999 (a million documents)
                SELECT id, prefix, number,
                       lpad(number::text, greatest(6, length(number::text)), '0')
                           AS digits
                  FROM counted
            )
            UPDATE account_move move
               SET name = numbered.prefix || numbered.digits,
                   sequence_prefix = numbered.prefix,
                   sequence_number = numbered.number,
                   payment_reference = CASE WHEN move.payment_reference IS NOT NULL
                       THEN numbered.prefix || numbered.digits END
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
