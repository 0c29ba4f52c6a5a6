from odoo import _, models
from odoo.tools.misc import formatLang

# Belgium, art. 1394/20 Judicial Code: the penalty clause claimed (the
# contractual indemnity, statutory interest not counted) stays within this
# share of the principal.
BE_PENALTY_CAP = 0.10


class CollectionCase(models.Model):
    """Whether the chosen procedure applies, and the law the claim rests on
    (docs/escalation.md)."""

    _inherit = "collection.case"

    def _get_procedure_refusal(self, today):
        """Why the chosen procedure does not apply to this claim, or False."""
        self.ensure_one()
        company, customer = self.company_id, self.partner_id.commercial_partner_id
        disputed = self.move_ids.filtered("collection_disputed")
        if self.procedure == "be_uncontested":
            belgian = [
                party.display_name
                for party in (company.partner_id, customer)
                if party.country_id.code != "BE"
                or not (party.company_registry or party.vat)
            ]
            if belgian:
                return _(
                    "The Belgian procedure for uncontested debts is between two "
                    "companies with a Belgian company number: not %(parties)s.",
                    parties=", ".join(belgian),
                )
            if disputed:
                return _(
                    "The Belgian procedure is for uncontested debts only: "
                    "%(invoices)s are disputed.",
                    invoices=", ".join(disputed.mapped("name")),
                )
            principal = sum(self.move_ids.mapped("amount_residual_signed"))
            if self.penalty_amount > BE_PENALTY_CAP * principal:
                return _(
                    "The Belgian procedure claims a penalty clause of at most 10 "
                    "%% of the principal: %(penalty)s on %(principal)s. Claim "
                    "less, or go to court.",
                    penalty=company.currency_id.format(self.penalty_amount),
                    principal=company.currency_id.format(principal),
                )
        if self.procedure == "fr_injonction":
            missing = [
                party.display_name
                for party in (company.partner_id, customer)
                if not (party.street and party.zip and party.city)
            ]
            if missing:
                return _(
                    "An injonction de payer names the parties with their full "
                    "address: complete %(parties)s.",
                    parties=", ".join(missing),
                )
        return False

    def _get_legal_basis(self):
        """The law the claim's charges rest on, in the reader's words."""
        self.ensure_one()
        mode = self.company_id.collection_interest_mode
        basis = {
            "fr": _(
                "Code de commerce, art. L441-10: late-payment interest at the ECB "
                "rate plus 10 points and a fixed compensation of 40 EUR per invoice "
                "(art. D441-5)."
            ),
            "be": _(
                "Law of 2 August 2002 on late payment in commercial transactions: "
                "interest at the published rate and a fixed compensation of 40 EUR "
                "per invoice."
            ),
            "eu": _(
                "Directive 2011/7/EU: interest at the ECB rate plus 8 points and a "
                "fixed compensation of 40 EUR per invoice."
            ),
            "contract": _(
                "The contract's late-payment clause: interest at %(rate)s %% a year.",
                rate=formatLang(self.env, self.company_id.collection_interest_rate),
            ),
        }.get(mode, "")
        if self.company_id._collection_has_legal_floor():
            basis = _(
                "%(basis)s Code de commerce, art. L441-10: never below three times "
                "the legal interest rate.",
                basis=basis,
            )
        return basis

    def _get_procedure_basis(self):
        self.ensure_one()
        return {
            "fr_injonction": _(
                "Code de procédure civile, art. 1405 to 1425: injonction de payer, "
                "for a contractual claim of a determined amount."
            ),
            "be_uncontested": _(
                "Judicial Code, art. 1394/20 to 1394/27: recovery of uncontested "
                "money debts between companies by a bailiff."
            ),
        }.get(self.procedure, "")
