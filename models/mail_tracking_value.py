from odoo import models


class MailTrackingValue(models.Model):
    """A change of a collection state ("Draft -> Done") is stored as the labels
    of whoever made it (often the scheduled action, in English): shown in the
    reader's language instead."""

    _inherit = "mail.tracking.value"

    def _tracking_value_format_model(self, model):
        formatted = super()._tracking_value_format_model(model)
        if not model or model not in self.env:
            return formatted
        Model = self.env[model]
        languages = [code for code, _name in self.env["res.lang"].get_installed()]
        for info in formatted:
            field = Model._fields.get(info["fieldName"])
            if not field or field.type != "selection" or not self._is_collection(field):
                continue
            keys = {}
            for code in languages:
                in_lang = Model.with_context(lang=code).env
                for key, label in field._description_selection(in_lang):
                    keys.setdefault(label, key)
            labels = dict(field._description_selection(self.env))
            for side in ("oldValue", "newValue"):
                key = keys.get(info[side]["value"])
                if key is not None:
                    info[side]["value"] = labels.get(key, info[side]["value"])
        return formatted

    def _is_collection(self, field):
        return field.model_name.startswith("collection.") or field.name.startswith(
            ("collection_", "insurance_", "commission_")
        )
