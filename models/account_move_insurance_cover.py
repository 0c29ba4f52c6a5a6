from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL, split_every

from .account_move_insurance import (
    INSURANCE_MOVE_FIELDS,
    UNDECLARED_STATES,
)
from .collection_receivable import COLLECTED_MOVE_TYPES
from .res_partner_insurance import COVERED_STATES, INSURANCE_PAGE


class AccountMove(models.Model):
    """Which invoices a customer's cover insures, and their deadlines: set
    when an invoice is posted, after each insurer's decision and every day,
    for a whole book in a few statements (docs/credit-insurance.md)."""

    _inherit = "account.move"

    def _insurance_assign(self):
        """Decide which of these customer invoices the customer's cover insures:
        an invoice dated on or after a grant (or reduction) is insured; one
        dated on or after a cancellation is not; the others keep what they
        had. Invoices declared to the insurer keep their policy."""
        # what the decision reads, not every column of the invoices
        self.fetch(
            [
                "state",
                "move_type",
                "insurance_state",
                "company_id",
                "commercial_partner_id",
                "invoice_date",
                "date",
                "insurance_policy_id",
            ]
        )
        moves = self.filtered(
            lambda m: (
                m.state == "posted"
                and m.move_type in COLLECTED_MOVE_TYPES
                and m.insurance_state in (False, *UNDECLARED_STATES)
            )
        )
        changes = defaultdict(list)
        for company, company_moves in moves.grouped("company_id").items():
            # the covers of the whole batch's customers, read at once
            company_moves.commercial_partner_id.with_company(company).fetch(
                ["insurance_state", "insurance_decision_date", "insurance_policy_id"]
            )
            for move in company_moves:
                cover = move.commercial_partner_id.with_company(company)
                date = move.invoice_date or move.date
                decided = cover.insurance_decision_date
                policy = move.insurance_policy_id
                own = cover.insurance_policy_id.filtered(
                    lambda p, c=company: p.company_id == c
                )
                if (
                    own
                    and cover.insurance_state in COVERED_STATES
                    and (decided and decided <= date)
                ):
                    policy = own
                elif policy != own or (
                    cover.insurance_state == "cancelled"
                    and (not decided or decided <= date)
                ):
                    # another customer's cover, or none from that day
                    policy = policy.browse()
                if policy != move.insurance_policy_id or (
                    policy and not move.insurance_state
                ):
                    changes[policy].append(move.id)
        # one statement per policy, for a whole book as for one invoice; the
        # deadlines come with the refresh below
        self.env.flush_all()
        for policy, ids in changes.items():
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE account_move
                       SET insurance_policy_id = %s, insurance_state = %s,
                           insurance_due_date = NULL, insurance_notify_date = NULL,
                           insurance_extension_date = NULL, insurance_stop_date = NULL,
                           insurance_claim_date = NULL
                     WHERE id = ANY(%s)
                    """,
                    policy.id or None,
                    "covered" if policy else None,
                    ids,
                )
            )
        self.invalidate_model(list(INSURANCE_MOVE_FIELDS))
        lapsed = moves.filtered("insurance_policy_id")._insurance_refresh()
        # an invoice posted after its notification deadline is lost at once
        self.env["collection.insurance.alert"]._alert_lapsed(self.browse(lapsed))

    @api.model
    def _insurance_assign_partners(self, partners, company):
        """After an insurer's decision on `partners`: their open invoices in
        `company` follow the new cover, a page of customers at a time (a
        migration may insure a whole book in one write), each page's records
        leaving the cache after it."""
        for page in split_every(INSURANCE_PAGE, partners.ids):
            self.sudo().search(
                [
                    ("commercial_partner_id", "in", page),
                    ("company_id", "=", company.id),
                    ("state", "=", "posted"),
                    ("move_type", "in", COLLECTED_MOVE_TYPES),
                    ("payment_state", "in", ("not_paid", "partial", "in_payment")),
                ]
            )._insurance_assign()
            if len(partners) > INSURANCE_PAGE:
                self.env.invalidate_all()

    def _insurance_refresh(self, today=None):
        """Deadlines and state of these insured invoices not yet declared, in
        one statement: from the original due date of the oldest unpaid
        installment (docs/credit-insurance.md). Returns the ids that lapsed now."""
        return self._insurance_refresh_where(SQL("move.id = ANY(%s)", self.ids), today)

    @api.model
    def _insurance_refresh_where(self, condition, today=None):
        today = today or self.env["collection.receivable"]._get_today()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH installment AS (
                    SELECT line.move_id,
                           COALESCE(line.insurance_due_date, line.date_maturity) AS due,
                           NOT line.reconciled AND line.amount_residual > 0 AS unpaid
                      FROM account_move_line line
                      JOIN account_account account ON account.id = line.account_id
                      JOIN account_move move ON move.id = line.move_id
                     WHERE %(condition)s
                       AND move.insurance_policy_id IS NOT NULL
                       AND move.insurance_state IN %(undeclared)s
                       AND account.account_type = 'asset_receivable'
                       AND line.balance > 0
                ), due AS (
                    SELECT move_id,
                           COALESCE(MIN(due) FILTER (WHERE unpaid), MIN(due))
                               AS due_date,
                           BOOL_OR(unpaid) AS unpaid
                      FROM installment
                  GROUP BY move_id
                )
                UPDATE account_move move
                   SET insurance_due_date = due.due_date,
                       insurance_notify_date = due.due_date + policy.notification_days,
                       insurance_extension_date =
                           due.due_date + policy.max_extension_days,
                       insurance_stop_date = due.due_date + policy.stop_delivery_days,
                       insurance_claim_date = CASE
                           WHEN policy.claim_basis = 'due_date'
                           THEN due.due_date + policy.claim_days END,
                       insurance_state = CASE
                           WHEN NOT due.unpaid THEN 'covered'
                           WHEN due.due_date + policy.notification_days < %(today)s
                           THEN 'lapsed'
                           WHEN due.due_date < %(today)s THEN 'to_notify'
                           ELSE 'covered' END
                  FROM due, collection_insurance_policy policy
                 WHERE move.id = due.move_id
                   AND policy.id = move.insurance_policy_id
             RETURNING move.id, move.insurance_state
                """,
                condition=condition,
                undeclared=UNDECLARED_STATES,
                today=today,
            )
        )
        lapsed = [
            move_id for move_id, state in self.env.cr.fetchall() if state == "lapsed"
        ]
        self.invalidate_model(
            [
                "insurance_due_date",
                "insurance_notify_date",
                "insurance_extension_date",
                "insurance_stop_date",
                "insurance_claim_date",
                "insurance_state",
            ]
        )
        return lapsed
