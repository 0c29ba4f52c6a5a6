import math
from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

# Points added to the ECB main refinancing rate, by interest mode.
MODE_POINTS = {"fr": 10.0, "eu": 8.0, "be": 8.0}


# How long before a half-year starts the managers are reminded of its rate.
REMINDER_DAYS = 14


class CollectionInterestRate(models.Model):
    _name = "collection.interest.rate"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Late-payment Reference Rate"
    _order = "date_start desc"
    _rec_name = "date_start"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    date_start = fields.Date(
        string="Half-year",
        required=True,
        help="1 January or 1 July: the rate in force on that day applies to the "
        "whole half-year.",
    )
    ecb_rate = fields.Float(
        string="ECB Rate (%)",
        digits=(6, 2),
        required=True,
        help="Main refinancing rate of the European Central Bank on the first day "
        "of the half-year.",
    )
    be_rate = fields.Float(
        string="Belgian Rate (%)",
        digits=(6, 2),
        help="Rate published in Belgium for the half-year. Empty: the ECB rate "
        "plus 8 points, rounded up to the next half point.",
    )
    fr_legal_rate = fields.Float(
        string="French Legal Rate (%)",
        digits=(6, 2),
        help="French legal interest rate of the half-year for creditors other than "
        "consumers, fixed by arrêté. Under French law a contractual late-payment "
        "rate is never below three times this rate.",
    )

    # ------------------------------------------------------------
    # SQL CONSTRAINTS
    # ------------------------------------------------------------

    _sql_constraints = [
        (
            "date_start_unique",
            "UNIQUE(date_start)",
            "A half-year has one reference rate.",
        ),
    ]

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("date_start", "ecb_rate", "be_rate", "fr_legal_rate")
    def _check_date_start(self):
        for rate in self:
            if (rate.date_start.month, rate.date_start.day) not in ((1, 1), (7, 1)):
                raise ValidationError(
                    _("A reference rate starts a half-year: 1 January or 1 July.")
                )
            if min(rate.ecb_rate, rate.be_rate, rate.fr_legal_rate) < 0:
                raise ValidationError(_("A reference rate cannot be negative."))

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_annual_rates(self, mode, contract_rate=0.0, legal_floor=False):
        """A function giving the annual rate (%) of a day for an interest mode.
        With `legal_floor` (a French company), a contractual rate is raised to
        three times the French legal rate of the day's half-year when it is
        lower (Code de commerce, L441-10)."""
        if mode == "contract" and not legal_floor:
            return lambda day: contract_rate
        rates = {rate.date_start: rate for rate in self.sudo().search([])}
        # each half-year's rate worked out once: the charges ask it for every
        # segment of every invoice
        known = {}

        def annual_rate(day):
            start = half_year_start(day)
            if start in known:
                return known[start]
            rate = rates.get(start)
            if mode == "contract":
                if not rate or not rate.fr_legal_rate:
                    raise UserError(
                        _(
                            "No French legal interest rate for the half-year starting "
                            "%(date)s: a French contractual rate is never below three "
                            "times it. A collection manager enters it in Collection > "
                            "Configuration > Reference Rates.",
                            date=format_date(self.env, start),
                        )
                    )
                known[start] = max(contract_rate, round(3 * rate.fr_legal_rate, 2))
                return known[start]
            if not rate:
                raise UserError(
                    _(
                        "No late-payment reference rate for the half-year starting "
                        "%(date)s: a collection manager adds it in Collection > "
                        "Configuration > Reference Rates.",
                        date=format_date(self.env, start),
                    )
                )
            if mode == "be":
                known[start] = rate.be_rate or round_up_half(
                    rate.ecb_rate + MODE_POINTS["be"]
                )
            else:
                known[start] = rate.ecb_rate + MODE_POINTS[mode]
            return known[start]

        return annual_rate

    @api.model
    def _cron_remind_next_rate(self):
        """Daily: two weeks before a half-year starts without its reference
        rate (or without the French legal rate, when a French company charges
        a contractual rate), each collection manager gets an activity, in their
        language, saying which rate to add and where it is published; once per
        half-year and manager. Without it interest cannot be charged, and
        runs charging interest fail with the same message."""
        today = self.env["collection.receivable"]._get_today()
        start = next_half_year_start(today)
        if (start - today).days > REMINDER_DAYS:
            start = half_year_start(today)
        entered = self.search([("date_start", "=", start)], limit=1)
        legal_floor = any(
            company._collection_has_legal_floor()
            for company in self.env["res.company"]
            .sudo()
            .search([("collection_interest_mode", "=", "contract")])
        )
        if entered and (entered.fr_legal_rate or not legal_floor):
            return
        latest = self.search([], limit=1)
        if not latest:
            return
        managers = self.env.ref("credit_collection.group_collection_manager").users
        managers = managers.filtered(lambda u: u.active and not u.share)
        todo = self.env.ref("mail.mail_activity_data_todo")
        reminded = latest.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == todo
                and a.date_deadline == start
                and a.res_model == self._name
            )
        ).user_id
        for manager in managers - reminded:
            in_lang = latest.with_context(lang=manager.lang or self.env.lang)
            latest.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                date_deadline=start,
                summary=in_lang.env._(
                    "Add the late-payment reference rate of the half-year "
                    "starting %(date)s",
                    date=format_date(in_lang.env, start),
                ),
                note=in_lang.env._(
                    "Without it no interest is computed nor charged from that day. "
                    "Where it is published: the ECB's main refinancing operations "
                    "rate on the first day of the half-year (ecb.europa.eu, key "
                    "ECB interest rates); in Belgium, the rate of the law of 2 "
                    "August 2002 published in the Moniteur belge (SPF Economie); "
                    "for a French contractual rate, the legal interest rate of the "
                    "half-year for creditors other than consumers, fixed by arrêté "
                    "(legifrance.gouv.fr). Collection > Configuration > Reference "
                    "Rates."
                ),
                user_id=manager.id,
            )


def half_year_start(day):
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year_start(day):
    return date(day.year, 7, 1) if day.month <= 6 else date(day.year + 1, 1, 1)


def round_up_half(value):
    """Round up to the next half point: 11.15 -> 11.5, 12.5 -> 12.5."""
    return math.ceil(round(value * 2, 6)) / 2
