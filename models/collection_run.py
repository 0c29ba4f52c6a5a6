import json
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# dunnings executed in one transaction; a larger run goes to the scheduled action
EXECUTION_BATCH = 500
# first key of the advisory lock a company's dunning executions share
EXECUTION_LOCK = 0x636F6C6C  # "coll"
# written by the run's actions only
RUN_ACTION_FIELDS = {"name", "state", "automatic", "dunning_ids", "line_ids"}
# what the proposal is computed from: editable before execution only
RUN_INPUT_FIELDS = {"date", "policy_ids", "company_id"}
# skip reasons that keep an invoice out of its customer's dunning; the others
# ("already dunned") list it in the dunning without raising the level
SKIPPED_ALONE = {"disputed", "excluded", "extended", "promise", "minimum", "other_run"}


class CollectionRun(models.Model):
    _name = "collection.run"
    _description = "Dunning Run"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    date = fields.Date(
        required=True,
        default=lambda self: self.env["collection.receivable"]._get_today(),
        tracking=True,
        help="Days overdue, interest and compensation are counted at this date. "
        "A run is executed on its date only; a manager may compute a proposal "
        "for another day to look at it.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    policy_ids = fields.Many2many(
        comodel_name="collection.policy",
        string="Policies",
        check_company=True,
        default=lambda self: self.env["collection.policy"].search(
            [("company_id", "=", self.env.company.id)]
        ),
    )
    automatic = fields.Boolean(
        readonly=True, help="Made by the scheduled action: automatic levels only."
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("proposed", "Proposed"),
            ("executing", "Executing"),
            ("done", "Done"),
        ],
        default="draft",
        required=True,
        tracking=True,
    )
    dunning_ids = fields.One2many(
        comodel_name="collection.dunning", inverse_name="run_id", string="Dunnings"
    )
    line_ids = fields.One2many(
        comodel_name="collection.dunning.line", inverse_name="run_id", string="Invoices"
    )
    skipped_line_ids = fields.One2many(
        comodel_name="collection.dunning.line",
        inverse_name="run_id",
        string="Skipped Invoices",
        domain=[("state", "=", "skipped")],
    )
    dunning_count = fields.Integer(compute="_compute_statistics")
    skipped_count = fields.Integer(compute="_compute_statistics")
    amount_total = fields.Monetary(string="Total Due", compute="_compute_statistics")
    error_message = fields.Text(
        readonly=True,
        copy=False,
        help="Why the scheduled action could not compute or execute this run.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("dunning_ids.amount_total", "line_ids.state")
    def _compute_statistics(self):
        for run in self:
            run.dunning_count = len(run.dunning_ids)
            run.skipped_count = len(run.skipped_line_ids)
            run.amount_total = sum(run.dunning_ids.mapped("amount_total"))

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") != "/" and not self.env.su:
                raise AccessError(_("The name is given by the sequence."))
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("collection.run") or "/"
                )
        return super().create(vals_list)

    def _collection_guarded_fields(self, vals, create=False):
        refused = RUN_ACTION_FIELDS.intersection(vals) - ({"name"} if create else set())
        inputs = RUN_INPUT_FIELDS.intersection(vals)
        if inputs and any(run.state not in ("draft", "proposed") for run in self):
            refused |= inputs
        if "date" in vals and not self.env.user.has_group(
            "credit_collection.group_collection_manager"
        ):
            today = self.env["collection.receivable"]._get_today()
            if fields.Date.to_date(vals["date"]) != today:
                refused.add("date")
        return refused

    def write(self, vals):
        stale = self.filtered(lambda r: r.state == "proposed")
        if not RUN_INPUT_FIELDS.intersection(vals):
            stale = self.browse()
        result = super().write(vals)
        # a proposal computed for other dates or policies is no proposal
        stale._reset_proposal()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(run.state in ("executing", "done") for run in self):
            raise UserError(
                _("An executed dunning run is kept: its dunnings were sent.")
            )

    def unlink(self):
        self._reset_proposal()
        return super().unlink()

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_propose(self):
        for run in self:
            if run.state in ("executing", "done"):
                raise UserError(_("%(run)s was already executed.", run=run.name))
            if not run.policy_ids:
                raise UserError(_("Choose at least one dunning policy to run."))
        self._action_propose()

    def _action_propose(self):
        self._reset_proposal()
        for run in self:
            run._create_proposal()
        self.sudo().write({"state": "proposed", "error_message": False})

    def _reset_proposal(self):
        """Delete the proposal of runs not executed: drafts nobody received."""
        runs = self.filtered(lambda r: r.state in ("draft", "proposed"))
        runs.line_ids.unlink()
        runs.dunning_ids.unlink()
        runs.filtered(lambda r: r.state == "proposed").sudo().state = "draft"

    def action_execute(self):
        for run in self:
            today = self.env["collection.receivable"]._get_today()
            if run.state != "proposed":
                raise UserError(
                    _("Compute the proposal of %(run)s first.", run=run.name)
                )
            if run.date != today:
                raise UserError(
                    _(
                        "%(run)s was computed for %(date)s: a run is executed on "
                        "the day it is computed for. Recompute it for today.",
                        run=run.name,
                        date=run.date,
                    )
                )
        self._action_execute()

    def _action_execute(self, batch_size=EXECUTION_BATCH):
        """Execute a run at once, or, when it holds more dunnings than a batch,
        hand it to the scheduled action that executes it a batch at a time (a
        request must not outlive the server's time limit). The company's
        executions are serialized by a lock, and each dunning re-checked."""
        for run in self:
            run._lock_execution()
            dunnings = run.dunning_ids.filtered(lambda d: d.state == "draft")
            if len(dunnings) > batch_size:
                run.sudo().state = "executing"
            else:
                dunnings._execute()
                run.sudo().state = "done"
        if "executing" in self.mapped("state"):
            self.env.ref("credit_collection.ir_cron_collection_execute")._trigger()

    def _lock_execution(self, wait=False):
        """Take the company's dunning lock until the transaction ends: two
        executions never dun the same invoices at once. Returns False, or
        raises, when another transaction holds it."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                EXECUTION_LOCK,
                self.company_id.id,
            )
        )
        if self.env.cr.fetchone()[0]:
            return True
        if wait:
            return False
        raise UserError(
            _(
                "Another dunning run of %(company)s is being executed right now: "
                "try again in a minute.",
                company=self.company_id.name,
            )
        )

    @api.model
    def _cron_execute(self, batch_size=EXECUTION_BATCH):
        """Execute the next batch of dunnings of the runs being executed, one
        run at a time. A batch that fails puts its run back to Proposed with
        the reason, and the collector is told; the other runs go on."""
        runs = self.search([("state", "=", "executing")], order="id")
        Dunning = self.env["collection.dunning"]
        done = 0
        for run in runs:
            if not run._lock_execution(wait=True):
                continue
            todo = Dunning.search(
                [("run_id", "=", run.id), ("state", "=", "draft")],
                order="id",
                limit=batch_size - done,
            )
            try:
                with self.env.cr.savepoint():
                    todo._execute()
                    if not Dunning.search_count(
                        [("run_id", "=", run.id), ("state", "=", "draft")]
                    ):
                        run.state = "done"
            except Exception as error:  # noqa: BLE001 - recorded, the others go on
                run._record_failure(error)
            done += len(todo)
            if done >= batch_size:
                break
        left = Dunning.search_count(
            [("run_id.state", "=", "executing"), ("state", "=", "draft")]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=left)
        return left

    def _record_failure(self, error):
        """Show why the scheduled action failed on a run, put it back where a
        user can act, and tell its author."""
        message = str(error) or error.__class__.__name__
        for run in self.sudo():
            run.write(
                {
                    "state": "proposed" if run.state == "executing" else run.state,
                    "error_message": message,
                }
            )
            run.message_post(body=message)
            run.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                summary=_("Dunning run %(run)s failed", run=run.name),
                note=message,
                user_id=run.create_uid.id,
            )

    def action_print_letters(self):
        letters = self.dunning_ids.filtered(
            lambda d: d.channel == "letter" and d.state != "cancel"
        )
        if not letters:
            raise UserError(_("This run has no letter to print."))
        return letters.action_print_letter()

    def action_view_dunnings(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_dunning_action"
        )
        action["domain"] = [("run_id", "in", self.ids)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

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

    @api.model
    def _cron_run_automatic(self):
        """Daily: propose and execute the automatic levels of one company a
        transaction (the scheduled action calls again while companies are
        left). Running it twice a day sends nothing twice: an invoice is never
        dunned twice at the same level. A company that fails keeps its run
        with the reason, and the others go on. Returns the companies left."""
        today = fields.Date.context_today(self)
        policies = self.env["collection.policy"].search(
            [("level_ids.automatic", "=", True)]
        )
        done = self.search([("automatic", "=", True), ("date", "=", today)])
        companies = policies.company_id - done.company_id
        if not companies:
            return 0
        company = companies.sorted("id")[0]
        run = self.with_company(company).create(
            {
                "company_id": company.id,
                "automatic": True,
                "policy_ids": [
                    fields.Command.set(
                        policies.filtered(lambda p: p.company_id == company).ids
                    )
                ],
            }
        )
        try:
            with self.env.cr.savepoint():
                run._action_propose()
                run._action_execute()
        except Exception as error:  # noqa: BLE001 - recorded, the others go on
            run._record_failure(error)
        left = len(companies) - 1
        self.env["ir.cron"]._notify_progress(done=1, remaining=left)
        return left
