from odoo import models


class CrmLead(models.Model):
    """The customer's receivables on the opportunity, in the form's banner
    and on the pipeline's cards."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "collection.customer.facts.mixin"]
