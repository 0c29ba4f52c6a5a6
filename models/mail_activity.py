from collections import defaultdict

from odoo import api, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model
    def _collection_create(self, vals_list):
        """Create many activities at once, without emailing each assignee.
        Creating an activity subscribes its user to the record: two for the
        same user on the same record in one batch would subscribe them twice,
        which the database refuses. Each batch holds one activity per record
        and user, so a collector who is also the salesperson, or an invoice
        with several deadlines, is fine."""
        batches = defaultdict(list)
        seen = defaultdict(int)
        for vals in vals_list:
            key = (vals.get("res_model_id"), vals.get("res_id"), vals.get("user_id"))
            batches[seen[key]].append(vals)
            seen[key] += 1
        activities = self.browse()
        quick = self.with_context(mail_activity_quick_update=True)
        for batch in batches.values():
            activities |= quick.create(batch)
        return activities
