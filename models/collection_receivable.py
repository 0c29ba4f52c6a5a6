from collections import defaultdict
from datetime import datetime

import pytz

from odoo import api, models
from odoo.tools import SQL

# The customer documents collection dunns and charges.
COLLECTED_MOVE_TYPES = ("out_invoice", "out_receipt")
# invoices of the receivable book a dunning proposal holds at once
BOOK_PAGE = 10000


class CollectionReceivable(models.AbstractModel):
    """The receivable book, the one place that says:

    - what an *open item* is: a posted line on a receivable account not fully
      reconciled (an invoice's installments, but also unmatched payments and
      credit notes, which lower a customer's balance);
    - what an *installment* of a customer invoice is: its receivable line, with
      its original due date and its reductions (payments from their date,
      credit notes from the due date); "the due date" of an invoice is its
      oldest unpaid installment's;
    - which *policy* applies to an invoice: the invoice's, else its customer's
      in the invoice's company, else the company's.

    Runs, customer and invoice status, the aged balance, charges and promises
    ask it, in SQL for whole books."""

    _name = "collection.receivable"
    _description = "Collection: Receivable Book"

    @api.model
    def _get_today(self, company=None):
        """Today in the company's day (its Collection Time Zone, a setting of
        administrators): the one "today" of every rule (the day a run is
        dated, lateness and interest are counted to, a mandate's days are
        weighed from, promises start from). Never the time zone of a user's
        context nor of an address a user may edit: neither moves a rule by a
        day. Only the dates a form proposes (its defaults) read the user's
        own day."""
        company = (company or self.env.company).sudo()
        try:
            zone = pytz.timezone(company.collection_tz or "UTC")
        except pytz.UnknownTimeZoneError:
            zone = pytz.utc
        return datetime.now(zone).date()

    # ------------------------------------------------------------
    # OPEN ITEMS
    # ------------------------------------------------------------

    @api.model
    def _get_open_item_domain(self):
        """Open items, as a domain on account.move.line."""
        return [
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
        ]

    @api.model
    def _get_receivable_condition(self, line="line", account="account"):
        """SQL: the line (joined to its account) is a posted receivable line,
        reconciled or not."""
        return SQL(
            "%s = 'asset_receivable' AND %s = 'posted'",
            SQL.identifier(account, "account_type"),
            SQL.identifier(line, "parent_state"),
        )

    @api.model
    def _get_open_item_condition(self, line="line", account="account"):
        """SQL: the line (joined to its account) is an open item."""
        return SQL(
            "%s AND NOT %s",
            self._get_receivable_condition(line, account),
            SQL.identifier(line, "reconciled"),
        )

    @api.model
    def _is_open_installment(self, line):
        """Python twin of the SQL above, for a line already in memory."""
        return (
            line.parent_state == "posted"
            and line.account_type == "asset_receivable"
            and not line.reconciled
            and line.amount_residual > 0
        )

    @api.model
    def _get_cash_share_sql(self, move="payment"):
        """SQL: the share of a payment's entry that is cash (its bank or
        outstanding account's lines) in what it takes off the receivable: a
        write-off or a difference booked with the payment collects nothing
        (docs/commission.md). 1 for an entry without receivable."""
        return SQL(
            """(
            SELECT CASE WHEN COALESCE(ABS(SUM(cash_line.balance) FILTER (
                                 WHERE cash_account.account_type = 'asset_receivable'
                             )), 0) = 0 THEN 1
                        ELSE LEAST(1, COALESCE(ABS(SUM(cash_line.balance) FILTER (
                                 WHERE cash_line.account_id IN (
                                     SELECT journal.default_account_id
                                       FROM account_journal journal
                                      WHERE journal.id = cash_line.journal_id
                                      UNION ALL
                                     SELECT pay.outstanding_account_id
                                       FROM account_payment pay
                                      WHERE pay.move_id = cash_line.move_id
                                 )
                             )), 0) / ABS(SUM(cash_line.balance) FILTER (
                                 WHERE cash_account.account_type = 'asset_receivable'
                             )))
                   END
              FROM account_move_line cash_line
              JOIN account_account cash_account
                   ON cash_account.id = cash_line.account_id
             WHERE cash_line.move_id = %s
            )""",
            SQL.identifier(move, "id"),
        )

    @api.model
    def _get_collected_sql(self, amount, payment_move="payment_move"):
        """SQL: what a reconciliation of `amount` with the entry `payment_move`
        collected, the one meaning of "collected" (docs/commission.md): the
        cash share of a payment's entry; a credit note collects nothing (it
        lowers what is due), nor does a write-off or an exchange difference."""
        return SQL(
            "CASE WHEN %s = 'entry' THEN %s * %s ELSE 0 END",
            SQL.identifier(payment_move, "move_type"),
            amount,
            self._get_cash_share_sql(payment_move),
        )

    # ------------------------------------------------------------
    # INSTALLMENTS AND DUE DATES
    # ------------------------------------------------------------

    @api.model
    def _get_due_date_sql(self, line="line"):
        """SQL: the due date an installment's lateness counts from: the one it
        was first posted with (docs/README.md, original due dates), or an
        earlier one written since. A later due date written on a posted
        invoice is an extension, which the mandate decides."""
        return SQL(
            "LEAST(%s, %s)",
            SQL.identifier(line, "date_maturity"),
            SQL.identifier(line, "insurance_due_date"),
        )

    @api.model
    def _get_due_date(self, line):
        """Python twin of `_get_due_date_sql`, for a line already in memory."""
        dates = [d for d in (line.date_maturity, line.insurance_due_date) if d]
        return min(dates, default=None)

    @api.model
    def _get_installments(self, moves):
        """{move id: [(due date, amount, [(date, reduction)])]} in invoice
        currency, one query for the recordset. A payment reduces the open
        amount on its date; a credit note reduces it from the due date, for
        what it credits was never owed."""
        if not moves:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT line.move_id, line.id, %(due)s, line.amount_currency,
                       partial.debit_amount_currency, counterpart.date,
                       counterpart_move.move_type IN ('out_refund', 'in_refund')
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
             LEFT JOIN account_partial_reconcile partial
                       ON partial.debit_move_id = line.id
             LEFT JOIN account_move_line counterpart
                       ON counterpart.id = partial.credit_move_id
             LEFT JOIN account_move counterpart_move
                       ON counterpart_move.id = counterpart.move_id
                 WHERE line.move_id = ANY(%(ids)s)
                   AND account.account_type = 'asset_receivable'
                   AND line.amount_currency > 0
              ORDER BY line.move_id, %(due)s, line.id
                """,
                due=self._get_due_date_sql(),
                ids=moves.ids,
            )
        )
        lines = {}
        for (
            move_id,
            line_id,
            due,
            amount,
            reduced,
            date,
            credit_note,
        ) in self.env.cr.fetchall():
            line = lines.setdefault(line_id, (move_id, due, amount, []))
            if reduced:
                line[3].append((due if credit_note else date, reduced))
        installments = defaultdict(list)
        for move_id, due, amount, reductions in lines.values():
            installments[move_id].append((due, amount, reductions))
        return installments

    @api.model
    def _get_oldest_due_dates(self, moves):
        """{move id: due date of its oldest unpaid installment}, or of its
        oldest installment when every one is paid. With split payment terms
        `invoice_date_due` is the *last* installment's: delays and charges
        count from the first one left unpaid."""
        if not moves:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT line.move_id,
                       COALESCE(MIN(%(due)s) FILTER (WHERE line.amount_residual > 0),
                                MIN(%(due)s))
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                 WHERE line.move_id = ANY(%(ids)s)
                   AND account.account_type = 'asset_receivable'
                   AND line.balance > 0
              GROUP BY line.move_id
                """,
                due=self._get_due_date_sql(),
                ids=moves.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _get_oldest_due_date(self, moves):
        """The oldest unpaid installment's due date among `moves`, or None."""
        return min(self._get_oldest_due_dates(moves).values(), default=None)

    # ------------------------------------------------------------
    # POLICIES
    # ------------------------------------------------------------

    @api.model
    def _get_policy_sql(self, move="move", partner="partner", company="company"):
        """SQL: the policy id of the invoice (joined to its commercial partner
        and company)."""
        return SQL(
            "COALESCE(%s, (%s ->> %s::text)::int, %s)",
            SQL.identifier(move, "collection_policy_id"),
            SQL.identifier(partner, "collection_policy_id"),
            SQL.identifier(move, "company_id"),
            SQL.identifier(company, "collection_policy_id"),
        )

    @api.model
    def _get_b2c_ids(self, moves):
        """Ids of the invoices whose policy treats their customer (a person,
        not a company) as a consumer."""
        if not moves:
            return set()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT move.id
                  FROM account_move move
                  JOIN res_partner partner ON partner.id = move.commercial_partner_id
                  JOIN res_company company ON company.id = move.company_id
                  JOIN collection_policy policy ON policy.id = %(policy)s
                 WHERE move.id = ANY(%(ids)s)
                   AND policy.is_b2c
                   AND NOT COALESCE(partner.is_company, FALSE)
                """,
                policy=self._get_policy_sql(),
                ids=moves.ids,
            )
        )
        return {move_id for (move_id,) in self.env.cr.fetchall()}

    # ------------------------------------------------------------
    # THE BOOK OF A DUNNING RUN
    # ------------------------------------------------------------

    @api.model
    def _get_book_pages(self, company, due_until, run=None, page_size=None):
        """The open invoices of `company` with an installment due on or before
        `due_until`, with their policy, suspensions, level, the highest level
        another run proposes for them, and their oldest open due date and open
        amounts: one query for the whole receivable book, read through a
        cursor in pages of about `page_size` invoices, each page holding
        whole customers (a million open items are never held at once). The
        pages are read as of the first one: what the caller writes between
        them is not seen."""
        self.env.flush_all()
        name = SQL.identifier(f"collection_book_{run.id if run else 0}")
        # planned for reading the whole book, not for its first rows, which
        # PostgreSQL otherwise assumes of a cursor
        self.env.cr.execute("SET LOCAL cursor_tuple_fraction = 1")
        self.env.cr.execute(
            SQL(
                "DECLARE %s NO SCROLL CURSOR FOR %s ORDER BY partner_id, move_id",
                name,
                self._get_book_items_sql(company, due_until, run),
            )
        )
        self.env.cr.execute("SET LOCAL cursor_tuple_fraction TO DEFAULT")
        try:
            size = page_size or BOOK_PAGE
            rows = []
            while True:
                self.env.cr.execute(SQL("FETCH FORWARD %s FROM %s", size, name))
                fetched = self.env.cr.dictfetchall()
                rows += fetched
                if len(fetched) < size:
                    break
                # the last customer may go on in the next page
                cut = len(rows)
                while cut and rows[cut - 1]["partner_id"] == rows[-1]["partner_id"]:
                    cut -= 1
                if cut:
                    yield rows[:cut]
                    rows = rows[cut:]
            if rows:
                yield rows
        finally:
            self.env.cr.execute(SQL("CLOSE %s", name))

    def _get_book_items_sql(self, company, due_until, run=None):
        return SQL(
            """
                SELECT move.id AS move_id,
                       move.commercial_partner_id AS partner_id,
                       %(policy)s AS policy_id,
                       move.collection_disputed AS disputed,
                       move.collection_excluded AS excluded,
                       move.collection_case_id AS case_id,
                       move.collection_extended_until AS extended_until,
                       EXISTS(
                           SELECT 1
                             FROM account_move_collection_promise_rel rel
                             JOIN collection_promise promise
                                  ON promise.id = rel.collection_promise_id
                            WHERE rel.account_move_id = move.id
                              AND promise.state = 'open'
                       ) AS promised,
                       move.collection_level_id AS level_id,
                       move.collection_last_dunning_date AS last_dunning_date,
                       COALESCE(partner.is_company, FALSE) AS is_company,
                       (
                           SELECT MAX(pending_level.days_after_due)
                             FROM collection_dunning_line pending
                             JOIN collection_level pending_level
                                  ON pending_level.id = pending.level_id
                            WHERE pending.move_id = move.id
                              AND pending.state = 'draft'
                              AND pending.run_id != %(run_id)s
                       ) AS pending_days,
                       move.invoice_user_id AS salesperson_id,
                       move.currency_id,
                       move.amount_total,
                       MIN(%(due)s) AS due_date,
                       SUM(line.amount_residual) AS open_company,
                       SUM(line.amount_residual_currency) AS open_currency
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move move ON move.id = line.move_id
                  JOIN res_partner partner ON partner.id = move.commercial_partner_id
                  JOIN res_company company ON company.id = move.company_id
                 WHERE line.company_id = %(company_id)s
                   AND %(open_item)s
                   AND line.amount_residual > 0
                   AND %(due)s <= %(due_until)s
                   AND move.move_type IN %(move_types)s
              GROUP BY move.id, partner.id, company.id
                """,
            policy=self._get_policy_sql(),
            run_id=run.id if run else 0,
            due=self._get_due_date_sql(),
            company_id=company.id,
            open_item=self._get_open_item_condition(),
            due_until=due_until,
            move_types=COLLECTED_MOVE_TYPES,
        )

    # ------------------------------------------------------------
    # CUSTOMERS' STATUS
    # ------------------------------------------------------------

    @api.model
    def _get_status_sql(self, company_ids, commercial_partner_ids=None):
        """One row per commercial partner with open items in the companies:
        open, overdue (credits lower it) and disputed amounts in company
        currency, the number of overdue invoices and the days of the oldest.

        Read from the stored status (`collection_customer_status`, one row a
        customer and company, kept by the database's triggers) where it is
        still true today; the rows a change or the date made stale are
        computed from the book, in the same query."""
        self._flush_status_columns()
        today = self._get_today()
        partner_filter = SQL()
        if commercial_partner_ids is not None:
            partner_filter = SQL(
                "AND partner_id = ANY(%s)", list(commercial_partner_ids)
            )
        columns = SQL(
            "partner_id, open_amount, overdue_amount, overdue_count,"
            " oldest_overdue_date, disputed_amount"
        )
        status = SQL(
            """
                    SELECT %(columns)s FROM stored WHERE fresh
                 UNION ALL
                    SELECT %(columns)s FROM (%(live)s) live
            """,
            columns=columns,
            live=self._get_live_status_sql(
                today, SQL("SELECT partner_id, company_id FROM stored WHERE NOT fresh")
            ),
        )
        if len(company_ids) == 1:
            # a row a customer already: no grouping, whose number of groups
            # the planner cannot estimate (it would join the worklist to the
            # status row by row)
            select = SQL(
                """
                SELECT partner_id, open_amount, overdue_amount, overdue_count,
                       COALESCE(%(today)s - oldest_overdue_date, 0)
                           AS oldest_overdue_days,
                       disputed_amount
                  FROM (%(status)s) status
                """,
                today=today,
                status=status,
            )
        else:
            select = SQL(
                """
                SELECT partner_id,
                       SUM(open_amount) AS open_amount,
                       SUM(overdue_amount) AS overdue_amount,
                       SUM(overdue_count)::integer AS overdue_count,
                       COALESCE(%(today)s - MIN(oldest_overdue_date), 0)
                           AS oldest_overdue_days,
                       SUM(disputed_amount) AS disputed_amount
                  FROM (%(status)s) status
              GROUP BY partner_id
                """,
                today=today,
                status=status,
            )
        # not materialized: each reading of the stored rows keeps the table's
        # statistics for the planner
        return SQL(
            """
            WITH stored AS NOT MATERIALIZED (
                SELECT *, COALESCE(computed_on <= %(today)s
                                   AND %(today)s <= COALESCE(valid_until, 'infinity'),
                                   FALSE) AS fresh
                  FROM collection_customer_status
                 WHERE company_id = ANY(%(company_ids)s)
                   %(partner_filter)s
            )
            %(select)s
            """,
            today=today,
            company_ids=list(company_ids),
            partner_filter=partner_filter,
            select=select,
        )

    @api.model
    def _get_live_status_sql(self, today, pairs):
        """The status of the (commercial partner, company) `pairs` (an SQL
        query of two columns) as the book stands on `today`: one row a pair
        with open items, with the oldest overdue due date and the next due
        date, until which the overdue amounts hold."""
        past_due = SQL("%s < %s", self._get_due_date_sql(), today)
        overdue = SQL("%s AND line.amount_residual > 0", past_due)
        return SQL(
            """
            SELECT partner.commercial_partner_id AS partner_id,
                   line.company_id,
                   SUM(line.amount_residual) AS open_amount,
                   COALESCE(SUM(line.amount_residual) FILTER (WHERE %(past_due)s), 0)
                       AS overdue_amount,
                   COUNT(DISTINCT line.move_id) FILTER (WHERE %(overdue)s)
                       AS overdue_count,
                   MIN(%(due)s) FILTER (WHERE %(overdue)s) AS oldest_overdue_date,
                   COALESCE(SUM(line.amount_residual)
                       FILTER (WHERE move.collection_disputed), 0) AS disputed_amount,
                   MIN(%(due)s) FILTER (WHERE NOT %(past_due)s) AS next_due_date
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              JOIN account_move move ON move.id = line.move_id
              JOIN res_partner partner ON partner.id = line.partner_id
             WHERE %(open_item)s
               AND partner.commercial_partner_id = ANY(ARRAY(
                       SELECT pair.partner_id FROM (%(pairs)s) pair))
               AND (partner.commercial_partner_id, line.company_id) IN (%(pairs)s)
          GROUP BY partner.commercial_partner_id, line.company_id
            """,
            due=self._get_due_date_sql(),
            past_due=past_due,
            overdue=overdue,
            open_item=self._get_open_item_condition(),
            pairs=pairs,
        )

    @api.model
    def _flush_status_columns(self):
        """Write what the ORM holds of the columns a status reads, so that
        the database's triggers have seen it."""
        self.env["account.move.line"].flush_model(
            [
                "amount_residual",
                "reconciled",
                "date_maturity",
                "insurance_due_date",
                "partner_id",
                "parent_state",
                "account_id",
                "company_id",
            ]
        )
        self.env["account.move"].flush_model(["collection_disputed", "state"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["account.account"].flush_model(["account_type"])
