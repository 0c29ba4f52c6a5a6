from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# Written by the ORM or by mail.thread for every record: never business facts.
TECHNICAL_FIELDS = frozenset(
    {
        "message_main_attachment_id",
        "message_follower_ids",
        "message_ids",
        "activity_ids",
        "website_message_ids",
        "write_date",
        "write_uid",
    }
)


# What the module's own writes keep of the caller's context: the language and
# time zone its messages are written in, the companies it works in.
MODULE_CONTEXT_KEYS = ("lang", "tz", "allowed_company_ids")


def as_module(records):
    """`records` as the module's own actions write them: superuser, with the
    caller's context dropped (no `default_*` key filling a field, no tracking
    or mail flag a caller set), but for its language, time zone and
    companies. Every write the module makes past a user's rights goes
    through here."""
    context = {
        key: records.env.context[key]
        for key in MODULE_CONTEXT_KEYS
        if key in records.env.context
    }
    return records.with_env(records.env(context=context, su=True))


def write_column(records, fname, values):
    """Write {record id: value} into column `fname` of `records`' table in
    one statement, as the module: for values that differ by record (names
    from a sequence), which the ORM would write one statement each. The
    cache is refreshed; `fname` must be a plain stored column nothing
    computes from."""
    if not values:
        return
    records.flush_recordset([fname])
    records.env.cr.execute(
        SQL(
            """
            UPDATE %s record SET %s = new.value
              FROM (VALUES %s) AS new(id, value)
             WHERE record.id = new.id
            """,
            SQL.identifier(records._table),
            SQL.identifier(fname),
            SQL(", ").join(
                SQL("(%s, %s)", id_, value) for id_, value in values.items()
            ),
        )
    )
    records.invalidate_recordset([fname])


def with_context_defaults(model, vals):
    """`vals` as `create` will store them: the context's `default_<field>`
    keys included, for a check on create must not miss what comes from
    there (any RPC client sets the context)."""
    defaults = {
        key[8:]: value
        for key, value in model.env.context.items()
        if key.startswith("default_") and key[8:] in model._fields
    }
    return {**defaults, **vals}


