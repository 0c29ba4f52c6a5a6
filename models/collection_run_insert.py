import json

from odoo import models
from odoo.tools import SQL


class CollectionRun(models.Model):
    """A proposal's rows written in bulk: one INSERT a batch, the ORM's
    stored computes filled after."""

    _inherit = "collection.run"

    def _insert_rows(self, model_name, values_list):
        """The proposal's one way past the ORM's `create`, for its thousands of
        draft dunnings and lines (records nobody refers to yet): insert
        `values_list` in one query and return the new ids in order.

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
        columns = SQL(", ").join(SQL.identifier(name) for name in rows[0])
        # one JSON parameter: PostgreSQL reads it far faster than arrays
        self.env.cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(columns)s) SELECT %(columns)s"
                " FROM json_populate_recordset(NULL::%(table)s, %(rows)s)",
                table=SQL.identifier(Model._table),
                columns=columns,
                rows=json.dumps(rows, default=str),
            )
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
