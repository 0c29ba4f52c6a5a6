from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import tagged

from .common import TODAY, CollectionCommon

UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII = {
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100"
}


@freeze_time(TODAY)
@tagged("post_install", "-at_install")
class TestCollectionMentions(CollectionCommon):
    """The late-payment mentions of docs/legal-mentions.md, on the printed
    invoice and in its UBL and Factur-X: each mode and customer kind, to the
    word, and the module's charge invoices exported like any invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.collection_interest_mode = "fr"
        cls.customer.vat = "FR23334175221"
        cls.person = cls.env["res.partner"].create({"name": "Marie Dupont"})
        # due on 14 April 2026: the reference rate of January 2026 applies
        cls.invoice = cls.create_invoice(cls.customer, 1000, "2026-04-14")

    def mentions(self, invoice=None, lang="en_US"):
        invoice = invoice or self.invoice
        return invoice.with_context(lang=lang)._get_collection_legal_mentions()

    def test_france_a_business_invoice_states_the_four_mentions(self):
        self.assertEqual(
            self.mentions(),
            [
                "Payment due date: 04/14/2026",
                "Early-payment discount: none",
                (
                    "Late-payment penalties: the ECB's refinancing rate + 10 points, "
                    "12.15 % a year in the half-year from 01/01/2026"
                ),
                "Fixed indemnity for recovery costs: $\xa040.00",
            ],
        )
        # with the payment term's early-payment discount: 2 % within 10 days
        term = self.env["account.payment.term"].create(
            {
                "name": "30 days, 2 % at 10 days",
                "early_discount": True,
                "discount_percentage": 2,
                "discount_days": 10,
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 30}
                    )
                ],
            }
        )
        discounted = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-01",
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create({"name": "Flour", "price_unit": 500})
                ],
            }
        )
        self.assertEqual(
            self.mentions(discounted)[:2],
            [
                "Payment due date: 03/31/2026",
                "Early-payment discount: 2.00 % if paid by 03/11/2026",
            ],
        )

    def test_a_contractual_rate_and_a_missing_reference_rate(self):
        self.env.company.write(
            {"collection_interest_mode": "contract", "collection_interest_rate": 12.0}
        )
        self.assertIn(
            "Late payment: interest at 12.00 % a year and a fixed compensation of "
            "$\xa040.00 for recovery costs (Directive 2011/7/EU).",
            self.mentions(),
        )
        # no reference rate for the half-year of the due date: the rule alone
        self.env.company.collection_interest_mode = "fr"
        later = self.create_invoice(self.customer, 100, "2031-02-01")
        self.assertIn(
            "Late-payment penalties: the ECB's refinancing rate + 10 points",
            self.mentions(later),
        )

    def test_a_french_contract_states_the_rate_the_law_allows(self):
        self.env.company.write(
            {
                "account_fiscal_country_id": self.env.ref("base.fr").id,
                "collection_interest_mode": "contract",
                "collection_interest_rate": 7.0,
            }
        )
        # due in the first half of 2026: 3 x 2.62 % = 7.86 % above the 7.00 %
        self.assertEqual(self.mentions()[2], "Late-payment penalties: 7.86 % a year")
        self.env.company.collection_interest_rate = 9.5
        self.assertEqual(self.mentions()[2], "Late-payment penalties: 9.50 % a year")
        # the legal rate of 2031 is not known yet: the floor said in words
        later = self.create_invoice(self.customer, 100, "2031-02-01")
        self.assertEqual(
            self.mentions(later)[2],
            "Late-payment penalties: 9.50 % a year, and at least three times the "
            "legal interest rate",
        )

    def test_belgium_business_and_consumer(self):
        self.env.company.collection_interest_mode = "be"
        self.assertEqual(
            self.mentions(),
            [
                (
                    "Late payment: interest is due by operation of law and without "
                    "notice at the rate of the law of 2 August 2002, 10.50 % a year "
                    "in the half-year from 01/01/2026, with a fixed compensation of "
                    "$\xa040.00 for recovery costs."
                )
            ],
        )
        consumer = self.create_invoice(self.person, 200, "2026-04-14")
        (mention,) = self.mentions(consumer)
        self.assertIn("a first reminder is sent free of charge", mention)
        self.assertIn("Book XIX", mention)
        self.assertNotIn("40.00", mention)

    def test_nothing_for_a_french_consumer_nor_when_turned_off(self):
        consumer = self.create_invoice(self.person, 200, "2026-04-14")
        self.assertEqual(self.mentions(consumer), [])
        self.env.company.collection_invoice_mentions = False
        self.assertEqual(self.mentions(), [])

    def test_printed_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "=", "credit_collection")]
        )._update_translations(["fr_FR"])
        self.customer.lang = "fr_FR"
        mentions = self.mentions(lang="fr_FR")
        self.assertEqual(mentions[1], "Escompte pour paiement anticipé : néant")
        self.assertTrue(
            mentions[3].startswith(
                "Indemnité forfaitaire pour frais de recouvrement : "
            )
        )
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "account.report_invoice", self.invoice.ids
            )[0],
            "utf-8",
        )
        self.assertIn('id="collection_legal_mentions"', html)
        self.assertIn("Escompte pour paiement anticipé : néant", html)
        self.assertIn("Indemnité forfaitaire pour frais de recouvrement", html)

    def test_the_ubl_and_factur_x_carry_the_mentions(self):
        ubl, _errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(
            self.invoice
        )
        note = etree.fromstring(ubl).findtext(
            "cac:PaymentTerms/cbc:Note", namespaces=UBL
        )
        self.assertIn("Payment due date: 04/14/2026", note)
        self.assertIn("Fixed indemnity for recovery costs: $\xa040.00", note)
        cii, _errors = self.env["account.edi.xml.cii"]._export_invoice(self.invoice)
        notes = etree.fromstring(cii).xpath(
            "//ram:IncludedNote/ram:Content/text()", namespaces=CII
        )
        self.assertIn("Early-payment discount: none", "\n".join(notes))

    def test_a_charge_invoice_goes_out_like_any_invoice(self):
        """Interest on an invoice due on 31 March 2025 and paid on 15 May:
        the charge invoice posts, prints and exports as UBL, each line naming
        the invoice and the period it charges."""
        with freeze_time("2025-06-30"):
            late = self.create_invoice(self.customer, 10000, "2025-03-31")
            self.pay(late, 10000, "2025-05-15")
            charge = (
                self.env["collection.charge.wizard"]
                .with_user(self.collector)
                .with_context(active_model="res.partner", active_ids=self.customer.ids)
                .create({})
                ._action_create_invoices()
            )
            charge.action_post()
        self.assertEqual(charge.state, "posted")
        ubl, _errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(charge)
        lines = {
            line.findtext("cac:Item/cbc:Description", namespaces=UBL): float(
                line.findtext("cbc:LineExtensionAmount", namespaces=UBL)
            )
            for line in etree.fromstring(ubl).iterfind("cac:InvoiceLine", UBL)
        }
        interest = charge.invoice_line_ids.filtered(
            lambda line: line.collection_charge_type == "interest"
        )
        self.assertEqual(
            lines,
            {
                f"Late-payment interest on {late.name} from 04/01/2025 to 05/15/2025": (
                    interest.price_subtotal
                ),
                f"Fixed compensation for recovery costs, {late.name}": 40.0,
            },
        )
        self.assertTrue(
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account.report_invoice", charge.ids)[0]
            .startswith(b"%PDF")
        )
