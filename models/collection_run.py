from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CollectionRun(models.Model):
    _name = "collection.run"
    _description = "Dunning Run"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Days overdue, interest and compensation are counted at this date.",
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
        selection=[("draft", "Draft"), ("proposed", "Proposed"), ("done", "Done")],
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
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("collection.run") or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(run.state == "done" for run in self):
            raise UserError(_("An executed dunning run cannot be deleted."))

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_propose(self):
        for run in self:
            if run.state == "done":
                raise UserError(_("%(run)s was already executed.", run=run.name))
            if not run.policy_ids:
                raise UserError(_("Choose at least one dunning policy to run."))
        self._action_propose()

    def _action_propose(self):
        for run in self:
            run.dunning_ids.unlink()
            run.line_ids.unlink()
            run._create_proposal()
        self.state = "proposed"

    def action_execute(self):
        for run in self:
            if run.state != "proposed":
                raise UserError(
                    _("Compute the proposal of %(run)s first.", run=run.name)
                )
        self._action_execute()

    def _action_execute(self):
        for run in self:
            run.dunning_ids.filtered(lambda d: d.state == "draft")._execute()
        self.state = "done"

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
        """Open customer invoices of the run's company due within the earliest
        level's delay, with their oldest open due date: one query for the whole
        receivable book."""
        self.ensure_one()
        first_delay = min(self.policy_ids.level_ids.mapped("days_after_due"), default=0)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT move.id AS move_id,
                       move.commercial_partner_id AS partner_id,
                       move.collection_policy_id AS policy_id,
                       move.collection_disputed AS disputed,
                       move.collection_excluded AS excluded,
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
                       move.currency_id,
                       move.amount_total,
                       MIN(line.date_maturity) AS due_date,
                       SUM(line.amount_residual) AS open_company,
                       SUM(line.amount_residual_currency) AS open_currency
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE line.company_id = %(company_id)s
                   AND line.display_type = 'payment_term'
                   AND line.parent_state = 'posted'
                   AND NOT line.reconciled
                   AND line.amount_residual > 0
                   AND line.date_maturity <= %(limit)s
                   AND move.move_type IN ('out_invoice', 'out_receipt')
              GROUP BY move.id
                """,
                company_id=self.company_id.id,
                limit=self.date - timedelta(days=first_delay),
            )
        )
        return self.env.cr.dictfetchall()

    def _create_proposal(self):
        """One dunning per customer and policy at the highest level its invoices
        reached, listing them; every other invoice reaching a level is listed as
        skipped with its reason."""
        self.ensure_one()
        company = self.company_id
        rows = self._get_candidates()
        Partner = self.env["res.partner"].with_company(company)
        partners = Partner.browse({row["partner_id"] for row in rows})
        partner_policies = {p.id: p.collection_policy_id for p in partners}
        Level = self.env["collection.level"]
        default_policy = company.collection_policy_id
        minimum_reached = defaultdict(float)
        for row in rows:
            policy = (
                self.env["collection.policy"].browse(row["policy_id"])
                if row["policy_id"]
                else partner_policies.get(row["partner_id"]) or default_policy
            )
            row["policy"] = policy
            row["days"] = (self.date - row["due_date"]).days
            row["level"] = (
                policy._get_level_reached(row["days"], automatic_only=self.automatic)
                if policy in self.policy_ids
                else Level
            )
            extended = row["extended_until"] and row["extended_until"] >= self.date
            suspended = (
                row["disputed"] or row["excluded"] or extended or row["promised"]
            )
            if row["level"] and not suspended:
                minimum_reached[row["partner_id"], policy.id] += row["open_company"]
        rows = [row for row in rows if row["level"]]

        groups = defaultdict(list)
        skipped = []
        for row in rows:
            current = Level.browse(row["level_id"])
            if row["disputed"]:
                row["skip"] = "disputed"
            elif row["excluded"]:
                row["skip"] = "excluded"
            elif row["extended_until"] and row["extended_until"] >= self.date:
                row["skip"] = "extended"
            elif row["promised"]:
                row["skip"] = "promise"
            elif (
                minimum_reached[row["partner_id"], row["policy"].id]
                < row["policy"].min_amount
            ):
                row["skip"] = "minimum"
            elif current and current.days_after_due >= row["level"].days_after_due:
                row["skip"] = "already_dunned"
            else:
                row["skip"] = False
            if row["skip"] in (
                "disputed",
                "excluded",
                "extended",
                "promise",
                "minimum",
            ):
                skipped.append(row)
            else:
                groups[row["partner_id"], row["policy"].id].append(row)

        recipients = partners._collection_get_recipients()
        dunning_values, dunning_rows = [], []
        for (partner_id, _policy_id), group in groups.items():
            to_dun = [row for row in group if not row["skip"]]
            if not to_dun:
                skipped.extend(group)
                continue
            level = max(
                (row["level"] for row in to_dun), key=lambda lv: lv.days_after_due
            )
            if level.channel == "email" and not recipients[partner_id].email:
                for row in group:
                    row["skip"] = row["skip"] or "no_email"
                skipped.extend(group)
                continue
            partner = Partner.browse(partner_id)
            dunning_values.append(
                {
                    "run_id": self.id,
                    "company_id": company.id,
                    "partner_id": partner_id,
                    "level_id": level.id,
                    "date": self.date,
                    "user_id": partner.collection_user_id.id,
                    "salesperson_id": partner.user_id.id,
                    "fee_amount": level.fee_amount,
                }
            )
            dunning_rows.append(group)
        dunnings = self.env["collection.dunning"].create(dunning_values)

        charged = dunnings.filtered(
            lambda d: d.level_id.charge_interest or d.level_id.charge_compensation
        )
        charged_move_ids = [
            row["move_id"]
            for d, group in zip(dunnings, dunning_rows, strict=True)
            if d in charged
            for row in group
        ]
        charges = (
            self.env["account.move"]
            .browse(charged_move_ids)
            ._collection_get_charges(self.date)
        )
        line_values = [
            self._prepare_line_values(row, dunning, charges.get(row["move_id"], {}))
            for dunning, group in zip(dunnings, dunning_rows, strict=True)
            for row in group
        ]
        line_values += [self._prepare_line_values(row) for row in skipped]
        self.env["collection.dunning.line"].create(line_values)

    def _prepare_line_values(self, row, dunning=None, charges=None):
        level = dunning.level_id if dunning else None
        charges = charges or {}
        return {
            "run_id": self.id,
            "dunning_id": dunning.id if dunning else False,
            "company_id": self.company_id.id,
            "partner_id": row["partner_id"],
            "move_id": row["move_id"],
            "level_id": row["level"].id,
            "date": self.date,
            "state": "draft" if dunning else "skipped",
            "skip_reason": False if dunning else row["skip"],
            "due_date": row["due_date"],
            "days_overdue": max(row["days"], 0),
            "currency_id": row["currency_id"],
            "amount_total": row["amount_total"],
            "amount_open": row["open_currency"],
            "interest_amount": charges.get("interest", 0.0)
            if level and level.charge_interest
            else 0.0,
            "compensation_amount": charges.get("compensation", 0.0)
            if level and level.charge_compensation
            else 0.0,
        }

    @api.model
    def _cron_run_automatic(self):
        """Daily: propose and execute the automatic levels of every company.
        Running it twice a day sends nothing twice: an invoice is never dunned
        twice at the same level."""
        policies = self.env["collection.policy"].search(
            [("level_ids.automatic", "=", True)]
        )
        for company in policies.company_id:
            run = self.with_company(company).create(
                {
                    "company_id": company.id,
                    "automatic": True,
                    "policy_ids": [
                        fields.Command.set(
                            policies.filtered(
                                lambda p, c=company: p.company_id == c
                            ).ids
                        )
                    ],
                }
            )
            run._action_propose()
            run._action_execute()
