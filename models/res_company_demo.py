from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from .collection_interest_rate import next_half_year_start

# The demo's users and customers, in their language.
DEMO_LANGUAGES = {
    "user_collection_manager": "fr_FR",
    "user_collector_fr": "fr_FR",
    "user_collector_be": "nl_BE",
    "user_salesperson_fr": "fr_FR",
    "user_salesperson_be": "nl_BE",
    "partner_insurer": "fr_FR",
    "partner_cabinet_dufour": "fr_FR",
    "partner_boulangerie_martin": "fr_FR",
    "partner_boulangerie_martin_accounting": "fr_FR",
    "partner_transports_lefevre": "fr_FR",
    "partner_menuiserie_garnier": "fr_FR",
    "partner_pharmacie_centre": "fr_FR",
    "partner_imprimerie_rousseau": "fr_FR",
    "partner_vins_bernard": "fr_FR",
    "partner_chocolaterie_dupont": "fr_FR",
    "partner_librairie_lambert": "fr_FR",
    "partner_marie_lemaire": "fr_FR",
    "partner_brasserie_de_smet": "nl_BE",
    "partner_bouwbedrijf_peeters": "nl_BE",
}

# The demo's year of history: (customer, days late it pays, untaxed amount a
# month); negative: early.
DEMO_HISTORY = [
    ("partner_boulangerie_martin", -2, 5400),
    ("partner_pharmacie_centre", 5, 3600),
    ("partner_imprimerie_rousseau", 25, 7800),
    ("partner_vins_bernard", 40, 6000),
    ("partner_chocolaterie_dupont", 10, 4200),
    ("partner_librairie_lambert", 0, 1500),
    ("partner_brasserie_de_smet", 15, 9600),
    ("partner_bouwbedrijf_peeters", 30, 8400),
]

# Per demo customer, its invoices: (days from today to the due date, untaxed
# amount, share paid, reason for non-payment or "excluded"). Negative days:
# already overdue.
DEMO_INVOICES = {
    "partner_boulangerie_martin": [
        (20, 1800),
        (-2, 950),
        (-8, 1200, 0.5),
        (-50, 600, 1.0),
    ],
    "partner_transports_lefevre": [
        (-35, 5400),
        (-65, 3200, 0, "collection_reason_cash_problem"),
        (10, 2100),
        (-5, 780),
    ],
    "partner_menuiserie_garnier": [
        (-125, 8900, 0, "collection_reason_end_of_week"),
        (-62, 2300, 0.3),
        (-31, 1450),
    ],
    "partner_pharmacie_centre": [(5, 640), (25, 1280), (-1, 320), (-40, 900, 1.0)],
    "partner_imprimerie_rousseau": [
        (-10, 12500, 0, "collection_reason_dispute_goods"),
        (-45, 4300),
        (15, 2750),
    ],
    "partner_vins_bernard": [(-3, 2200), (-30, 1950), (-60, 3100), (-120, 990)],
    "partner_brasserie_de_smet": [(-7, 4800), (-32, 2600, 0.5), (12, 3900)],
    "partner_chocolaterie_dupont": [
        (-4, 1500),
        (-61, 2750, 0, "excluded"),
        (30, 1800),
        (-70, 1100, 1.0),
    ],
    "partner_bouwbedrijf_peeters": [
        (-90, 15600, 0, "collection_reason_late_on_purpose"),
        (-120, 7200, 0.25),
        (-9, 3300),
    ],
    "partner_librairie_lambert": [(8, 430), (-6, 610), (-33, 520), (-20, 300, 1.0)],
    "partner_marie_lemaire": [(-18, 350), (10, 120)],
}


