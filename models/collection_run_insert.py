import io
import json

from psycopg2.extras import Json

from odoo import models
from odoo.tools import SQL


class CollectionRun(models.Model):
    """A proposal's rows written in bulk: one INSERT a batch, the ORM's
    stored computes filled after."""

    _inherit = "collection.run"

    def _insert_rows(self, model_name, values_list):
        """The proposal's one way past the ORM's `create`, for its thousands of
        draft dunnings and lines (records nobody refers to yet): insert
        `values_list` in one `COPY` and return the new ids in order.

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
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"{Model._table}_id_seq",
                len(values_list),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        given = set(values_list[0]) | {"id"}
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
        defaults = {
            name: Model._fields[name].convert_to_column_insert(value, Model)
            for name, value in defaults.items()
        }
        # written as text once, not by json's fallback once a row
        now = str(self.env.cr.now())
        stamp = {
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
            "create_date": now,
            "write_date": now,
        }
        rows = [
            {**defaults, **values, **stamp, "id": record_id}
            for record_id, values in zip(ids, values_list, strict=True)
        ]
        # every row has the first one's columns, written in their order
        columns = list(rows[0])
        for row in rows:
            if row.keys() != rows[0].keys():
                raise ValueError(
                    f"{model_name}: every row gives the same fields"
                    f" ({sorted(set(row) ^ set(columns))} differ)"
                )
        # COPY's text: PostgreSQL reads it faster than one JSON parameter,
        # and Python writes it faster (0.1 s less for 8,400 lines)
        data = io.StringIO(
            "".join(
                "\t".join([_copy_text(row[name]) for name in columns]) + "\n"
                for row in rows
            )
        )
        self.env.cr.copy_expert(
            SQL(
                "COPY %s (%s) FROM STDIN",
                SQL.identifier(Model._table),
                SQL(", ").join(SQL.identifier(name) for name in columns),
            ).code,
            data,
        )
        self.env.invalidate_all()
        return ids

    def _compute_unwritten(self, model_name, ids, values):
        """Let the ORM compute the stored fields `_insert_rows` did not write
        (not in `values`) on these records, once every row is in."""
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


def _copy_text(value):
    """A column's value in COPY's text format: \\N for NULL, JSON for the
    multi-valued columns (translations, company-dependent values), the
    value's text otherwise, its backslashes, tabs and line ends escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, Json):
        return json.dumps(value.adapted).translate(COPY_ESCAPES)
    if isinstance(value, dict | list):
        return json.dumps(value).translate(COPY_ESCAPES)
    # numbers, dates, booleans: their text has nothing to escape (most of a
    # proposal's two million values, escaped for nothing before)
    return str(value)
