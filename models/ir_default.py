from odoo import _, api, models
from odoo.exceptions import AccessError


class IrDefault(models.Model):
    """A default is a value `create` writes without it being in the values a
    user sends: any internal user may set personal defaults, so a default on
    a field the module guards would slip past every check on create. Only
    the module itself (as superuser, e.g. the settings' default collector)
    sets defaults on the collection's fields."""

    _inherit = "ir.default"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            fields = self.env["ir.model.fields"].browse(
                vals.get("field_id") for vals in vals_list
            )
            self._check_collection_default(fields)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            fields = self.field_id
            if vals.get("field_id"):
                fields |= self.env["ir.model.fields"].browse(vals["field_id"])
            self._check_collection_default(fields)
        return super().write(vals)

    @api.model
    def _check_collection_default(self, fields):
        """Refuse defaults on a collection record's fields and on the fields
        other models name as the module's (written by its actions, or by
        some users only)."""

        def owned(model):
            Model = self.env.get(model)
            if Model is None or not hasattr(Model, "_collection_owned_fields"):
                return set()
            return Model._collection_owned_fields()

        guarded = fields.sudo().filtered(
            lambda f: f.model.startswith("collection.") or f.name in owned(f.model)
        )
        if guarded:
            raise AccessError(
                _(
                    "Defaults of the collection's fields are not set by users: "
                    "%(fields)s.",
                    fields=", ".join(guarded.mapped("field_description")),
                )
            )
