from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .account_move_insurance import RUNNING_STATES, UNDECLARED_STATES
from .collection_receivable import COLLECTED_MOVE_TYPES

# The insurance states of the invoices each declaration takes; a claim only
# the notified ones when the policy requires a notification first.
DECLARABLE_STATES = {
    "notification": UNDECLARED_STATES,
    "extension": RUNNING_STATES,
    "claim": RUNNING_STATES,
}


class CollectionInsuranceDeclaration(models.Model):
    """What may be declared to the insurer, and the lines a declaration
    carries."""

    _inherit = "collection.insurance.declaration"

    @api.model
    def _check_declarable(self, declaration_type, partner, moves, promise):
        """The one policy insuring all of `moves`, which must be open, of
        `partner`, and in the state the declaration needs."""
        if not moves:
            raise UserError(_("Choose the invoices to declare."))
        if moves.filtered(
            lambda m: m.state != "posted" or m.move_type not in COLLECTED_MOVE_TYPES
        ):
            raise UserError(_("Declare posted customer invoices only."))
        if moves.commercial_partner_id != partner:
            raise UserError(
                _("Choose invoices of %(partner)s.", partner=partner.display_name)
            )
        uninsured = moves.filtered(lambda m: not m.insurance_policy_id)
        if uninsured:
            raise UserError(
                _(
                    "%(invoices)s not insured: there is nothing to declare to an "
                    "insurer.",
                    invoices=", ".join(uninsured.mapped("name")),
                )
            )
        policy = moves.insurance_policy_id
        if len(policy) > 1:
            raise UserError(_("Declare the invoices of one insurance policy at once."))
        if policy.company_id not in self.env.user.company_ids:
            raise AccessError(
                _("You do not work for %(company)s.", company=policy.company_id.name)
            )
        lapsed = moves.filtered(lambda m: m.insurance_state == "lapsed")
        if lapsed:
            raise UserError(
                _(
                    "The cover of %(invoices)s lapsed: its notification deadline "
                    "passed. Only the insurer may still accept it; ask them "
                    "directly.",
                    invoices=", ".join(lapsed.mapped("name")),
                )
            )
        allowed = DECLARABLE_STATES[declaration_type]
        if declaration_type == "claim" and policy.claim_requires_notification:
            allowed = ("notified",)
        wrong = moves.filtered(lambda m: m.insurance_state not in allowed)
        if wrong:
            states = dict(
                self.env["account.move"]
                ._fields["insurance_state"]
                ._description_selection(self.env)
            )
            if declaration_type == "claim" and policy.claim_requires_notification:
                message = _(
                    "%(policy)s files a claim only for invoices notified to the "
                    "insurer first: %(invoices)s.",
                    policy=policy.name,
                    invoices=", ".join(wrong.mapped("name")),
                )
            else:
                message = _(
                    "%(invoices)s cannot be declared this way: %(state)s.",
                    invoices=", ".join(wrong.mapped("name")),
                    state=", ".join(
                        states[s] for s in set(wrong.mapped("insurance_state"))
                    ),
                )
            raise UserError(message)
        paid = moves.filtered(lambda m: m.amount_residual <= 0)
        if paid:
            raise UserError(
                _(
                    "%(invoices)s paid: nothing is owed to declare.",
                    invoices=", ".join(paid.mapped("name")),
                )
            )
        if promise and promise.partner_id != partner:
            raise UserError(_("The payment plan belongs to another customer."))
        return policy

    @api.model
    def _prepare_lines(self, partner, company, declared):
        """Every open invoice of the buyer in the company, the declared ones
        marked: the insurer reads the whole exposure."""
        receivable = self.env["collection.receivable"]
        moves = declared | self.env["account.move"].sudo().search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", COLLECTED_MOVE_TYPES),
                ("amount_residual", ">", 0),
            ]
        )
        due_dates = receivable._get_oldest_due_dates(moves)
        return [
            fields.Command.create(
                {
                    "move_id": move.id,
                    "declared": move in declared,
                    "invoice_date": move.invoice_date,
                    "due_date": move.insurance_due_date or due_dates.get(move.id),
                    "currency_id": move.currency_id.id,
                    "amount_total": move.amount_total,
                    "amount_open": move.amount_residual,
                    "amount_open_company": move.amount_residual_signed,
                }
            )
            for move in moves.sorted(lambda m: (m.invoice_date or m.date, m.id))
        ]