class ResCompany(models.Model):
    """The demo data's helpers, called from demo/credit_collection_demo.xml:
    methods of an existing model, so that no model of its own is registered
    in a production database."""

    _inherit = "res.company"

    @api.model
    def _collection_set_demo_languages(self):
        """The demo's people read French or Dutch, where the database has the
        language (a test database may not): before anything is written for
        them, so that what the module writes once and they read later is in
        their language."""
        active = set(self.env["res.lang"].search([]).mapped("code"))
        for xmlid, lang in DEMO_LANGUAGES.items():
            record = self.env.ref(
                f"credit_collection.{xmlid}", raise_if_not_found=False
            )
            if record and lang in active:
                record.lang = lang
        # the company writes its holds and alerts in its own language
        if "fr_FR" in active:
            self.env.ref("base.main_company").partner_id.lang = "fr_FR"

    @api.model
    def _collection_create_demo_rates(self):
        """The reference rates of the half-years up to today that the module does
        not ship yet, at the last known rate: for the demo only. A real
        database gets each half-year's published rate from a manager."""
        Rate = self.env["collection.interest.rate"]
        last = Rate.search([], limit=1, order="date_start desc")
        start = next_half_year_start(last.date_start)
        while start <= fields.Date.context_today(self):
            Rate.create(
                {
                    "date_start": start,
                    "ecb_rate": last.ecb_rate,
                    "be_rate": last.be_rate,
                    "fr_legal_rate": last.fr_legal_rate,
                }
            )
            start = next_half_year_start(start)

    @api.model
    def _collection_create_demo_invoices(self):
        """Customer invoices around the day the database is made, some paid in
        part, one disputed, one in a foreign currency, one credited."""
        company = self.env.company
        today = fields.Date.context_today(self)
        product = self.env.ref("credit_collection.product_flour_bag")
        moves = self.env["account.move"]
        for xmlid, specs in DEMO_INVOICES.items():
            partner = self.env.ref(f"credit_collection.{xmlid}")
            for days, amount, *rest in specs:
                paid, reason = (list(rest) + [0, None])[:2]
                due = today + relativedelta(days=days)
                move = self._collection_create_demo_invoice(
                    partner, product, due, amount
                )
                if reason == "excluded":
                    move.collection_excluded = True
                elif reason:
                    move.collection_reason_id = self.env.ref(
                        f"credit_collection.{reason}"
                    )
                if paid:
                    self._collection_pay_demo_invoice(
                        move, move.amount_total * paid, due - relativedelta(days=5)
                    )
                moves |= move

        # Boulangerie Martin disputed its oldest invoice: rejected with an
        # answer, then paid (its accountant reads both on the portal)
        boulangerie = self.env.ref("credit_collection.partner_boulangerie_martin")
        rejected = moves.filtered(
            lambda m: (
                m.partner_id == boulangerie
                and m.invoice_date_due == today - relativedelta(days=50)
            )
        )
        rejected.collection_reason_id = self.env.ref(
            "credit_collection.collection_reason_dispute_goods"
        )
        rejected.collection_dispute_answer = (
            "Les 12 sacs ont été livrés complets et intacts : bon de livraison "
            "signé par votre magasinier à la réception."
        )
        rejected.action_collection_reject_dispute()

        # One invoice in a foreign currency, one credit note.
        foreign = self.env.ref(
            "base.USD" if company.currency_id.name == "EUR" else "base.EUR"
        )
        foreign.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": foreign.id,
                "company_id": company.id,
                "name": today - relativedelta(days=80),
                "rate": 1.08 if foreign.name == "USD" else 0.92,
            }
        )
        self._collection_create_demo_invoice(
            self.env.ref("credit_collection.partner_brasserie_de_smet"),
            product,
            today - relativedelta(days=20),
            6000,
            currency=foreign,
        )
        credited = moves.filtered(
            lambda m: (
                m.partner_id == self.env.ref("credit_collection.partner_vins_bernard")
                and m.invoice_date_due == today - relativedelta(days=30)
            )
        )
        credit_note = self._collection_create_demo_invoice(
            credited.partner_id,
            product,
            today - relativedelta(days=25),
            300,
            move_type="out_refund",
        )
        (credited | credit_note).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()

    @api.model
    def _collection_create_demo_history(self):
        """A year of business before the open book: each month, regular
        customers bought and paid, on time or late as each of them does, so
        that the dashboard's DSO, CEI and payment behaviour read like a real
        company's. Written in batches: the demo installs in the test suite
        too."""
        company = self.env.company
        product = self.env.ref("credit_collection.product_flour_bag")
        today = fields.Date.context_today(self)
        first_of_month = today.replace(day=1)
        invoices, paid_on = [], []
        for months_back in range(12, 0, -1):
            invoiced = first_of_month - relativedelta(months=months_back, days=-9)
            for xmlid, late, amount in DEMO_HISTORY:
                partner = self.env.ref(f"credit_collection.{xmlid}")
                due = invoiced + relativedelta(days=30)
                invoices.append(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_user_id": partner.user_id.id,
                        "invoice_date": invoiced,
                        "invoice_date_due": due,
                        "invoice_payment_term_id": False,
                        "invoice_line_ids": [
                            fields.Command.create(
                                {
                                    "product_id": product.id,
                                    "quantity": 1,
                                    # a little more each month: a growing business
                                    "price_unit": amount
                                    * (1 + (12 - months_back) / 40),
                                }
                            )
                        ],
                    }
                )
                paid_on.append(due + relativedelta(days=late))
        moves = self.env["account.move"].create(invoices)
        moves.action_post()
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        paid = [
            (move, day) for move, day in zip(moves, paid_on, strict=True) if day < today
        ]
        payments = self.env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": move.commercial_partner_id.id,
                    "amount": move.amount_total,
                    "date": day,
                    "journal_id": journal.id,
                    "memo": move.name,
                }
                for move, day in paid
            ]
        )
        payments.action_post()
        for (move, _day), payment in zip(paid, payments, strict=True):
            if not payment.move_id:  # a journal without outstanding account
                continue
            (move.line_ids | payment.move_id.line_ids).filtered(
                lambda line: (
                    line.account_type == "asset_receivable" and not line.reconciled
                )
            ).reconcile()

    @api.model
    def _collection_create_demo_commission(self):
        """Last month's payments, on time and late, and its settlement (a
        draft) for both salespeople."""
        company = self.env.company
        product = self.env.ref("credit_collection.product_flour_bag")
        month_start = fields.Date.context_today(self).replace(day=1) - relativedelta(
            months=1
        )
        # (customer, day of last month it paid, days late, untaxed amount)
        for xmlid, day, late, amount in (
            ("partner_boulangerie_martin", 3, -4, 2400),
            ("partner_pharmacie_centre", 12, 20, 1500),
            ("partner_imprimerie_rousseau", 18, 45, 3600),
            ("partner_brasserie_de_smet", 22, -1, 2000),
            ("partner_chocolaterie_dupont", 26, 70, 900),
        ):
            paid = month_start + relativedelta(days=day - 1)
            move = self._collection_create_demo_invoice(
                self.env.ref(f"credit_collection.{xmlid}"),
                product,
                paid - relativedelta(days=late),
                amount,
            )
            self._collection_pay_demo_invoice(move, move.amount_total, paid)
        users = self.env.ref("credit_collection.user_salesperson_fr") | self.env.ref(
            "credit_collection.user_salesperson_be"
        )
        Settlement = self.env["collection.commission.settlement"]
        # the year's earlier months were settled and paid out, month by month
        start = month_start - relativedelta(months=12)
        while start < month_start:
            end = start + relativedelta(months=1, days=-1)
            settled = Settlement._settle(company, start, end, users)
            settled.action_confirm()
            settled.action_mark_paid()
            start += relativedelta(months=1)
        Settlement._settle(
            company,
            month_start,
            month_start + relativedelta(months=1, days=-1),
            users,
        )

    @api.model
    def _collection_create_demo_invoice(
        self, partner, product, due, amount, currency=None, move_type="out_invoice"
    ):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_user_id": partner.user_id.id,
                "invoice_date": due - relativedelta(days=30),
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "currency_id": (currency or self.env.company.currency_id).id,
                "invoice_line_ids": [
                    fields.Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": amount}
                    )
                ],
            }
        )
        move.action_post()
        return move

    @api.model
    def _collection_pay_demo_invoice(self, move, amount, date):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create(
            {
                "amount": move.currency_id.round(amount),
                "payment_date": min(date, fields.Date.context_today(self)),
                "payment_difference_handling": "open",
            }
        )._create_payments()
