from collections import defaultdict
from datetime import timedelta

from odoo import models
from odoo.tools import SQL

from . import collection_charges
from .collection_receivable import COLLECTED_MOVE_TYPES

# skip reasons that keep an invoice out of its customer's dunning; the others
# ("already dunned") list it in the dunning without raising the level
SKIPPED_ALONE = {
    "disputed",
    "excluded",
    "case",
    "extended",
    "promise",
    "minimum",
    "other_run",
}


class CollectionRun(models.Model):
    """The proposal of a run: the receivable book read in one query, each
    invoice rated, the dunnings and their lines written in two."""

    _inherit = "collection.run"

    def _create_proposal(self):
        """One dunning per customer and policy at the highest level its invoices
        reached, listing them; every other invoice reaching a level is listed as
        skipped with its reason. One query reads the book, due within the
        earliest level's delay, in pages of whole customers; each page is
        proposed and written (two queries) before the next is read, so that
        neither time nor memory grows faster than the book."""
        self.ensure_one()
        first_delay = min(self.policy_ids.level_ids.mapped("days_after_due"), default=0)
        for rows in self.env["collection.receivable"]._get_book_pages(
            self.company_id, self.date - timedelta(days=first_delay), self
        ):
            self._propose_page(rows)
            # what the page read and wrote leaves the cache with it
            self.env.invalidate_all()

    def _propose_page(self, rows):
        """Propose the dunnings of the customers whose invoices are `rows`.
        It must stay fast on hundreds of thousands of open items, so the
        loops below work on ids and plain values, not records."""
        partners = (
            self.env["res.partner"]
            .with_company(self.company_id)
            .browse({row["partner_id"] for row in rows})
        )
        rows, skipped, delays, levels = self._rate_book_rows(rows)
        groups = defaultdict(list)
        for row in rows:
            if row["skip"] in SKIPPED_ALONE:
                skipped.append(row)
            else:
                groups[row["partner_id"], row["policy_id"]].append(row)

        # the two fields read below, not every field of a thousand customers
        partners.fetch(["email", "collection_user_id"])
        recipients = partners._collection_get_recipients()
        last_sent = self._get_last_dunning_dates(partners)
        pending = self.env["collection.decision"]._get_pending_requests(
            self.company_id, partners
        )
        partner_records = {partner.id: partner for partner in partners}
        dunnings, dunning_rows = [], []
        for (partner_id, _policy_id), group in groups.items():
            to_dun = [row for row in group if not row["skip"]]
            if not to_dun:
                skipped.extend(group)
                continue
            top = max(to_dun, key=lambda row: delays[row["level"]])
            level = levels.browse(top["level"])
            reason = None
            if level.channel == "email" and not recipients[partner_id].email:
                reason = "no_email"
            elif level.hold_deliveries and partner_id in pending:
                # the approver decides first: a promise approved tomorrow
                # must not find the customer on hold
                reason = "pending_request"
            elif (
                partner_id in last_sent
                and (self.date - last_sent[partner_id]).days < level.min_gap_days
            ):
                reason = "too_soon"
            if reason:
                for row in group:
                    row["skip"] = row["skip"] or reason
                skipped.extend(group)
                continue
            dunnings.append((partner_records[partner_id], level, top))
            dunning_rows.append(group)

        # the names the level notes quote, read at once
        self.env["account.move"].browse(
            [top["move_id"] for _partner, _level, top in dunnings]
        ).fetch(["name"])
        charged_rows = [
            row
            for (_partner, level, _row), group in zip(
                dunnings, dunning_rows, strict=True
            )
            if level.charge_interest or level.charge_compensation
            for row in group
        ]
        # the book says which invoices are a consumer's: no query to ask it
        charges = (
            self.env["account.move"]
            .browse([row["move_id"] for row in charged_rows])
            ._collection_get_charges(
                self.date,
                b2c_ids={row["move_id"] for row in charged_rows if row["consumer"]},
            )
        )
        to_company = self.env["collection.dunning"]._get_converter(
            self.company_id, self.date, {row["currency_id"] for row in rows}
        )
        common = {
            "run_id": self.id,
            "company_id": self.company_id.id,
            "date": self.date,
        }
        dunning_values, line_values = [], []
        for (partner, level, why), group in zip(dunnings, dunning_rows, strict=True):
            charged = (level.charge_interest, level.charge_compensation)
            lines = [
                self._prepare_line_values(row, charged, charges.get(row["move_id"], {}))
                for row in group
            ]
            dunning_values.append(
                {
                    **self._prepare_dunning_values(
                        partner, level, lines, to_company, why["salesperson_id"]
                    ),
                    **self._get_level_facts(level, why, delays),
                    "pending_requests": pending.get(partner.id),
                }
            )
            line_values.append(lines)
        dunning_ids = self._insert_rows("collection.dunning", dunning_values)
        for dunning_id, lines in zip(dunning_ids, line_values, strict=True):
            for values in lines:
                values["dunning_id"] = dunning_id
        all_line_values = [values for lines in line_values for values in lines] + [
            self._prepare_line_values(row) for row in skipped
        ]
        line_ids = self._insert_rows("collection.dunning.line", all_line_values, common)
        # the dunnings' fields may depend on their lines: computed after both
        if dunning_values:
            self._compute_unwritten(
                "collection.dunning", dunning_ids, dunning_values[0]
            )
        if all_line_values:
            self._compute_unwritten(
                "collection.dunning.line", line_ids, {**all_line_values[0], **common}
            )

    def _rate_book_rows(self, rows):
        """Give each invoice of the book its days overdue, the level it reaches
        and the reason it is skipped, if any. Returns the rows that reached a
        level of the run's policies, the rows of policies the run does not
        have (skipped), the levels' delays and the levels."""
        ladders = {
            policy.id: [(days, level.id) for days, level in policy._get_levels()]
            for policy in self.policy_ids
        }
        Level = self.env["collection.level"]
        levels = Level.browse(
            [level_id for ladder in ladders.values() for _d, level_id in ladder]
        )
        # the levels the invoices were sent at may belong to another policy
        sent = Level.browse({row["level_id"] for row in rows} - {None})
        delays = {level.id: level.days_after_due for level in levels | sent}
        # an automatic run leaves the manual levels to the collectors
        manual = (
            set((levels | sent).filtered(lambda level: not level.automatic).ids)
            if self.automatic
            else set()
        )
        postal = set((levels | sent).filtered(lambda lv: lv.channel == "letter").ids)
        # what each row needs of its policy, read once, not once a row
        rules = {
            policy.id: (
                ladders[policy.id],
                [pair for pair in ladders[policy.id] if pair[1] not in manual],
                policy.level_order == "by_age",
                policy.is_b2c,
            )
            for policy in self.policy_ids
        }
        date = self.date
        minimum_reached = defaultdict(float)
        rated, other_policies = [], []
        for row in rows:
            row["days"] = (date - row["due_date"]).days
            row["suspension"] = self._get_suspension(row, date)
            if row["policy_id"] not in rules:
                row["level"], row["skip"] = None, "policy"
                other_policies.append(row)
                continue
            ladder, reachable, by_age, b2c = rules[row["policy_id"]]
            # a person under a consumers' policy (docs/belgian-consumers.md)
            row["consumer"] = b2c and not row["is_company"]
            if by_age:
                row["level"] = self._get_level_by_age(row, reachable)
                row["wait"] = False
            else:
                row["level"], row["wait"] = self._get_next_level(
                    row,
                    ladder,
                    reachable,
                    delays,
                    postal if row["consumer"] else None,
                )
            if row["level"]:
                rated.append(row)
                if not row["suspension"]:
                    minimum_reached[row["partner_id"], row["policy_id"]] += row[
                        "open_company"
                    ]
        minimums = {policy.id: policy.min_amount for policy in self.policy_ids}
        for row in rated:
            row["skip"] = self._get_skip_reason(row, minimum_reached, minimums, delays)
        return rated, other_policies, delays, levels

    def _get_last_dunning_dates(self, partners):
        """{customer id: date of the last dunning sent to it} in the run's
        company."""
        self.env["collection.dunning"].flush_model(
            ["partner_id", "company_id", "state", "date"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, MAX(date)
                  FROM collection_dunning
                 WHERE company_id = %s
                   AND state IN ('queued', 'done')
                   AND partner_id = ANY(%s)
                 GROUP BY partner_id
                """,
                self.company_id.id,
                partners.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    def _get_level_facts(self, level, row, delays):
        """What took the customer to this level: the invoice, its days late,
        the level it follows and when that was sent (the dunning says it in
        its reader's language)."""
        follows = row["level_id"] and delays[row["level_id"]] < level.days_after_due
        return {
            "level_move_id": row["move_id"],
            "level_days": row["days"],
            "level_previous_id": row["level_id"] if follows else None,
            "level_previous_date": row["last_dunning_date"] if follows else None,
        }

    @staticmethod
    def _get_level_by_age(row, ladder):
        """The highest level the invoice's days overdue reach."""
        reached = [level_id for days, level_id in ladder if days <= row["days"]]
        return reached[-1] if reached else None

    def _get_next_level(self, row, ladder, reachable, delays, postal):
        """(level, waiting) of an invoice whose levels come one after the
        other: the level after the one it was sent, once its delay is reached
        (the first level for an invoice never dunned, whatever its age; a
        courtesy level before the due date only while it is not due). The
        level it was sent stays (and is then skipped as already dunned) while
        the next one is not reached, not in this run, or while a consumer's
        14 days after the first reminder run (`postal`: the letter levels, for
        a consumer; None otherwise)."""
        current = row["level_id"]
        following = [
            (days, level_id)
            for days, level_id in ladder
            if (not current or days > delays[current])
            and (days >= 0 or row["days"] < 0)
        ]
        if not following:
            return current, False
        days, level_id = following[0]
        if row["days"] < days or (days, level_id) not in reachable:
            return current, False
        if current and postal is not None:
            wait_end = collection_charges.b2c_wait_end(
                row["last_dunning_date"], postal=current in postal
            )
            if collection_charges.consumer_waits(wait_end, self.date):
                return current, True
        return level_id, False

    def _get_next_level_date(self):
        """The first day after the run's date on which an open invoice of its
        policies reaches a level it has not reached yet (disputed and
        excluded invoices aside), or None: what an empty proposal tells."""
        self.ensure_one()
        if not self.policy_ids:
            return None
        Receivable = self.env["collection.receivable"]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT MIN(%(due)s + level.days_after_due)
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move move ON move.id = line.move_id
                  JOIN res_partner partner ON partner.id = move.commercial_partner_id
                  JOIN res_company company ON company.id = move.company_id
                  JOIN collection_level level ON level.policy_id = %(policy)s
             LEFT JOIN collection_level reached
                       ON reached.id = move.collection_level_id
                 WHERE line.company_id = %(company_id)s
                   AND %(open_item)s
                   AND line.amount_residual > 0
                   AND move.move_type IN %(move_types)s
                   AND NOT COALESCE(move.collection_disputed, FALSE)
                   AND NOT COALESCE(move.collection_excluded, FALSE)
                   AND move.collection_case_id IS NULL
                   AND level.policy_id IN %(policy_ids)s
                   AND level.days_after_due > COALESCE(reached.days_after_due, -36500)
                   AND %(due)s + level.days_after_due > %(date)s
                """,
                due=Receivable._get_due_date_sql(),
                policy=Receivable._get_policy_sql(),
                company_id=self.company_id.id,
                open_item=Receivable._get_open_item_condition(),
                move_types=COLLECTED_MOVE_TYPES,
                policy_ids=tuple(self.policy_ids.ids),
                date=self.date,
            )
        )
        return self.env.cr.fetchone()[0]

    def _get_suspension(self, row, date):
        """Why dunning is suspended at `date` (the run's) for an invoice of the
        book, or False."""
        if row["disputed"]:
            return "disputed"
        if row["excluded"]:
            return "excluded"
        if row["case_id"]:
            return "case"
        if row["extended_until"] and row["extended_until"] >= date:
            return "extended"
        if row["promised"]:
            return "promise"
        return False

    def _get_skip_reason(self, row, minimum_reached, minimums, delays):
        if row["suspension"]:
            return row["suspension"]
        key = row["partner_id"], row["policy_id"]
        if minimum_reached[key] < minimums[row["policy_id"]]:
            return "minimum"
        if row["wait"]:
            return "consumer_wait"
        if row["level_id"] and delays[row["level_id"]] >= delays[row["level"]]:
            return "already_dunned"
        if (
            row["pending_days"] is not None
            and row["pending_days"] >= delays[row["level"]]
        ):
            return "other_run"
        return False

    def _prepare_line_values(self, row, charged=None, charges=None):
        """A proposal's line, but for the run's values common to every line:
        `charged` says whether its dunning's level charges (interest,
        compensation); none for a skipped line."""
        interest, compensation = charged or (False, False)
        charges = charges or {}
        return {
            "dunning_id": None,
            "partner_id": row["partner_id"],
            "move_id": row["move_id"],
            "level_id": row["level"],
            "state": "draft" if charged else "skipped",
            "skip_reason": None if charged else row["skip"],
            "due_date": row["due_date"],
            "days_overdue": max(row["days"], 0),
            "currency_id": row["currency_id"],
            "amount_total": row["amount_total"],
            "amount_open": row["open_currency"],
            "interest_amount": charges.get("interest", 0.0) if interest else 0.0,
            "compensation_amount": charges.get("compensation", 0.0)
            if compensation
            else 0.0,
        }

    def _prepare_dunning_values(
        self, partner, level, lines, to_company, salesperson_id=None
    ):
        """The dunning's values, its stored amounts from the same function as
        its compute (`to_company`: the run's conversion to company currency).
        `salesperson_id`: the salesperson of the invoice that set the level,
        whom the record rules let read the dunning."""
        Dunning = self.env["collection.dunning"]
        amounts = Dunning._get_amounts(
            [
                (
                    values["amount_open"],
                    values["interest_amount"],
                    values["compensation_amount"],
                    values["currency_id"],
                )
                for values in lines
            ],
            level.fee_amount,
            to_company,
        )
        return {
            "name": "/",
            "run_id": self.id,
            "company_id": self.company_id.id,
            "partner_id": partner.id,
            "level_id": level.id,
            "policy_id": level.policy_id.id,
            "channel": level.channel,
            "date": self.date,
            "state": "draft",
            "user_id": partner.collection_user_id.id or None,
            "salesperson_id": salesperson_id,
            "fee_amount": level.fee_amount,
            **amounts,
        }
