from odoo import api, fields, models
from odoo.tools import SQL

from ..models.collection_case import PROGRESS_STATES


class ReportCollectionHandler(models.AbstractModel):
    """The follow-up of each handler: what was placed with it, what it
    collected, its recovery rate, what it earned, how long its cases took
    and the amounts it paid over late (docs/escalation.md)."""

    _name = "report.credit_collection.report_collection_handler"
    _description = "Handler Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        handlers = self.env["collection.handler"].browse(docids)
        figures = self._get_figures(handlers)
        return {
            "doc_ids": docids,
            "doc_model": "collection.handler",
            "docs": handlers,
            "figures": figures,
            "today": self.env["collection.receivable"]._get_today(),
        }

    @api.model
    def _get_figures(self, handlers):
        """Per handler, the totals of its cases placed: three grouped reads
        and one query for the late pay-overs, whatever the number of cases."""
        Case = self.env["collection.case"]
        placed = [("handler_id", "in", handlers.ids), ("date_placed", "!=", False)]
        figures = {
            handler.id: {
                "placed": 0,
                "open": 0,
                "outcomes": {},
                "claimed": 0.0,
                "collected": 0.0,
                "remaining": 0.0,
                "commission": 0.0,
                "recovery": 0.0,
                "days_to_close": 0.0,
                "late_count": 0,
                "late_amount": 0.0,
            }
            for handler in handlers
        }
        for (
            handler,
            count,
            claimed,
            collected,
            remaining,
            commission,
        ) in Case._read_group(
            placed,
            ["handler_id"],
            [
                "__count",
                "amount_claimed:sum",
                "amount_collected:sum",
                "amount_remaining:sum",
                "amount_commission:sum",
            ],
        ):
            figures[handler.id].update(
                placed=count,
                claimed=claimed,
                collected=collected,
                remaining=remaining,
                commission=commission,
                recovery=100.0 * collected / claimed if claimed else 0.0,
            )
        for handler, count in Case._read_group(
            [*placed, ("state", "in", PROGRESS_STATES)], ["handler_id"], ["__count"]
        ):
            figures[handler.id]["open"] = count
        outcomes = dict(Case._fields["outcome"]._description_selection(self.env))
        closed = Case._read_group(
            [*placed, ("state", "=", "closed")],
            ["handler_id", "outcome"],
            ["__count", "duration_days:sum"],
        )
        for handler, outcome, count, days in closed:
            handler_figures = figures[handler.id]
            handler_figures["outcomes"][outcomes.get(outcome, "")] = count
            handler_figures["days_to_close"] += days
        for handler_figures in figures.values():
            closed_count = sum(handler_figures["outcomes"].values())
            handler_figures["days_to_close"] = (
                handler_figures["days_to_close"] / closed_count
                if closed_count
                else None
            )
        self.env.cr.execute(
            SQL(
                """
                SELECT case_.handler_id, COUNT(*), SUM(payment.amount)
                  FROM collection_case_payment payment
                  JOIN collection_case case_ ON case_.id = payment.case_id
                 WHERE case_.handler_id = ANY(%(handlers)s)
                   AND payment.remittance_due
                       < COALESCE(payment.remitted_date, %(today)s)
                 GROUP BY case_.handler_id
                """,
                handlers=handlers.ids,
                today=fields.Date.to_string(
                    self.env["collection.receivable"]._get_today()
                ),
            )
        )
        for handler_id, count, amount in self.env.cr.fetchall():
            figures[handler_id].update(late_count=count, late_amount=amount)
        return figures
