from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from .collection_commission_entry import ENTRY_KINDS
from .collection_guard import as_module
from .collection_kpi_book import Period
from .collection_xlsx import CollectionWorkbook


class CollectionCommissionSettlement(models.Model):
    """A salesperson's commission for a period of payment dates: a line per
    payment collected, claw-backs of payments undone after being settled.
    Draft, confirmed (its lines frozen), paid; a draft may be cancelled,
    which frees its payments for another settlement."""

    _name = "collection.commission.settlement"
    _inherit = ["mail.thread", "collection.guard.mixin"]
    _description = "Commission Settlement"
    _order = "date_to desc, id desc"
    _collection_sequence = "collection.commission.settlement"

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        required=True,
        readonly=True,
        index=True,
    )
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("confirmed", "Confirmed"),
            ("paid", "Paid"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many(
        comodel_name="collection.commission.settlement.line",
        inverse_name="settlement_id",
        readonly=True,
    )
    amount_total = fields.Monetary(
        string="Commission", compute="_compute_amount_total", store=True
    )
    salesperson_dso = fields.Float(
        string="Salesperson's DSO",
        digits=(16, 2),
        readonly=True,
        help="Days sales outstanding of the salesperson's invoices over the "
        "period, when it was settled.",
    )
    salesperson_overdue = fields.Monetary(
        string="Overdue Portfolio",
        readonly=True,
        help="The salesperson's invoices overdue at the end of the period.",
    )

    @api.depends("line_ids.commission")
    def _compute_amount_total(self):
        for settlement in self:
            settlement.amount_total = sum(settlement.line_ids.mapped("commission"))

    def _compute_display_name(self):
        for settlement in self:
            settlement.display_name = f"{settlement.name} · {settlement.user_id.name}"

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            _("A commission settlement is never deleted: cancel a draft instead.")
        )

    # ------------------------------------------------------------
    # SETTLING
    # ------------------------------------------------------------

    @api.model
    def _settle(self, company, date_from, date_to, users):
        """One settlement per salesperson of `users` with payments collected
        from `date_from` to `date_to` (and claw-backs up to `date_to`) not
        settled yet. The entries are locked, then claimed in one UPDATE that
        re-checks they are free: a payment is never settled twice, even by
        two settlements computed at once."""
        if date_to < date_from:
            raise ValidationError(_("The period ends before it starts."))
        Entry = self.env["collection.commission.entry"].sudo()
        Entry.flush_model()
        self.env["collection.commission.settlement.line"].flush_model()
        domain = [
            ("company_id", "=", company.id),
            ("user_id", "in", users.ids),
            ("state", "=", "earned"),
            ("settlement_id", "=", False),
            ("payment_date", "<=", date_to),
            "|",
            ("kind", "=", "clawback"),
            ("payment_date", ">=", date_from),
        ]
        query = Entry._search(domain)
        self.env.cr.execute(
            SQL("%s FOR UPDATE", query.select(SQL.identifier(Entry._table, "id")))
        )
        entries = Entry.browse(row[0] for row in self.env.cr.fetchall())
        settlements = self.browse()
        for user, user_entries in sorted(
            entries.grouped("user_id").items(), key=lambda item: item[0].name or ""
        ):
            settlement = (
                as_module(self)
                .with_context(mail_create_nolog=True)
                .create(
                    {
                        "company_id": company.id,
                        "user_id": user.id,
                        "date_from": date_from,
                        "date_to": date_to,
                        "state": "draft",
                    }
                )
            )
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE collection_commission_entry
                       SET settlement_id = %s
                     WHERE id IN %s AND settlement_id IS NULL AND state = 'earned'
                 RETURNING id
                    """,
                    settlement.id,
                    tuple(user_entries.ids),
                )
            )
            claimed = Entry.browse(row[0] for row in self.env.cr.fetchall())
            Entry.invalidate_model(["settlement_id"])
            as_module(self.env["collection.commission.settlement.line"]).create(
                [settlement._prepare_line(entry) for entry in claimed]
            )
            settlements |= settlement
        settlements._snapshot_portfolio()
        return settlements

    def _prepare_line(self, entry):
        return {
            "settlement_id": self.id,
            "entry_id": entry.id,
            "move_id": entry.move_id.id,
            "partner_id": entry.partner_id.id,
            "kind": entry.kind,
            "payment_date": entry.payment_date,
            "days_late": entry.days_late,
            "base": entry.base,
            "rate": entry.rate,
            "factor": entry.factor,
            "commission": entry.commission,
            "cancelled": False,
        }

    def _snapshot_portfolio(self):
        """The salespeople's DSO over the period and overdue invoices at its
        end, from collection.kpi.book (once per company and period, whatever
        the number of salespeople): the incentive beside the commission."""
        today = self.env["collection.receivable"]._get_today()
        periods = {}
        for settlement in self:
            key = (settlement.company_id, settlement.date_from, settlement.date_to)
            periods[key] = periods.get(key, self.browse()) | settlement
        Book = self.env["collection.kpi.book"]
        for (company, date_from, date_to), settlements in periods.items():
            figures, _buckets, _levels = Book._get_figures(
                Period(company, min(date_from, today), min(date_to, today))
            )
            for settlement in settlements:
                mine = figures.get(("salesperson", settlement.user_id.id), {})
                as_module(settlement).write(
                    {
                        "salesperson_dso": mine.get("has_sales") and mine["dso"] or 0.0,
                        "salesperson_overdue": mine.get("overdue_end", 0.0),
                    }
                )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _check_manager(self):
        if not self.env.user.has_group("credit_collection.group_collection_manager"):
            raise UserError(_("Only a collection manager settles commissions."))

    def action_confirm(self):
        self._check_manager()
        if any(settlement.state != "draft" for settlement in self):
            raise UserError(_("Only a draft settlement is confirmed."))
        as_module(self).write({"state": "confirmed"})

    def action_mark_paid(self):
        self._check_manager()
        if any(settlement.state != "confirmed" for settlement in self):
            raise UserError(_("Only a confirmed settlement is paid."))
        as_module(self).write({"state": "paid"})

    def action_cancel(self):
        """A draft is cancelled: its payments go back to be settled again."""
        self._check_manager()
        if any(settlement.state != "draft" for settlement in self):
            raise UserError(
                _("A confirmed or paid settlement is not cancelled: it was paid out.")
            )
        lines = as_module(self).line_ids
        lines.entry_id.write({"settlement_id": False})
        lines.write({"cancelled": True})
        as_module(self).write({"state": "cancel"})

    def action_print_statement(self):
        return self.env.ref(
            "credit_collection.action_report_commission_statement"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env["ir.attachment"]._collection_download_xlsx(
            _("Commission %(name)s.xlsx", name=self.name), self._get_xlsx()
        )

    def _get_xlsx(self):
        """The settlement as a workbook (bytes): a line per payment."""
        self.ensure_one()
        Line = self.env["collection.commission.settlement.line"]
        columns = [
            "move_id",
            "partner_id",
            "kind",
            "payment_date",
            "days_late",
            "base",
            "rate",
            "factor",
            "commission",
        ]
        book = CollectionWorkbook()
        sheet = book.add_sheet(
            _("Commission"),
            headers=[
                Line._fields[name].get_description(self.env)["string"]
                for name in columns
            ],
            title=_(
                "%(name)s: %(user)s, payments from %(from)s to %(to)s, in %(currency)s",
                name=self.name,
                user=self.user_id.name,
                currency=self.currency_id.name,
                **{
                    "from": format_date(self.env, self.date_from),
                    "to": format_date(self.env, self.date_to),
                },
            ),
            widths=[(0, 1, 24), (2, 8, 13)],
            frozen_columns=1,
        )
        kinds = dict(Line._fields["kind"]._description_selection(self.env))
        row = 2
        for row, line in enumerate(self.line_ids, start=3):
            sheet.write(row, 0, line.move_id.name)
            sheet.write(row, 1, line.partner_id.name or "")
            sheet.write(row, 2, kinds[line.kind])
            sheet.write_datetime(
                row, 3, fields.Datetime.to_datetime(line.payment_date), book.day
            )
            sheet.write_number(row, 4, line.days_late)
            sheet.write_number(row, 5, line.base, book.money)
            sheet.write_number(row, 6, line.rate, book.number)
            sheet.write_number(row, 7, line.factor, book.number)
            sheet.write_number(row, 8, line.commission, book.money)
        sheet.write(row + 1, 0, _("Total"), book.bold)
        sheet.write_number(row + 1, 8, self.amount_total, book.money_total)
        return book.close()


class CollectionCommissionSettlementLine(models.Model):
    """A payment (or a claw-back) in a settlement, frozen as settled."""

    _name = "collection.commission.settlement.line"
    _inherit = ["collection.guard.mixin", "collection.commission.timing.mixin"]
    _description = "Commission Settlement Line"
    _order = "settlement_id, payment_date, id"

    settlement_id = fields.Many2one(
        comodel_name="collection.commission.settlement",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True)
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    user_id = fields.Many2one(
        related="settlement_id.user_id", store=True, string="Salesperson"
    )
    entry_id = fields.Many2one(
        comodel_name="collection.commission.entry", required=True, index=True
    )
    move_id = fields.Many2one(comodel_name="account.move", string="Invoice")
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer")
    kind = fields.Selection(selection=ENTRY_KINDS)
    payment_date = fields.Date()
    days_late = fields.Integer(aggregator="avg")
    base = fields.Monetary(string="Collected Untaxed")
    rate = fields.Float(string="Rate (%)", digits=(16, 2), aggregator=False)
    factor = fields.Float(string="Factor (%)", digits=(16, 2), aggregator=False)
    commission = fields.Monetary()

    cancelled = fields.Boolean(readonly=True)

    def init(self):
        # a payment is in one settlement that is not cancelled, whatever
        # runs at once
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS
                   collection_commission_settlement_line_entry_uniq
                ON collection_commission_settlement_line (entry_id)
             WHERE NOT COALESCE(cancelled, FALSE)
            """
        )
