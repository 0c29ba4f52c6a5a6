from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.misc import format_date
from odoo.tools.sql import column_exists, create_column

from .collection_guard import with_context_defaults
from .collection_receivable import COLLECTED_MOVE_TYPES

# Invoice fields only collectors may change.
COLLECTION_FIELDS = {
    "collection_reason_id",
    "collection_disputed",
    "collection_dispute_answer",
}
# Invoice fields only collection managers may change: they stop or change the
# dunning of the invoice for good.
MANAGER_FIELDS = {"collection_excluded", "collection_policy_id"}
# What a dispute is stamped with when it opens.
DISPUTE_STAMPS = (
    "collection_dispute_date",
    "collection_dispute_user_id",
    "collection_dispute_state",
)
# Set by the Delay and Waiver measures only, within a mandate or once approved;
# computed from the dunning history, the charge invoices and the promises:
# never written by a user.
MEASURE_FIELDS = {
    "collection_original_due_dates",
    "collection_extended_until",
    "collection_charges_waived_until",
    "collection_compensation_waived",
    "collection_level_id",
    "collection_last_dunning_date",
    "collection_interest_invoiced_until",
    "collection_compensation_invoiced",
    "collection_is_charge_invoice",
    "collection_promise_ids",
    "collection_dunning_line_ids",
    "collection_charge_line_ids",
    "collection_dispute_date",
    "collection_dispute_user_id",
    "collection_dispute_state",
    "collection_case_id",
}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "collection.guard.mixin"]
    _collection_guard_all = False

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    collection_open_due_date = fields.Date(
        string="Oldest Unpaid Due Date",
        compute="_compute_collection_open_due_date",
        store=True,
        index="btree_not_null",
        help="The due date of the oldest installment still to pay (the earlier "
        "of its due date and the one it was first posted with); empty when "
        "nothing is left to pay. Lateness counts from it.",
    )
    collection_days_overdue = fields.Integer(
        string="Days Overdue",
        compute="_compute_collection_days_overdue",
        search="_search_collection_days_overdue",
        help="Days since the due date of the oldest unpaid installment; 0 when "
        "not yet due or paid.",
    )
    collection_reason_id = fields.Many2one(
        comodel_name="collection.reason",
        string="Non-payment Reason",
        tracking=True,
        copy=False,
        check_company=True,
        index="btree_not_null",
    )
    collection_excluded = fields.Boolean(
        string="Excluded from Collection",
        tracking=True,
        copy=False,
        help="Never dunned nor counted as to follow.",
    )
    collection_pending_note = fields.Char(
        string="Awaiting Approval",
        compute="_compute_collection_pending_note",
        groups="credit_collection.group_collection_user",
        help="The collection decisions on this invoice that wait for a manager.",
    )
    collection_original_due_dates = fields.Json(
        string="Original Due Dates",
        copy=False,
        readonly=True,
        help="The installments' due dates when the invoice was first posted: "
        "every lateness counts from them, whatever is posted again.",
    )
    collection_extended_until = fields.Date(
        string="Extended Until",
        copy=False,
        readonly=True,
        tracking=True,
        help="Payment date granted to the customer: no dunning before it. Interest "
        "still runs from the original due date.",
    )
    collection_charges_waived_until = fields.Date(
        string="Charges Waived Until",
        copy=False,
        readonly=True,
        tracking=True,
        help="Interest up to this day was waived: never shown nor charged.",
    )
    collection_compensation_waived = fields.Boolean(
        string="Compensation Waived", copy=False, readonly=True, tracking=True
    )
    collection_policy_id = fields.Many2one(
        comodel_name="collection.policy",
        string="Dunning Policy",
        tracking=True,
        copy=False,
        check_company=True,
        help="Policy of this invoice; empty: the customer's, or the company's.",
    )
    collection_dunning_line_ids = fields.One2many(
        comodel_name="collection.dunning.line",
        inverse_name="move_id",
        string="Dunning History",
        copy=False,
    )
    collection_promise_ids = fields.Many2many(
        comodel_name="collection.promise",
        relation="account_move_collection_promise_rel",
        column1="account_move_id",
        column2="collection_promise_id",
        string="Promises",
        copy=False,
    )
    collection_promise_count = fields.Integer(
        compute="_compute_collection_promise_count"
    )
    collection_level_id = fields.Many2one(
        comodel_name="collection.level",
        string="Dunning Level",
        compute="_compute_collection_level",
        store=True,
        help="Level of the last dunning sent for this invoice.",
    )
    collection_last_dunning_date = fields.Date(
        string="Last Dunning",
        compute="_compute_collection_level",
        store=True,
    )

    def _auto_init(self):
        """The oldest unpaid due date of the invoices already in the book, in
        one statement when the column is added: the ORM would compute it an
        invoice at a time."""
        cr = self.env.cr
        if not column_exists(cr, "account_move", "collection_open_due_date"):
            create_column(cr, "account_move", "collection_open_due_date", "date")
            receivable = self.env["collection.receivable"]
            due = (
                receivable._get_due_date_sql()
                if column_exists(cr, "account_move_line", "insurance_due_date")
                else SQL("line.date_maturity")
            )
            cr.execute(
                SQL(
                    """
                    UPDATE account_move move
                       SET collection_open_due_date = open.due
                      FROM (
                            SELECT line.move_id, MIN(%s) AS due
                              FROM account_move_line line
                              JOIN account_account account
                                   ON account.id = line.account_id
                             WHERE %s AND line.amount_residual > 0
                          GROUP BY line.move_id
                           ) open
                     WHERE open.move_id = move.id
                    """,
                    due,
                    receivable._get_open_item_condition(),
                )
            )
        return super()._auto_init()

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends(
        "state",
        "line_ids.parent_state",
        "line_ids.account_id",
        "line_ids.amount_residual",
        "line_ids.date_maturity",
        "line_ids.insurance_due_date",
        "line_ids.reconciled",
    )
    def _compute_collection_open_due_date(self):
        Receivable = self.env["collection.receivable"]
        for move in self:
            move.collection_open_due_date = min(
                (
                    due
                    for line in move.line_ids
                    if Receivable._is_open_installment(line)
                    and (due := Receivable._get_due_date(line))
                ),
                default=False,
            )

    @api.depends("collection_open_due_date")
    @api.depends_context("company")
    def _compute_collection_days_overdue(self):
        today = self.env["collection.receivable"]._get_today()
        for move in self:
            due = move.collection_open_due_date
            late = due and due < today
            move.collection_days_overdue = (today - due).days if late else 0

    @api.depends_context("lang")
    def _compute_collection_pending_note(self):
        pending = (
            self.env["collection.decision"]
            .sudo()
            .search([("state", "=", "to_approve"), ("move_ids", "in", self.ids)])
        )
        for move in self:
            move.collection_pending_note = "; ".join(
                _(
                    "%(measure)s asked by %(user)s on %(date)s, for %(manager)s",
                    measure=decision.request_summary or decision._get_measure_label(),
                    user=decision.user_id.name or decision.company_id.name,
                    date=format_date(self.env, decision.date),
                    manager=decision.manager_id.name or _("a collection manager"),
                )
                for decision in pending
                if move in decision.move_ids
            )

    @api.depends("collection_promise_ids")
    def _compute_collection_promise_count(self):
        for move in self:
            move.collection_promise_count = len(move.collection_promise_ids)

    @api.depends(
        "collection_dunning_line_ids.state",
        "collection_dunning_line_ids.date",
        "collection_dunning_line_ids.level_id",
    )
    def _compute_collection_level(self):
        """The last dunning sent: read in one query for stored invoices (a
        run's execution recomputes tens of thousands), from the cache for
        an invoice being edited."""
        stored = self.filtered("id")
        last = {}
        if stored:
            self.env["collection.dunning.line"].flush_model(
                ["move_id", "state", "date", "level_id"]
            )
            self.env.cr.execute(
                SQL(
                    """
                    SELECT DISTINCT ON (line.move_id)
                           line.move_id, line.level_id, line.date
                      FROM collection_dunning_line line
                      JOIN collection_level level ON level.id = line.level_id
                     WHERE line.move_id = ANY(%s) AND line.state = 'done'
                     ORDER BY line.move_id, line.date DESC,
                              level.days_after_due DESC, line.id DESC
                    """,
                    stored.ids,
                )
            )
            last = {
                move_id: (level, date)
                for move_id, level, date in self.env.cr.fetchall()
            }
        for move in self - stored:
            done = move.collection_dunning_line_ids.filtered(
                lambda line: line.state == "done"
            ).sorted(lambda line: (line.date, line.level_id.days_after_due, line.id))
            last[move.id] = (done[-1:].level_id.id, done[-1:].date)
        # assigned once per level and date: a run's execution recomputes tens
        # of thousands of invoices, most of them to the same few values
        moves_by_last = defaultdict(list)
        for move in self:
            moves_by_last[last.get(move.id, (False, False))].append(move.id)
        for (level_id, date), move_ids in moves_by_last.items():
            moves = self.browse(move_ids)
            moves.collection_level_id = level_id
            moves.collection_last_dunning_date = date

    def _search_collection_days_overdue(self, operator, value):
        if operator not in ("=", "!=", "<", "<=", ">", ">=") or isinstance(value, bool):
            raise UserError(
                _("Unsupported search on Days Overdue: %(op)s", op=operator)
            )
        value = int(value or 0)

        def at_least(days):
            """Moves at least `days` days overdue (days >= 1)."""
            if days <= 0:
                return expression.TRUE_DOMAIN
            limit = self.env["collection.receivable"]._get_today() - relativedelta(
                days=days
            )
            return [("collection_open_due_date", "<=", limit)]

        def negate(domain):
            if domain == expression.TRUE_DOMAIN:
                return expression.FALSE_DOMAIN
            # nothing to pay is not late either
            ((__, __, limit),) = domain
            return [
                "|",
                ("collection_open_due_date", "=", False),
                ("collection_open_due_date", ">", limit),
            ]

        domains = {
            ">=": lambda: at_least(value),
            ">": lambda: at_least(value + 1),
            "<": lambda: negate(at_least(value)),
            "<=": lambda: negate(at_least(value + 1)),
            "=": lambda: expression.AND([at_least(value), negate(at_least(value + 1))]),
            "!=": lambda: negate(
                expression.AND([at_least(value), negate(at_least(value + 1))])
            ),
        }
        return domains[operator]()

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains(
        "collection_reason_id", "collection_disputed", "collection_excluded"
    )
    def _check_collection_move_type(self):
        for move in self:
            if move.move_type not in COLLECTED_MOVE_TYPES and (
                move.collection_reason_id
                or move.collection_disputed
                or move.collection_excluded
            ):
                raise ValidationError(
                    _(
                        "%(move)s is not a customer invoice: only customer invoices "
                        "can have a reason for non-payment, be disputed or be excluded "
                        "from collection.",
                        move=move.display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _get_collection_action_fields(self):
        return {
            **super()._get_collection_action_fields(),
            **dict.fromkeys(
                MEASURE_FIELDS,
                _(
                    "Extensions and waivers are granted with their actions, within "
                    "a mandate; dunning levels, promises, charges and cases are "
                    "written by their own actions."
                ),
            ),
            "collection_open_due_date": _(
                "The oldest unpaid due date is computed from the invoice's "
                "installments and what was paid on them."
            ),
        }

    def _get_collection_restricted_fields(self):
        return super()._get_collection_restricted_fields() | (
            COLLECTION_FIELDS | MANAGER_FIELDS
        )

    def _collection_guarded_fields(self, vals, create=False):
        refused = super()._collection_guarded_fields(vals, create=create)
        if "collection_disputed" in vals:
            # stamped by _prepare_collection_values from the dispute itself
            refused -= {"collection_dispute_date", "collection_dispute_user_id"}
            if vals["collection_disputed"]:
                refused -= {"collection_dispute_state"}
        return refused

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals = with_context_defaults(self, vals)
            if any(vals.get(fname) for fname in COLLECTION_FIELDS):
                self._check_collection_write_access()
            if any(vals.get(fname) for fname in MANAGER_FIELDS):
                self._check_collection_manager_access()
        return super().create(
            [
                self._prepare_collection_values(self._with_dispute_defaults(vals))
                for vals in vals_list
            ]
        )

    def _with_dispute_defaults(self, vals):
        """`vals` with the context's defaults of a dispute made explicit: a
        dispute from a `default_` key is stamped by the module as any other,
        not left to the caller's values."""
        full = with_context_defaults(self, vals)
        keys = ("collection_disputed", "collection_reason_id", *DISPUTE_STAMPS)
        return {**vals, **{key: full[key] for key in keys if key in full}}

    def write(self, vals):
        if COLLECTION_FIELDS.intersection(vals):
            self._check_collection_write_access()
        if MANAGER_FIELDS.intersection(vals):
            self._check_collection_manager_access()
        if "invoice_user_id" in vals:
            self._check_collection_salesperson_change()
        return super().write(self._prepare_collection_values(vals))

    def _check_collection_salesperson_change(self):
        """A posted customer invoice's salesperson opens its customer's
        receivables to them: only accounting changes it."""
        if self.env.su or self.env.user.has_group("account.group_account_invoice"):
            return
        if any(
            move.state == "posted" and move.is_sale_document(include_receipts=True)
            for move in self
        ):
            raise AccessError(
                _(
                    "The salesperson of a posted invoice is changed by accounting "
                    "only: it decides who reads the customer's receivables."
                )
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_view_collection_promises(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.collection_promise_action"
        )
        action["domain"] = [("id", "in", self.collection_promise_ids.ids)]
        return action

    def action_collection_extend(self):
        return self._open_measure_wizard("delay")

    def action_collection_waive(self):
        return self._open_measure_wizard("waiver")

    def _open_measure_wizard(self, measure):
        if len(self.commercial_partner_id) != 1:
            raise UserError(_("Choose the invoices of one customer."))
        return self.env["collection.measure.wizard"]._action_open(
            measure, self.commercial_partner_id, move_ids=self.ids
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_collection_manager_access(self):
        if not self.env.su and not self.env.user.has_group(
            "credit_collection.group_collection_manager"
        ):
            raise AccessError(
                _(
                    "Only a collection manager may exclude an invoice from collection "
                    "or give it its own dunning policy."
                )
            )

    def _check_collection_write_access(self):
        if not self.env.su and not self.env.user.has_group(
            "credit_collection.group_collection_user"
        ):
            raise AccessError(
                _(
                    "Only collectors may set the reason for non-payment or the "
                    "dispute of an invoice."
                )
            )

    def _prepare_collection_values(self, vals):
        """A dispute reason disputes the invoice; a dispute is stamped with its
        date and author, and opened (its answer cleared); lifting it clears
        date and author (and closes it: account_move_dispute.py)."""
        vals = dict(vals)
        if vals.get("collection_reason_id") and "collection_disputed" not in vals:
            reason = self.env["collection.reason"].browse(vals["collection_reason_id"])
            if reason.is_dispute:
                vals["collection_disputed"] = True
        if vals.get("collection_disputed") and self.filtered("collection_disputed"):
            # disputed already (write splits a mixed set): the dispute keeps
            # its day, author and state
            for fname in DISPUTE_STAMPS:
                vals.pop(fname, None)
        elif "collection_disputed" in vals:
            disputed = vals["collection_disputed"]
            vals["collection_dispute_date"] = (
                disputed and self.env["collection.receivable"]._get_today()
            )
            vals["collection_dispute_user_id"] = disputed and self.env.uid
            if disputed:
                vals["collection_dispute_state"] = "open"
                vals["collection_dispute_answer"] = False
        return vals