class CollectionGuardMixin(models.AbstractModel):
    """Fields that move money, rights or a customer's standing are written by
    the module's own actions only, never by a user's `create` or `write`,
    whatever the screen or the RPC call.

    Each model names them once, through `_get_collection_action_fields` (as
    core's `_get_integrity_hash_fields`), extended by each file that adds
    such fields; the actions check what they must, then write through
    `as_module`, which no RPC client can do. `create` accepts a guarded
    field with the value the module itself would start the record with."""

    _name = "collection.guard.mixin"
    _description = "Collection: Fields Written by Actions Only"
    # a collection record's business fields are all the module's; a core
    # model inheriting the mixin (invoices, customers) names its own
    _collection_guard_all = True
    # the ir.sequence code that names a new record in its company: the one
    # way a collection record is named, never by the caller
    _collection_sequence = None

    def _get_collection_action_fields(self):
        """{field name: why a user may not write it (or None)}: the fields of
        this model only the module's own actions write. Each file adding such
        fields extends it (calling super)."""
        if self._collection_guard_all:
            return dict.fromkeys(set(self._fields) - TECHNICAL_FIELDS)
        return {}

    def _get_collection_restricted_fields(self):
        """The fields of this model some users write and others not (a
        collector's, a manager's): no personal default may fill them."""
        return set()

    def _collection_owned_fields(self):
        """Every field of this model the module guards: no personal default
        may fill one (a default is written past the checks on `create`)."""
        return set(self._get_collection_action_fields()) | (
            self._get_collection_restricted_fields()
        )

    def _collection_guarded_fields(self, vals, create=False):
        """The fields of `vals` a user may not write on these records (on new
        records when `create`)."""
        return set(self._get_collection_action_fields()).intersection(vals)

    def _check_company(self, fnames=None):
        """Odoo's check of the records' companies, a company at a time rather
        than a record at a time: a run's execution creates hundreds of
        decisions at once, and the check read each one's related records
        apart, with every column of each. Where any is wrong, Odoo's own
        check finds and names it."""
        if (
            not self._collection_guard_all
            or len(self) < 2
            or "company_id" not in self._fields
        ):
            return super()._check_company(fnames)
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        checked = [
            self._fields[name]
            for name in fnames
            if self._fields[name].relational and self._fields[name].check_company
        ]
        for company, records in self.grouped("company_id").items():
            for field in checked:
                corecords = records.sudo().mapped(field.name)
                if not corecords:
                    continue
                domain = corecords._check_company_domain(
                    self.env.company if field.company_dependent else company
                )
                # counted in the database: reading each invoice's company in
                # Python would fetch every column of thousands of invoices
                if domain and len(corecords) != corecords.with_context(
                    active_test=False
                ).search_count([("id", "in", corecords.ids), *domain]):
                    return super()._check_company(fnames)
        return None

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                vals = with_context_defaults(self, vals)
                self.browse()._collection_raise_guard(
                    {
                        name
                        for name in self.browse()._collection_guarded_fields(
                            vals, create=True
                        )
                        if not self._collection_is_start_value(name, vals[name])
                    }
                )
        if self._collection_sequence:
            for vals in vals_list:
                if vals.get("name", "/") in ("/", False):
                    company = self.env["res.company"].browse(vals.get("company_id"))
                    vals["name"] = self._collection_next_name(company)
        return super().create(vals_list)

    @api.model
    def _collection_next_name(self, company=None, code=None):
        """The next name of sequence `code` (the model's own by default) in
        `company` (the current one by default)."""
        return self._collection_next_names(1, company, code)[0]

    @api.model
    def _collection_next_names(self, count, company=None, code=None):
        """The next `count` names of sequence `code` in `company`, in order,
        as `next_by_code` would give them one by one. A gapless sequence
        gives a whole batch in one statement (its row stays locked until the
        transaction ends: a large run is numbered before its workers start)."""
        company = company or self.env.company
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [
                    ("code", "=", code or self._collection_sequence),
                    ("company_id", "in", [company.id, False]),
                ],
                order="company_id",
                limit=1,
            )
            .with_company(company)
        )
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "no_gap" or sequence.use_date_range:
            return [sequence._next() for _i in range(count)]
        step = sequence.number_increment
        self.env.cr.execute(
            SQL(
                """
                UPDATE ir_sequence SET number_next = number_next + %s
                 WHERE id = %s
             RETURNING number_next - %s
                """,
                step * count,
                sequence.id,
                step * count,
            )
        )
        first = self.env.cr.fetchone()[0]
        sequence.invalidate_recordset(["number_next"])
        return [sequence.get_next_char(first + i * step) for i in range(count)]

    def write(self, vals):
        if not self.env.su:
            self._collection_raise_guard(self._collection_guarded_fields(vals))
        return super().write(vals)

    @api.model
    def _collection_is_start_value(self, name, value):
        """Whether `value` is what the module itself starts a new record with
        in field `name`: its own default (not the caller's context nor a
        personal default), or empty where it has none. The web client sends a
        new form's starting values on save: they are not an attack."""
        field = self._fields.get(name)
        if field is None:
            return False
        record = self.browse()
        start = field.default(record) if field.default else False
        if field.type in ("one2many", "many2many"):
            # nothing linked: no command, a clear, or a set of nothing
            return not start and all(
                command[0] == 5 or (command[0] == 6 and not command[2])
                for command in value or ()
            )
        if not start and not value:
            return True
        if field.type == "date":
            return fields.Date.to_date(value) == fields.Date.to_date(start)
        return field.convert_to_cache(value, record) == field.convert_to_cache(
            start, record
        )

    def _collection_raise_guard(self, refused):
        """Refuse writing the fields `refused`, saying why."""
        if not refused:
            return
        reasons = self._get_collection_action_fields()
        why = {reasons.get(name) for name in refused}
        if len(why) == 1 and None not in why:
            raise AccessError(why.pop())
        labels = sorted(
            self._fields[name]._description_string(self.env)
            for name in refused
            if name in self._fields
        )
        raise AccessError(
            _(
                "%(model)s: %(fields)s can only be changed by the module's own "
                "actions (confirm, approve, execute, cancel...), not edited.",
                model=self.env["ir.model"].sudo()._get(self._name).name,
                fields=", ".join(labels),
            )
        )
