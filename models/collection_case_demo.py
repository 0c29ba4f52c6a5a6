from datetime import timedelta

from odoo import api, fields, models

from .collection_guard import as_module


class CollectionCase(models.Model):
    """The demo's case, called from demo/credit_collection_demo.xml."""

    _inherit = "collection.case"

    @api.model
    def _collection_create_demo_case(self):
        """Menuiserie Garnier broke the plan agreed two months ago: Claire has
        prepared its handover to the agency, ready to place."""
        today = self.env["collection.receivable"]._get_today()
        garnier = self.env.ref("credit_collection.partner_menuiserie_garnier")
        claire = self.env.ref("credit_collection.user_collector_fr")
        moves = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", garnier.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("amount_residual", ">", 0),
                ("invoice_date_due", "<", today - timedelta(days=60)),
            ]
        )
        half = moves.currency_id.round(sum(moves.mapped("amount_residual")) / 2)
        plan = self.env["collection.promise"].create(
            {
                "partner_id": garnier.id,
                "move_ids": [fields.Command.set(moves.ids)],
                "user_id": claire.id,
                "contact_name": "Hervé Garnier",
                "note": "Deux échéances, après le paiement de la grosse commande de "
                "l'atelier.",
                "line_ids": [
                    fields.Command.create(
                        {"date": today - timedelta(days=40), "amount": half}
                    ),
                    fields.Command.create(
                        {
                            "date": today - timedelta(days=10),
                            "amount": sum(moves.mapped("amount_residual")) - half,
                        }
                    ),
                ],
            }
        )
        as_module(plan).write({"state": "open", "date": today - timedelta(days=60)})
        plan._cron_evaluate()
        case = self.with_user(claire).create(
            {
                "partner_id": garnier.id,
                "handler_id": self.env.ref("credit_collection.handler_dufour").id,
                "move_ids": [fields.Command.set(moves.ids)],
                "note": "Plan d'apurement en deux échéances non tenu : rien payé "
                "depuis. M. Garnier ne conteste pas les factures.",
            }
        )
        # named as the demo's other records (kept by updates, as the demo
        # file's): uninstalling deletes them before the handler and the
        # customer they refer to
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": "credit_collection.promise_garnier",
                    "record": plan,
                    "noupdate": True,
                },
                {
                    "xml_id": "credit_collection.case_garnier",
                    "record": case.sudo(),
                    "noupdate": True,
                },
            ]
        )
