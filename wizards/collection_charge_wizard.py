from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..models.collection_guard import as_module
from ..models.collection_receivable import COLLECTED_MOVE_TYPES
from .common import active_customers_or_invoices


class CollectionChargeWizard(models.TransientModel):
    _name = "collection.charge.wizard"
    _description = "Invoice Late-payment Charges"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Customers",
        required=True,
        default=lambda self: self._default_partner_ids(),
    )
    date = fields.Date(
        string="Charge Until",
        required=True,
        default=fields.Date.context_today,
        help="Interest is charged up to and including this day.",
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'sale'), ('company_id', '=', company_id)]",
        default=lambda self: self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.env.company.id)], limit=1
        ),
    )

    # ------------------------------------------------------------
    # DEFAULT METHODS
    # ------------------------------------------------------------

    @api.model
    def _default_partner_ids(self):
        records = active_customers_or_invoices(self.env)
        return records.commercial_partner_id if records else self.env["res.partner"]

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_create_invoices(self):
        self.ensure_one()
        if self.date > self.env["collection.receivable"]._get_today():
            raise UserError(_("Interest cannot be charged for days still to come."))
        invoices = self._action_create_invoices()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        if len(invoices) == 1:
            action.update(views=[(False, "form")], res_id=invoices.id)
        return action

    def _action_create_invoices(self):
        charged = self._get_charged_invoices()
        charges = charged._collection_get_charges(self.date)
        values = []
        for partner in self.partner_ids.commercial_partner_id:
            # the lines' words and dates in the customer's language
            in_lang = self.with_context(lang=partner.lang or self.env.lang)
            lines = [
                line
                for move in charged.filtered(
                    lambda m, p=partner: m.commercial_partner_id == p
                )
                for line in in_lang._prepare_charge_lines(move, charges[move.id])
            ]
            if lines:
                values.append(in_lang._prepare_invoice_values(partner, lines))
        if not values:
            raise UserError(
                _(
                    "Nothing to charge up to %(date)s: no late invoice of these "
                    "customers has interest or compensation left to invoice.",
                    date=self.date,
                )
            )
        # charge lines are written by this wizard only (see account.move.line)
        return as_module(self.env["account.move"]).create(values).sudo(False)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_charged_invoices(self):
        """Posted invoices of the customers with an installment due before the
        date; refused while one of them has a draft charge invoice, so that no
        two charge invoices charge the same days."""
        if self.company_id not in self.env.user.company_ids:
            raise UserError(
                _("You do not work for %(company)s.", company=self.company_id.name)
            )
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                (
                    "commercial_partner_id",
                    "in",
                    self.partner_ids.commercial_partner_id.ids,
                ),
                ("move_type", "in", COLLECTED_MOVE_TYPES),
                ("state", "=", "posted"),
                (
                    "line_ids",
                    "any",
                    [
                        ("display_type", "=", "payment_term"),
                        ("date_maturity", "<", self.date),
                    ],
                ),
                ("collection_is_charge_invoice", "=", False),
                # a claim handed over is charged by its handler, as frozen
                ("collection_case_id", "=", False),
            ]
        )
        pending = moves.collection_charge_line_ids.filtered(
            lambda line: line.parent_state == "draft"
        )
        if pending:
            raise UserError(
                _(
                    "%(charge)s, still a draft, already charges %(invoices)s: post "
                    "or cancel it first.",
                    charge=", ".join(pending.move_id.mapped("display_name")),
                    invoices=", ".join(
                        pending.collection_charged_move_id.mapped("display_name")
                    ),
                )
            )
        return moves

    def _prepare_charge_lines(self, move, charges):
        company = self.company_id
        lines = []
        if charges["interest"]:
            interest = move.currency_id._convert(
                charges["interest"], company.currency_id, company, self.date
            )
            oldest_due = self.env["collection.receivable"]._get_oldest_due_date(move)
            start = max(
                filter(
                    None,
                    [
                        oldest_due,
                        move.collection_interest_invoiced_until,
                        move.collection_charges_waived_until,
                        # a consumer owes interest after the 14 days only
                        charges["b2c"]
                        and move._collection_get_b2c_wait_ends().get(move.id),
                    ],
                )
            ) + timedelta(days=1)
            # interest runs until the invoice is paid, at the latest today
            end = self.date
            if not charges["open"]:
                end = max(
                    move.line_ids.filtered(
                        lambda line: line.account_type == "asset_receivable"
                    )
                    .matched_credit_ids.filtered(
                        lambda partial: partial.max_date <= self.date
                    )
                    .mapped("max_date"),
                    default=self.date,
                )
            lines.append(
                {
                    "product_id": self.env.ref("credit_collection.product_interest").id,
                    "name": _(
                        "Late-payment interest on %(invoice)s "
                        "from %(start)s to %(end)s",
                        invoice=move.name,
                        start=format_date(self.env, start),
                        end=format_date(self.env, end),
                    ),
                    "quantity": 1,
                    "price_unit": interest,
                    "tax_ids": [Command.clear()],
                    "collection_charged_move_id": move.id,
                    "collection_charge_type": "interest",
                    "collection_charge_amount": interest,
                    "collection_interest_date_from": start,
                    "collection_interest_date_to": self.date,
                }
            )
        if charges["compensation"]:
            b2c = charges["b2c"]
            lines.append(
                {
                    "product_id": self.env.ref(
                        "credit_collection.product_compensation"
                    ).id,
                    "name": _("Damages, %(invoice)s", invoice=move.name)
                    if b2c
                    else _(
                        "Fixed compensation for recovery costs, %(invoice)s",
                        invoice=move.name,
                    ),
                    "quantity": 1,
                    "price_unit": charges["compensation"],
                    "tax_ids": [Command.clear()],
                    "collection_charged_move_id": move.id,
                    "collection_charge_type": "compensation",
                    "collection_charge_amount": charges["compensation"],
                }
            )
        return lines

    def _prepare_invoice_values(self, partner, lines):
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "journal_id": self.journal_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.company_id.currency_id.id,
            "invoice_date": self.date,
            "invoice_origin": _("Late-payment charges"),
            "invoice_line_ids": [Command.create(line) for line in lines],
        }
