from odoo import models


class AccountEdiXmlUbl20(models.AbstractModel):
    """UBL (Peppol BIS 3 and its national variants): the late-payment
    mentions in the payment terms' note, which BIS 3 carries once."""

    _inherit = "account.edi.xml.ubl_20"

    def _get_invoice_payment_terms_vals_list(self, invoice):
        vals_list = super()._get_invoice_payment_terms_vals_list(invoice)
        mentions = invoice.with_context(
            lang=invoice.partner_id.lang or self.env.lang
        )._get_collection_legal_mentions()
        if not mentions:
            return vals_list
        if not vals_list:
            return [{"note_vals": [{"note": "\n".join(mentions)}]}]
        notes = vals_list[0].setdefault("note_vals", [])
        text = "\n".join(filter(None, [*(n.get("note") for n in notes), *mentions]))
        vals_list[0]["note_vals"] = [{"note": text}]
        return vals_list


class AccountEdiXmlCii(models.AbstractModel):
    """Factur-X / CII, France's road: the mentions in the document's note."""

    _inherit = "account.edi.xml.cii"

    def _get_exchanged_document_vals(self, invoice):
        vals = super()._get_exchanged_document_vals(invoice)
        mentions = invoice.with_context(
            lang=invoice.partner_id.lang or self.env.lang
        )._get_collection_legal_mentions()
        if mentions:
            vals["included_note"] = "\n".join(
                filter(None, [vals.get("included_note"), *mentions])
            )
        return vals
