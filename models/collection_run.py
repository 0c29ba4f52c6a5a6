import contextlib

from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from .collection_guard import as_module

# dunnings executed in one transaction; a larger run goes to the scheduled action
EXECUTION_BATCH = 500
# first key of the advisory lock a company's dunning executions share
EXECUTION_LOCK = 0x636F6C6C  # "coll"
# What two workers may meet under Odoo's repeatable-read transactions: the
# batch is rolled back and executed again by the next call.
CONCURRENT_ERRORS = (errors.SerializationFailure, errors.LockNotAvailable)
# The scheduled actions executing large runs: a cron job runs in one cron
# thread at a time, so each worker is a job of its own.
EXECUTION_WORKERS = (
    "credit_collection.ir_cron_collection_execute",
    "credit_collection.ir_cron_collection_execute_2",
)
# written by the run's actions only
RUN_ACTION_FIELDS = {"name", "state", "automatic", "dunning_ids", "line_ids"}
# what the proposal is computed from: editable before execution only
RUN_INPUT_FIELDS = {"date", "policy_ids", "company_id"}


class CollectionRun(models.Model):
    _name = "collection.run"
    _description = "Dunning Run"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _collection_sequence = "collection.run"

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
    empty_note = fields.Char(
        compute="_compute_empty_note",
        help="Why a proposal has nothing to send, and when the next level comes.",
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
    hold_count = fields.Integer(
        compute="_compute_statistics",
        string="Customers Put on Hold",
        help="Customers not on hold yet whose proposed dunning stops deliveries.",
    )
    amount_total = fields.Monetary(string="Total Due", compute="_compute_statistics")
    error_message = fields.Text(
        readonly=True,
        copy=False,
        help="Why the scheduled action could not compute or execute this run.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends(
        "dunning_ids.amount_total",
        "dunning_ids.state",
        "dunning_ids.partner_id.collection_hold",
        "line_ids.state",
    )
    def _compute_statistics(self):
        for run in self:
            run.hold_count = len(
                run.dunning_ids.filtered(
                    lambda d: (
                        d.state == "draft"
                        and d.level_id.hold_deliveries
                        and not d.partner_id.with_company(d.company_id).collection_hold
                    )
                ).partner_id
            )
            run.dunning_count = len(run.dunning_ids)
            run.skipped_count = len(run.skipped_line_ids)
            run.amount_total = sum(run.dunning_ids.mapped("amount_total"))

    @api.depends("state", "dunning_ids", "date", "policy_ids")
    @api.depends_context("lang")
    def _compute_empty_note(self):
        for run in self:
            note = False
            if run.state == "proposed" and not run.dunning_ids:
                next_date = run._get_next_level_date()
                note = (
                    _(
                        "Nothing to send on %(date)s: no invoice reaches a new "
                        "level. The next one reaches its level on %(next)s.",
                        date=format_date(self.env, run.date),
                        next=format_date(self.env, next_date),
                    )
                    if next_date
                    else _(
                        "Nothing to send on %(date)s: no open invoice of these "
                        "policies has a level left to reach.",
                        date=format_date(self.env, run.date),
                    )
                )
            run.empty_note = note

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _creation_message(self):
        # a whole sentence, so that translations agree in gender
        return _("Dunning run created")

    def _get_collection_action_fields(self):
        return dict.fromkeys(RUN_ACTION_FIELDS)

    def _collection_guarded_fields(self, vals, create=False):
        refused = super()._collection_guarded_fields(vals, create=create)
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
        as_module(self).write({"state": "proposed", "error_message": False})

    def _reset_proposal(self):
        """Delete the proposal of runs not executed: drafts nobody received."""
        runs = self.filtered(lambda r: r.state in ("draft", "proposed"))
        runs.line_ids.unlink()
        runs.dunning_ids.unlink()
        runs.filtered(lambda r: r.state == "proposed").sudo().state = "draft"

    def action_execute(self):
        for run in self:
            today = self.env["collection.receivable"]._get_today(run.company_id)
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
                # numbered now, in one transaction: the workers then never
                # wait on the sequence (one dropped at execution leaves its
                # number unused)
                as_module(dunnings.filtered(lambda d: d.name == "/"))._set_names()
                as_module(run).state = "executing"
            else:
                dunnings._execute()
                as_module(run).state = "done"
        if "executing" in self.mapped("state"):
            for xmlid in EXECUTION_WORKERS:
                self.env.ref(xmlid)._trigger()

    def _lock_execution(self, wait=False, shared=False):
        """Take the company's dunning lock until the transaction ends: two
        executions never dun the same invoices at once. The scheduled
        action's workers share it (each executes dunnings of the same run it
        claimed alone); a user's execution takes it alone. Returns False, or
        raises, when another transaction holds it."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT %s(%s, %s)",
                SQL(
                    "pg_try_advisory_xact_lock_shared"
                    if shared
                    else "pg_try_advisory_xact_lock"
                ),
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
        """Execute the next batch of dunnings of the runs being executed: of
        each company, its oldest run only, so that two runs never overlap.
        Several workers execute a run together, each claiming its dunnings
        with row locks that the others skip; a worker killed mid-batch
        leaves its dunnings to the next (its transaction is rolled back). A
        batch that fails puts its run back to Proposed with the reason, and
        the collector is told; the other runs go on."""
        runs = self.search([("state", "=", "executing")], order="id")
        Dunning = self.env["collection.dunning"]
        done = 0
        for run in runs.grouped("company_id").values():
            run = run[0]
            if not run._lock_execution(wait=True, shared=True):
                continue
            todo = Dunning
            try:
                with self.env.cr.savepoint():
                    todo = run._claim_dunnings(batch_size - done)
                    todo._execute()
            except CONCURRENT_ERRORS:
                # another worker changed what this one read: its next call
                # executes these dunnings again, from a fresh snapshot
                continue
            except Exception as error:  # noqa: BLE001 - recorded, the others go on
                run._record_failure(error)
            else:
                # two workers finishing at once: one of them says it is done
                with (
                    contextlib.suppress(*CONCURRENT_ERRORS),
                    self.env.cr.savepoint(),
                ):
                    if not Dunning.search_count(
                        [("run_id", "=", run.id), ("state", "=", "draft")]
                    ):
                        run.state = "done"
            done += len(todo)
            if done >= batch_size:
                break
        left = Dunning.search_count(
            [("run_id.state", "=", "executing"), ("state", "=", "draft")]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=left)
        return left

    def _claim_dunnings(self, limit):
        """Up to `limit` proposed dunnings of this run no other worker holds,
        locked until the transaction ends."""
        self.ensure_one()
        self.env["collection.dunning"].flush_model(["run_id", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM collection_dunning
                 WHERE run_id = %s AND state = 'draft'
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                self.id,
                limit,
            )
        )
        return self.env["collection.dunning"].browse(
            row[0] for row in self.env.cr.fetchall()
        )

    def _record_failure(self, error):
        """Show why the scheduled action failed on a run, put it back where a
        user can act, and tell its author."""
        message = str(error) or error.__class__.__name__
        for run in as_module(self):
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

    @api.model
    def _cron_run_automatic(self):
        """Daily: propose and execute the automatic levels of one company a
        transaction (the scheduled action calls again while companies are
        left). Running it twice a day sends nothing twice: an invoice is never
        dunned twice at the same level. A company that fails keeps its run
        with the reason, and the others go on. Returns the companies left."""
        # each company's own day, whatever the cron user's time zone
        Receivable = self.env["collection.receivable"]
        policies = self.env["collection.policy"].search(
            [("level_ids.automatic", "=", True)]
        )
        companies = policies.company_id.filtered(
            lambda c: (
                not self.search_count(
                    [
                        ("automatic", "=", True),
                        ("company_id", "=", c.id),
                        ("date", "=", Receivable._get_today(c)),
                    ],
                    limit=1,
                )
            )
        )
        if not companies:
            return 0
        company = companies.sorted("id")[0]
        today = Receivable._get_today(company)
        run = self.with_company(company).create(
            {
                "company_id": company.id,
                "date": today,
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
