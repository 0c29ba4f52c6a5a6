from odoo import api, models


class ReportCollectionMandateUsage(models.AbstractModel):
    """The mandate usage report's values: the uses grouped by collector (or
    policy), with totals per weapon."""

    _name = "report.credit_collection.report_collection_mandate_usage"
    _description = "Collection Decisions"

    @api.model
    def _get_report_values(self, docids, data=None):
        usages = self.env["collection.mandate.usage"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "collection.mandate.usage",
            "docs": usages,
            "groups": self._get_groups(usages),
        }

    @api.model
    def _get_groups(self, usages):
        """Uses grouped by collector (or policy), with totals per weapon."""
        groups = {}
        for usage in usages.sorted(lambda u: (u.user_id.name or "", u.date)):
            who = usage.user_id.name or usage.policy_id.name or ""
            group = groups.setdefault(who, {"usages": usages.browse(), "weapons": {}})
            group["usages"] |= usage
            total = group["weapons"].setdefault(
                usage.weapon,
                {
                    "label": usage._get_weapon_label(),
                    "count": 0,
                    "beyond": 0,
                    "refused": 0,
                    "value": 0.0,
                    "at_stake": 0.0,
                },
            )
            total["count"] += 1
            total["beyond"] += not usage.within_mandate
            total["refused"] += usage.state == "refused"
            total["value"] += usage.value
            total["at_stake"] += usage.amount_at_stake
            total["value_display"] = usage._format_value(total["value"])
        return groups
