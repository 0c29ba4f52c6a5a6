import operator as py_operator
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

# Columns of the receivable book's status query, by the partner field they feed.
STATUS_COLUMNS = {
    "collection_open_amount": "open_amount",
    "collection_overdue_amount": "overdue_amount",
    "collection_overdue_count": "overdue_count",
    "collection_oldest_overdue_days": "oldest_overdue_days",
    "collection_disputed_amount": "disputed_amount",
}
SEARCH_OPERATORS = {
    "=": py_operator.eq,
    "!=": py_operator.ne,
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
}


class ResPartner(models.Model):
    """The collection status of customers, whole lists in one query, and who
    may read it."""

    _inherit = "res.partner"

    @api.depends_context("uid", "company")
    def _compute_collection_status_access(self):
        allowed = self._collection_status_allowed(self.commercial_partner_id)
        for partner in self:
            partner.collection_status_access = partner.commercial_partner_id in allowed

    @api.depends_context("uid", "company")
    def _compute_collection_status(self):
        commercial = self.commercial_partner_id
        allowed = self._collection_status_allowed(commercial)
        rows = {}
        if allowed:
            self.env.cr.execute(self._get_collection_status_sql(allowed.ids))
            rows = {row["partner_id"]: row for row in self.env.cr.dictfetchall()}
        for partner in self:
            row = rows.get(partner.commercial_partner_id.id, {})
            for fname, column in STATUS_COLUMNS.items():
                partner[fname] = row.get(column) or 0

    @api.depends_context("uid", "company")
    def _compute_collection_worklist(self):
        """What a worklist and a salesperson's banner show beside the amounts,
        for the whole list in five queries: the open promise's next date, the
        last contact, the next action, the highest level reached and a promise
        broken in the last 12 months."""
        commercial = self._collection_status_allowed(self.commercial_partner_id)
        worklist = commercial._get_collection_worklist() if commercial else {}
        for partner in self:
            row = worklist.get(partner.commercial_partner_id.id, {})
            partner.collection_promise_date = row.get("promise_date")
            partner.collection_last_contact_date = row.get("last_contact")
            partner.collection_next_activity = row.get("next_activity")
            partner.collection_next_activity_date = row.get("next_activity_date")
            partner.collection_level_id = row.get("level_id")
            partner.collection_broken_recently = bool(row.get("broken"))

    def _get_collection_worklist(self):
        """{commercial partner id: {promise_date, last_contact, next_activity,
        next_activity_date}} in the current company and its branches."""
        company_ids = self._get_collection_companies().ids
        today = self.env["collection.receivable"]._get_today()
        rows = defaultdict(dict)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT promise.partner_id,
                       COALESCE(MIN(line.date) FILTER (WHERE line.date >= %(today)s),
                                MAX(line.date))
                  FROM collection_promise promise
                  JOIN collection_promise_line line ON line.promise_id = promise.id
                 WHERE promise.state = 'open'
                   AND promise.partner_id = ANY(%(partners)s)
                   AND promise.company_id = ANY(%(companies)s)
                 GROUP BY promise.partner_id
                """,
                today=today,
                partners=self.ids,
                companies=company_ids,
            )
        )
        for partner_id, date in self.env.cr.fetchall():
            rows[partner_id]["promise_date"] = date
        subtype = self.env.ref("credit_collection.mt_collection_contact")
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, MAX(date)
                  FROM (
                        SELECT partner_id, date
                          FROM collection_dunning
                         WHERE state IN ('queued', 'done')
                           AND partner_id = ANY(%(partners)s)
                           AND company_id = ANY(%(companies)s)
                        UNION ALL
                        SELECT move.commercial_partner_id, message.date::date
                          FROM mail_message message
                          JOIN account_move move ON move.id = message.res_id
                         WHERE message.model = 'account.move'
                           AND message.subtype_id = %(subtype)s
                           AND move.commercial_partner_id = ANY(%(partners)s)
                           AND move.company_id = ANY(%(companies)s)
                       ) contact
                 GROUP BY partner_id
                """,
                partners=self.ids,
                companies=company_ids,
                subtype=subtype.id,
            )
        )
        for partner_id, date in self.env.cr.fetchall():
            rows[partner_id]["last_contact"] = date
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (dunning.partner_id)
                       dunning.partner_id, activity.date_deadline,
                       COALESCE(activity.summary, '')
                  FROM mail_activity activity
                  JOIN collection_dunning dunning ON dunning.id = activity.res_id
                 WHERE activity.res_model = 'collection.dunning'
                   AND dunning.partner_id = ANY(%(partners)s)
                   AND dunning.company_id = ANY(%(companies)s)
                 ORDER BY dunning.partner_id, activity.date_deadline, activity.id
                """,
                partners=self.ids,
                companies=company_ids,
            )
        )
        for partner_id, date, summary in self.env.cr.fetchall():
            rows[partner_id]["next_activity"] = summary
            rows[partner_id]["next_activity_date"] = date
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (move.commercial_partner_id)
                       move.commercial_partner_id, move.collection_level_id
                  FROM account_move move
                  JOIN collection_level level ON level.id = move.collection_level_id
                 WHERE move.commercial_partner_id = ANY(%(partners)s)
                   AND move.company_id = ANY(%(companies)s)
                   AND move.state = 'posted'
                   AND move.payment_state NOT IN ('paid', 'in_payment', 'reversed')
                 ORDER BY move.commercial_partner_id, level.days_after_due DESC
                """,
                partners=self.ids,
                companies=company_ids,
            )
        )
        for partner_id, level_id in self.env.cr.fetchall():
            rows[partner_id]["level_id"] = level_id
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT partner_id
                  FROM collection_promise
                 WHERE state = 'broken'
                   AND partner_id = ANY(%(partners)s)
                   AND company_id = ANY(%(companies)s)
                   AND date_due >= %(since)s
                """,
                partners=self.ids,
                companies=company_ids,
                since=fields.Date.subtract(today, years=1),
            )
        )
        for (partner_id,) in self.env.cr.fetchall():
            rows[partner_id]["broken"] = True
        return rows

    @api.depends_context("uid", "company")
    def _compute_collection_to_follow(self):
        minimum = self.env.company.collection_min_amount
        for partner in self:
            overdue = partner.collection_overdue_amount
            partner.collection_to_follow = overdue > 0 and overdue >= minimum

    def _search_collection_open_amount(self, operator, value):
        return self._search_collection_status("open_amount", operator, value)

    def _search_collection_overdue_amount(self, operator, value):
        return self._search_collection_status("overdue_amount", operator, value)

    def _search_collection_overdue_count(self, operator, value):
        return self._search_collection_status("overdue_count", operator, value)

    def _search_collection_oldest_overdue_days(self, operator, value):
        return self._search_collection_status("oldest_overdue_days", operator, value)

    def _search_collection_disputed_amount(self, operator, value):
        return self._search_collection_status("disputed_amount", operator, value)

    def _search_collection_to_follow(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on To Follow: %(op)s", op=operator))
        minimum = self.env.company.collection_min_amount
        if (operator == "=") == value:
            if minimum > 0:
                return [("collection_overdue_amount", ">=", minimum)]
            return [("collection_overdue_amount", ">", 0)]
        if minimum > 0:
            return [("collection_overdue_amount", "<", minimum)]
        return [("collection_overdue_amount", "<=", 0)]

    @api.model
    def _get_collection_status_access_domain(self):
        """Domain of the commercial partners whose status the user may read:
        collectors, accountants and sales managers every one, salespeople
        their own."""
        user = self.env.user
        if (
            self.env.su
            or user.has_group("credit_collection.group_collection_user")
            or user.has_group("account.group_account_invoice")
            or user.has_group("account.group_account_readonly")
            or user.has_group("sales_team.group_sale_manager")
        ):
            return []
        if user.has_group("sales_team.group_sale_salesman"):
            return [("id", "in", self._get_collection_salesperson_customers(user))]
        return expression.FALSE_DOMAIN

    @api.model
    def _get_collection_salesperson_customers(self, user):
        """The ids of a salesperson's own customers, for collection: those of
        the posted invoices they are the salesperson of, in the current company
        and its branches. Posted invoices are accounting's (a salesperson
        cannot post one, nor change its salesperson once posted): writing a
        customer's salesperson, which any contact creator may do, opens
        nothing."""
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "invoice_user_id", "state", "move_type"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT commercial_partner_id
                  FROM account_move
                 WHERE invoice_user_id = %s
                   AND state = 'posted'
                   AND move_type IN ('out_invoice', 'out_refund')
                   AND company_id = ANY(%s)
                """,
                user.id,
                self._get_collection_companies().ids,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _collection_status_allowed(self, commercial_partners):
        domain = self._get_collection_status_access_domain()
        return (
            commercial_partners.filtered_domain(domain)
            if domain
            else commercial_partners
        )

    @api.model
    def _get_collection_companies(self):
        """The current company and its branches: one currency to add up."""
        return self.env["res.company"].search([("id", "child_of", self.env.company.id)])

    @api.model
    def _get_collection_status_sql(self, commercial_partner_ids=None):
        """The status of the customers in the current company and its
        branches, as the receivable book computes it."""
        return self.env["collection.receivable"]._get_status_sql(
            self._get_collection_companies().ids, commercial_partner_ids
        )

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        """Worklists sort by the status amounts and days: the status query
        joined once, for the whole list."""
        column = STATUS_COLUMNS.get(field_name)
        if not column:
            return super()._order_field_to_sql(
                alias, field_name, direction, nulls, query
            )
        status = query.left_join(
            alias,
            "commercial_partner_id",
            SQL("(%s)", self._get_collection_status_sql()),
            "partner_id",
            "collection_status",
        )
        value = SQL("COALESCE(%s, 0)", SQL.identifier(status, column))
        domain = self._get_collection_status_access_domain()
        if domain:
            # a salesperson sorts their own customers; the others count as 0
            allowed = self.search(domain).commercial_partner_id.ids
            value = SQL(
                "CASE WHEN %s = ANY(%s) THEN %s ELSE 0 END",
                SQL.identifier(alias, "commercial_partner_id"),
                allowed,
                value,
            )
        return SQL("%s %s %s", value, direction, nulls)

    @api.model
    def _search_collection_status(self, column, operator, value):
        """Domain on one column of the status query, for the whole book at once."""
        if (
            operator not in SEARCH_OPERATORS
            or isinstance(value, bool)
            or not isinstance(value, (int, float))
        ):
            raise UserError(
                _(
                    "Unsupported search on the collection status: %(op)s %(value)s",
                    op=operator,
                    value=value,
                )
            )
        matches = SQL(
            "%s %s %s", SQL.identifier("status", column), SQL(operator), value
        )
        if SEARCH_OPERATORS[operator](0, value):
            # Customers without open items match too: keep all but the others.
            condition, domain_operator = SQL("NOT (%s)", matches), "not in"
        else:
            condition, domain_operator = matches, "in"
        matching = SQL(
            "(SELECT status.partner_id FROM (%s) AS status WHERE %s)",
            self._get_collection_status_sql(),
            condition,
        )
        domain = [("id", domain_operator, matching)]
        return expression.AND([self._get_collection_status_access_domain(), domain])
