from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .collection_case import OPEN_STATES, OUTCOMES, PROGRESS_STATES
from .collection_guard import as_module


class CollectionCase(models.Model):
    """What a case does: placed through the mandate, followed, closed, billed
    by its handler (docs/escalation.md)."""

    _inherit = "collection.case"

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_place(self):
        """Put the handover to the collector's mandate: placed at once within
        it, or once the approver agrees."""
        if not self.env.user.has_group("credit_collection.group_collection_user"):
            raise AccessError(_("Only collectors hand claims over."))
        today = self.env["collection.receivable"]._get_today()
        for case in self:
            if case.state != "draft":
                raise UserError(_("Only a case ready to go can be placed."))
            case._lock_invoices()
            refusal = case._get_procedure_refusal(today)
            if refusal:
                raise UserError(refusal)
            case._freeze_claim(today)
            as_module(case).state = "to_approve"
            as_module(case).decision_ids |= self.env["collection.decision"]._request(
                "escalate",
                case.partner_id,
                case.move_ids,
                reason=case.note
                or _("Handover to %(handler)s", handler=case.handler_id.name),
                source=case,
            )
            case._collection_decided()
        return True

    def _collection_decided(self):
        """Approved, the case is placed; refused, it is ready again, its
        invoices free."""
        for case in self.filtered(lambda c: c.state == "to_approve"):
            states = set(case.decision_ids.mapped("state"))
            if "refused" in states:
                as_module(case).write({"state": "draft", "line_ids": [(5, 0, 0)]})
                case.message_post(body=_("The handover was refused by the approver."))
            elif states and states <= {"applied", "approved"}:
                case._place()

    def _place(self):
        """The claim leaves the company's hands: its invoices leave dunning and
        interest charging, the customer is put on hold, the agreement is
        frozen. Checked again under lock: no invoice is placed twice."""
        today = self.env["collection.receivable"]._get_today()
        for case in self:
            case._lock_invoices()
            case._freeze_claim(today)
            handler = case.handler_id
            as_module(case).write(
                {
                    "state": "placed",
                    "date_placed": today,
                    "commission_rate": handler.commission_rate,
                    "old_invoice_days": handler.old_invoice_days,
                    "old_invoice_rate": handler.old_invoice_rate,
                    "fixed_fee": handler.fixed_fee,
                    "remittance_days": handler.remittance_days,
                }
            )
            as_module(case.move_ids).write({"collection_case_id": case.id})
            customer = case.partner_id.with_company(case.company_id)
            if not customer.collection_hold:
                customer._collection_set_hold(
                    _(
                        "Claim handed to %(handler)s (%(case)s)",
                        handler=handler.name,
                        case=case.name,
                    ),
                    case.user_id,
                )
            case.message_post(
                body=_(
                    "Placed with %(handler)s: %(amount)s claimed on %(count)s "
                    "invoices. Dunning and interest charging stop for them.",
                    handler=handler.name,
                    amount=case.currency_id.format(case.amount_claimed),
                    count=len(case.move_ids),
                )
            )

    def action_set_progress(self):
        """The handler's report: the state given by the button's context."""
        state = self.env.context.get("collection_case_state")
        if state not in PROGRESS_STATES:
            raise UserError(_("Choose one of the steps of a placed case."))
        for case in self:
            if case.state not in PROGRESS_STATES:
                raise UserError(_("Only a placed case moves on."))
        as_module(self).write({"state": state})
        return True

    def action_close(self):
        self.ensure_one()
        if self.state not in PROGRESS_STATES:
            raise UserError(_("Only a placed case is closed."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Close the Case"),
            "res_model": "collection.case.close.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def _close(self, outcome, reason):
        """Close the case with its outcome: its invoices go back to the
        company (dunning may resume on what is still open); a withdrawal
        needs its reason. The hold stays: releasing it is a measure."""
        if outcome not in dict(OUTCOMES):
            raise UserError(_("Choose the case's outcome."))
        if outcome == "withdrawn" and not (reason or "").strip():
            raise UserError(_("Say why the case is withdrawn."))
        today = self.env["collection.receivable"]._get_today()
        for case in self:
            if case.state not in PROGRESS_STATES:
                raise UserError(_("Only a placed case is closed."))
            as_module(case).write(
                {
                    "state": "closed",
                    "outcome": outcome,
                    "close_reason": reason,
                    "date_closed": today,
                }
            )
            held = case.move_ids.filtered(lambda m, c=case: m.collection_case_id == c)
            as_module(held).write({"collection_case_id": False})

    def action_create_bill(self):
        """The handler's bill: the fee not billed yet and the commission on
        the payments not billed yet, as a draft vendor bill the accountant
        checks against the handler's own."""
        self.ensure_one()
        if self.state not in (*PROGRESS_STATES, "closed") or not self.date_placed:
            raise UserError(_("Only a placed case earns its handler anything."))
        payments = self.payment_ids.filtered(lambda p: not p.bill_id)
        lines = []
        if self.fixed_fee and not self.fee_billed:
            lines.append(
                {
                    "name": _("Fee for case %(case)s", case=self.name),
                    "quantity": 1,
                    "price_unit": self.fixed_fee,
                }
            )
        commission = sum(payments.mapped("commission"))
        if payments and commission:
            lines.append(
                {
                    "name": _(
                        "Commission on %(amount)s collected for case %(case)s",
                        amount=self.currency_id.format(sum(payments.mapped("amount"))),
                        case=self.name,
                    ),
                    "quantity": 1,
                    "price_unit": commission,
                }
            )
        if not lines:
            raise UserError(_("Nothing to bill: no fee nor commission is due."))
        bill = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.handler_partner_id.id,
                    "invoice_origin": self.name,
                    "invoice_line_ids": [
                        fields.Command.create({**line, "tax_ids": []}) for line in lines
                    ],
                }
            )
        )
        as_module(self).write(
            {"bill_ids": [fields.Command.link(bill.id)], "fee_billed": True}
        )
        as_module(payments).write({"bill_id": bill.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": bill.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _lock_invoices(self):
        """Lock the case's invoices and refuse those another open case holds
        or asks for: one case per invoice at a time, whoever places at once."""
        self.ensure_one()
        moves = self.move_ids
        if not moves:
            raise UserError(_("Choose the invoices to hand over."))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                moves.ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT move.name, other.name
                  FROM account_move_collection_case_rel rel
                  JOIN collection_case other ON other.id = rel.collection_case_id
                  JOIN account_move move ON move.id = rel.account_move_id
                 WHERE rel.account_move_id = ANY(%(moves)s)
                   AND other.id != %(case)s
                   AND other.state IN %(open)s
                """,
                moves=moves.ids,
                case=self.id,
                open=OPEN_STATES,
            )
        )
        taken = self.env.cr.fetchall()
        if taken:
            raise UserError(
                _(
                    "Already handed over: %(invoices)s.",
                    invoices=", ".join(f"{move} ({case})" for move, case in taken),
                )
            )
        bad = moves.filtered(
            lambda m: (
                m.commercial_partner_id != self.partner_id.commercial_partner_id
                or m.state != "posted"
                or m.amount_residual <= 0
            )
        )
        if bad:
            raise UserError(
                _(
                    "Hand over open posted invoices of %(partner)s only: not "
                    "%(invoices)s.",
                    partner=self.partner_id.display_name,
                    invoices=", ".join(bad.mapped("name")),
                )
            )

    def _freeze_claim(self, today):
        """The claim as handed over: each invoice's open amount, interest and
        compensation at `today`, the annual rate applied, the days late."""
        self.ensure_one()
        moves = self.move_ids
        charges = moves._collection_get_charges(today)
        due_dates = self.env["collection.receivable"]._get_oldest_due_dates(moves)
        company = self.company_id
        try:
            rate = company._collection_get_annual_rates()(today)
        except UserError:
            rate = 0.0
        lines = [(5, 0, 0)]
        for move in moves.sorted(lambda m: (due_dates.get(m.id), m.name)):
            values = charges.get(move.id, {})
            due = due_dates.get(move.id) or move.invoice_date_due
            lines.append(
                fields.Command.create(
                    {
                        "move_id": move.id,
                        "invoice_date": move.invoice_date,
                        "due_date": due,
                        "days_late": max((today - due).days, 0) if due else 0,
                        "amount_total": move.amount_total_signed,
                        "amount_open": move.amount_residual_signed,
                        "interest": move.currency_id._convert(
                            values.get("interest", 0.0),
                            company.currency_id,
                            company,
                            today,
                        ),
                        "interest_rate": rate,
                        "compensation": values.get("compensation", 0.0),
                        "disputed": move.collection_disputed,
                        "reason": move.collection_reason_id.name,
                    }
                )
            )
        as_module(self).line_ids = lines
