from odoo import api, models


class ReportCollectionDecision(models.AbstractModel):
    """The decisions report's values: the decisions grouped by collector (or
    policy), with totals per measure."""

    _name = "report.credit_collection.report_collection_decision"
    _description = "Collection Decisions"

    @api.model
    def _get_report_values(self, docids, data=None):
        decisions = self.env["collection.decision"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "collection.decision",
            "docs": decisions,
            "groups": self._get_groups(decisions),
        }

    @api.model
    def _get_groups(self, decisions):
        """Uses grouped by collector (or policy), with totals per measure."""
        groups = {}
        for decision in decisions.sorted(lambda u: (u.user_id.name or "", u.date)):
            who = decision.user_id.name or decision.policy_id.name or ""
            group = groups.setdefault(
                who, {"decisions": decisions.browse(), "measures": {}}
            )
            group["decisions"] |= decision
            total = group["measures"].setdefault(
                decision.measure,
                {
                    "label": decision._get_measure_label(),
                    "count": 0,
                    "beyond": 0,
                    "refused": 0,
                    "value": 0.0,
                    "at_stake": 0.0,
                },
            )
            total["count"] += 1
            total["beyond"] += not decision.within_mandate
            total["refused"] += decision.state == "refused"
            total["value"] += decision.value
            total["at_stake"] += decision.amount_at_stake
            total["value_display"] = decision._format_value(total["value"])
        return groups
