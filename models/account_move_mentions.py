from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount, format_date, formatLang

from .collection_interest_rate import MODE_POINTS, half_year_start


class AccountMove(models.Model):
    """The late-payment mentions a customer invoice carries, printed and in
    its electronic version (docs/legal-mentions.md)."""

    _inherit = "account.move"

    def _get_collection_legal_mentions(self):
        """[text] of the mentions this customer invoice carries, in the
        current language: for a business customer, the payment date, the
        early-payment discount, the penalty rate and the fixed compensation
        (France, L441-9 and D441-5 of the Code de commerce), or the interest
        and compensation of the law of 2 August 2002 (Belgium) or of
        Directive 2011/7/EU; for a Belgian consumer, only what Book XIX of
        the Code of Economic Law allows to be claimed; nothing for other
        consumers nor where the company turned them off."""
        self.ensure_one()
        company = self.company_id
        if self.move_type != "out_invoice" or not company.collection_invoice_mentions:
            return []
        mode = company.collection_interest_mode
        consumer = self._collection_is_consumer()
        rate = self._collection_get_penalty_rate_text()
        if consumer:
            if mode != "be":
                return []
            return [
                _(
                    "Late payment: a first reminder is sent free of charge; an "
                    "amount still unpaid 14 days after it bears interest at "
                    "%(rate)s, and damages within the limits of Book XIX of the "
                    "Code of Economic Law may be claimed.",
                    rate=rate,
                )
            ]
        compensation = format_amount(
            self.env, company.collection_compensation_amount, company.currency_id
        )
        if mode == "fr" or company._collection_has_legal_floor():
            return [
                _(
                    "Payment due date: %(date)s",
                    date=format_date(self.env, self.invoice_date_due),
                ),
                self._collection_get_discount_text(),
                _("Late-payment penalties: %(rate)s", rate=rate),
                _(
                    "Fixed indemnity for recovery costs: %(amount)s",
                    amount=compensation,
                ),
            ]
        if mode == "be":
            return [
                _(
                    "Late payment: interest is due by operation of law and without "
                    "notice at %(rate)s, with a fixed compensation of %(amount)s "
                    "for recovery costs.",
                    rate=rate,
                    amount=compensation,
                )
            ]
        return [
            _(
                "Late payment: interest at %(rate)s and a fixed compensation of "
                "%(amount)s for recovery costs (Directive 2011/7/EU).",
                rate=rate,
                amount=compensation,
            )
        ]

    def _collection_is_consumer(self):
        """Whether this invoice's customer is a consumer: the module's
        consumer (a person under a consumer policy), or a person without a
        VAT number."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return self.id in self.env["collection.receivable"]._get_b2c_ids(self) or (
            not partner.is_company and not partner.vat
        )

    def _collection_get_penalty_rate_text(self):
        """The penalty rate as the invoice states it: the rule, and its value
        for the half-year of the due date when the reference rate is known."""
        company = self.company_id
        mode = company.collection_interest_mode
        day = self.invoice_date_due or self.invoice_date or self.date
        if mode == "contract":
            # a French company's rate is raised to three times the legal rate
            try:
                annual = company._collection_get_annual_rates()(day)
            except UserError:
                return _(
                    "%(rate)s %% a year, and at least three times the legal "
                    "interest rate",
                    rate=formatLang(self.env, company.collection_interest_rate),
                )
            return _("%(rate)s %% a year", rate=formatLang(self.env, annual))
        if mode == "be":
            rule = _("the rate of the law of 2 August 2002")
        else:
            rule = _(
                "the ECB's refinancing rate + %(points)s points",
                points=formatLang(self.env, MODE_POINTS[mode], 0),
            )
        start = half_year_start(day)
        if (
            not self.env["collection.interest.rate"]
            .sudo()
            .search_count([("date_start", "=", start)], limit=1)
        ):
            return rule
        annual = self.env["collection.interest.rate"]._get_annual_rates(mode)(day)
        return _(
            "%(rule)s, %(rate)s %% a year in the half-year from %(start)s",
            rule=rule,
            rate=formatLang(self.env, annual),
            start=format_date(self.env, start),
        )

    def _collection_get_discount_text(self):
        """The early-payment discount as the invoice states it: the payment
        term's, or none."""
        term = self.invoice_payment_term_id
        if term.early_discount and self.invoice_date:
            return _(
                "Early-payment discount: %(percent)s %% if paid by %(date)s",
                percent=formatLang(self.env, term.discount_percentage),
                date=term._get_last_discount_date_formatted(self.invoice_date),
            )
        return _("Early-payment discount: none")
