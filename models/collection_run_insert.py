import io
import json
from datetime import date, datetime

from psycopg2.extras import Json

from odoo import models
from odoo.tools import SQL


class CollectionRun(models.Model):
    """A proposal's rows written in bulk: one INSERT a batch, the ORM's
    stored computes filled after."""

    _inherit = "collection.run"

    def _insert_rows(self, model_name, values_list, common=None):
        """The proposal's one way past the ORM's `create`, for its thousands of
        draft dunnings and lines (records nobody refers to yet): insert
        `values_list`, each row completed by the values `common` to all of
        them, in one `COPY` and return the new ids in order.

        Whatever the ORM would have done for the fields not given is done for
        the whole batch: stored fields with a default get it here, stored
        computed fields are computed by the ORM afterwards
        (`_compute_unwritten`), so a field another module adds to these
        models is filled as if the records were created. The values given are
        written as they are: the caller computes them with the models' own
        functions."""
        Model = self.env[model_name]
        if not values_list:
            return []
        common = common or {}
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"{Model._table}_id_seq",
                len(values_list),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        # every row gives the first one's fields, written in their order
        columns = list(values_list[0])
        if set(columns) & set(common):
            raise ValueError(
                f"{model_name}: {sorted(set(columns) & set(common))} given by the"
                " rows and as common values"
            )
        for values in values_list:
            if values.keys() != values_list[0].keys():
                raise ValueError(
                    f"{model_name}: every row gives the same fields"
                    f" ({sorted(set(values) ^ set(values_list[0]))} differ)"
                )
        given = set(values_list[0]) | set(common) | {"id"}
        missing = [
            field
            for name, field in Model._fields.items()
            if field.store
            and field.column_type
            and name not in given
            and name not in models.LOG_ACCESS_COLUMNS
        ]
        # the fields' own defaults, not a caller's context
        defaults = Model.with_env(self.env(context={})).default_get(
            [field.name for field in missing if not field.compute]
        )
        now = self.env.cr.now()
        # the same for every row: written as COPY's text once, not once a row
        constant = {
            **{
                name: Model._fields[name].convert_to_column_insert(value, Model)
                for name, value in defaults.items()
            },
            **common,
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
            "create_date": now,
            "write_date": now,
        }
        constant_text = "".join("\t" + _copy_text(value) for value in constant.values())
        data = io.StringIO(
            "".join(
                "\t".join(
                    [str(record_id)] + [_copy_text(values[name]) for name in columns]
                )
                + constant_text
                + "\n"
                for record_id, values in zip(ids, values_list, strict=True)
            )
        )
        self.env.cr.copy_expert(
            SQL(
                "COPY %s (%s) FROM STDIN",
                SQL.identifier(Model._table),
                SQL(", ").join(
                    SQL.identifier(name) for name in ["id", *columns, *constant]
                ),
            ).code,
            data,
        )
        self.env.invalidate_all()
        return ids

    def _compute_unwritten(self, model_name, ids, values):
        """Let the ORM compute the stored fields `_insert_rows` did not write
        (not in `values`, the names of a row's and the common values) on these
        records, once every row is in."""
        Model = self.env[model_name]
        records = Model.browse(ids)
        given = set(values)
        computed = [
            field
            for name, field in Model._fields.items()
            if field.store and field.compute and name not in given
        ]
        for field in computed:
            self.env.add_to_compute(field, records)
        if computed:
            records.flush_recordset([field.name for field in computed])


# what COPY's text format escapes in a value
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# numbers, dates, booleans: their text has nothing to escape (most of a
# proposal's two million values), told by their exact type first
PLAIN_TYPES = frozenset({int, float, bool, date, datetime})


def _copy_text(value):
    """A column's value in COPY's text format: \\N for NULL, JSON for the
    multi-valued columns (translations, company-dependent values), the
    value's text otherwise, its backslashes, tabs and line ends escaped."""
    if type(value) in PLAIN_TYPES:
        return str(value)
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, Json):
        return json.dumps(value.adapted).translate(COPY_ESCAPES)
    if isinstance(value, dict | list):
        return json.dumps(value).translate(COPY_ESCAPES)
    # a number or date of another type (Decimal, a subclass)
    return str(value)
