from odoo import models

# The records a decision is asked for that decide themselves once it is decided.
DECIDING_SOURCES = (
    "collection.promise",
    "collection.insurance.declaration",
    "collection.case",
)


class CollectionDecision(models.Model):
    """What a decision does once taken: each measure's `_apply_<measure>`,
    written as the module, and the records it was asked for decide next."""

    _inherit = "collection.decision"

    def _apply(self):
        """Make the measure take effect through its `_apply_<measure>` hook, or,
        for a decision asked by a promise, let the promise decide. A manager's
        override of a hold has already happened: it is only logged."""
        promised = self.filtered(lambda u: u.res_model in DECIDING_SOURCES)
        todo = (self - promised).sudo().filtered(lambda u: u.measure != "override")
        for measure, decisions in todo.grouped("measure").items():
            getattr(decisions, f"_apply_{measure}")()
        for sources in promised._get_sources():
            sources._collection_decided()

    def _get_sources(self):
        """The promises and declarations these decisions were asked for, each of
        which decides what happens once its decisions are taken."""
        return [
            self.env[model]
            .sudo()
            .browse(
                set(self.filtered(lambda u, m=model: u.res_model == m).mapped("res_id"))
            )
            for model in DECIDING_SOURCES
        ]

    def _apply_delay(self):
        for decision in self:
            decision.move_ids.write(
                {"collection_extended_until": decision.payload["date"]}
            )

    def _apply_waiver(self):
        for decision in self:
            decision.move_ids.write(
                {
                    "collection_charges_waived_until": decision.payload["date"],
                    "collection_compensation_waived": True,
                }
            )

    def _apply_terms(self):
        for decision in self:
            record = (
                self.env[decision.res_model]
                .browse(decision.res_id)
                .with_company(decision.company_id)
            )
            field = (
                "property_payment_term_id"
                if decision.res_model == "res.partner"
                else "payment_term_id"
            )
            record[field] = decision.payload["payment_term_id"]

    def _apply_hold(self):
        """One write per reason and author: a policy holds many customers."""
        for (company, reason, user), decisions in self.grouped(
            lambda u: (u.company_id, u.reason, u.user_id)
        ).items():
            decisions.partner_id.with_company(company)._collection_set_hold(
                reason, user
            )

    def _apply_release(self):
        for company, decisions in self.grouped("company_id").items():
            decisions.partner_id.with_company(company).write(
                {
                    "collection_hold": False,
                    "collection_hold_reason": False,
                    "collection_hold_date": False,
                    "collection_hold_user_id": False,
                }
            )
