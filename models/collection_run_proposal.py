import json
from collections import defaultdict
from datetime import timedelta

from odoo import models
from odoo.tools import SQL

# skip reasons that keep an invoice out of its customer's dunning; the others
# ("already dunned") list it in the dunning without raising the level
SKIPPED_ALONE = {"disputed", "excluded", "extended", "promise", "minimum", "other_run"}


class CollectionRun(models.Model):
    """The proposal of a run: the receivable book read in one query, each
    invoice rated, the dunnings and their lines written in two."""

    _inherit = "collection.run"

    def _get_candidates(self):
        """The receivable book's invoices due within the earliest level's
        delay, with their policy and oldest open due date."""
        self.ensure_one()
        first_delay = min(self.policy_ids.level_ids.mapped("days_after_due"), default=0)
        return self.env["collection.receivable"]._get_book_items(
            self.company_id, self.date - timedelta(days=first_delay), self
        )

    def _create_proposal(self):
        """One dunning per customer and policy at the highest level its invoices
        reached, listing them; every other invoice reaching a level is listed as
        skipped with its reason. One query reads the book, two write the
        proposal: it must stay fast on hundreds of thousands of open items, so
        the loops below work on ids and plain values, not records."""
        self.ensure_one()
        rows = self._get_candidates()
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

        recipients = partners._collection_get_recipients()
        partner_records = {partner.id: partner for partner in partners}
        dunnings, dunning_rows = [], []
        for (partner_id, _policy_id), group in groups.items():
            to_dun = [row for row in group if not row["skip"]]
            if not to_dun:
                skipped.extend(group)
                continue
            level = levels.browse(
                max((row["level"] for row in to_dun), key=delays.__getitem__)
            )
            if level.channel == "email" and not recipients[partner_id].email:
                for row in group:
                    row["skip"] = row["skip"] or "no_email"
                skipped.extend(group)
                continue
            dunnings.append((partner_records[partner_id], level))
            dunning_rows.append(group)

        charged_move_ids = [
            row["move_id"]
            for (_partner, level), group in zip(dunnings, dunning_rows, strict=True)
            if level.charge_interest or level.charge_compensation
            for row in group
        ]
        charges = (
            self.env["account.move"]
            .browse(charged_move_ids)
            ._collection_get_charges(self.date)
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
        for (partner, level), group in zip(dunnings, dunning_rows, strict=True):
            charged = (level.charge_interest, level.charge_compensation)
            lines = [
                self._prepare_line_values(
                    common, row, charged, charges.get(row["move_id"], {})
                )
                for row in group
            ]
            dunning_values.append(
                self._prepare_dunning_values(partner, level, lines, to_company)
            )
            line_values.append(lines)
        dunning_ids = self._insert_rows("collection.dunning", dunning_values)
        for dunning_id, lines in zip(dunning_ids, line_values, strict=True):
            for values in lines:
                values["dunning_id"] = dunning_id
        all_line_values = [values for lines in line_values for values in lines] + [
            self._prepare_line_values(common, row) for row in skipped
        ]
        line_ids = self._insert_rows("collection.dunning.line", all_line_values)
        # the dunnings' fields may depend on their lines: computed after both
        if dunning_values:
            self._compute_unwritten(
                "collection.dunning", dunning_ids, dunning_values[0]
            )
        if all_line_values:
            self._compute_unwritten(
                "collection.dunning.line", line_ids, all_line_values[0]
            )

    def _rate_book_rows(self, rows):
        """Give each invoice of the book its days overdue, the level its
        policy reached and the reason it is skipped, if any. Returns the rows
        that reached a level of the run's policies, the rows of policies the
        run does not have (skipped), the levels' delays and the levels."""
        levels_by_policy = {
            policy.id: [
                (days, level.id)
                for days, level in reversed(
                    policy._get_levels(automatic_only=self.automatic)
                )
            ]
            for policy in self.policy_ids
        }
        Level = self.env["collection.level"]
        levels = Level.browse(
            [level_id for pairs in levels_by_policy.values() for _d, level_id in pairs]
        )
        delays = {level.id: level.days_after_due for level in levels}
        minimum_reached = defaultdict(float)
        rated, other_policies = [], []
        for row in rows:
            row["days"] = days_overdue = (self.date - row["due_date"]).days
            row["suspension"] = self._get_suspension(row)
            if row["policy_id"] not in levels_by_policy:
                row["level"], row["skip"] = None, "policy"
                other_policies.append(row)
                continue
            row["level"] = next(
                (
                    level_id
                    for days, level_id in levels_by_policy[row["policy_id"]]
                    if days <= days_overdue
                ),
                None,
            )
            if row["level"]:
                rated.append(row)
                if not row["suspension"]:
                    minimum_reached[row["partner_id"], row["policy_id"]] += row[
                        "open_company"
                    ]
        delays.update(
            (level.id, level.days_after_due)
            for level in Level.browse({row["level_id"] for row in rated} - {None})
        )
        minimums = {policy.id: policy.min_amount for policy in self.policy_ids}
        for row in rated:
            row["skip"] = self._get_skip_reason(row, minimum_reached, minimums, delays)
        return rated, other_policies, delays, levels

    def _get_suspension(self, row):
        """Why dunning is suspended for an invoice of the book, or False."""
        if row["disputed"]:
            return "disputed"
        if row["excluded"]:
            return "excluded"
        if row["extended_until"] and row["extended_until"] >= self.date:
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
        if row["level_id"] and delays[row["level_id"]] >= delays[row["level"]]:
            return "already_dunned"
        if (
            row["pending_days"] is not None
            and row["pending_days"] >= delays[row["level"]]
        ):
            return "other_run"
        return False

    def _prepare_line_values(self, common, row, charged=None, charges=None):
        """A proposal's line: `charged` says whether its dunning's level
        charges (interest, compensation); none for a skipped line."""
        interest, compensation = charged or (False, False)
        charges = charges or {}
        return {
            **common,
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

    def _prepare_dunning_values(self, partner, level, lines, to_company):
        """The dunning's values, its stored amounts from the same function as
        its compute (`to_company`: the run's conversion to company currency)."""
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
            "salesperson_id": partner.user_id.id or None,
            "fee_amount": level.fee_amount,
            **amounts,
        }

    def _insert_rows(self, model_name, values_list):
        """The proposal's one way past the ORM's `create`, for its thousands of
        draft dunnings and lines (records nobody refers to yet): insert
        `values_list` in one query and return the new ids in order.

        Whatever the ORM would have done for the fields not given is done for
        the whole batch: stored fields with a default get it here, stored
        computed fields are computed by the ORM afterwards
        (`_compute_unwritten`), so a field another module adds to these
        models is filled as if the records were created. The values given are
        written as they are: the caller computes them with the models' own
        functions."""
        Model = self.env[model_name]
        if not values_list:
            return []
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"{Model._table}_id_seq",
                len(values_list),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        given = set(values_list[0]) | {"id"}
        missing = [
            field
            for name, field in Model._fields.items()
            if field.store
            and field.column_type
            and name not in given
            and name not in models.LOG_ACCESS_COLUMNS
        ]
        # the fields' own defaults, not a caller's context
        defaults = Model.with_env(self.env(context={})).default_get(
            [field.name for field in missing if not field.compute]
        )
        defaults = {
            name: Model._fields[name].convert_to_column_insert(value, Model)
            for name, value in defaults.items()
        }
        stamp = {
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
            "create_date": self.env.cr.now(),
            "write_date": self.env.cr.now(),
        }
        rows = [
            {**defaults, **values, **stamp, "id": record_id}
            for record_id, values in zip(ids, values_list, strict=True)
        ]
        columns = SQL(", ").join(SQL.identifier(name) for name in rows[0])
        # one JSON parameter: PostgreSQL reads it far faster than arrays
        self.env.cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(columns)s) SELECT %(columns)s"
                " FROM json_populate_recordset(NULL::%(table)s, %(rows)s)",
                table=SQL.identifier(Model._table),
                columns=columns,
                rows=json.dumps(rows, default=str),
            )
        )
        self.env.invalidate_all()
        return ids

    def _compute_unwritten(self, model_name, ids, values):
        """Let the ORM compute the stored fields `_insert_rows` did not write
        (not in `values`) on these records, once every row is in."""
        Model = self.env[model_name]
        records = Model.browse(ids)
        given = set(values)
        computed = [
            field
            for name, field in Model._fields.items()
            if field.store and field.compute and name not in given
        ]
        for field in computed:
            self.env.add_to_compute(field, records)
        if computed:
            records.flush_recordset([field.name for field in computed])
