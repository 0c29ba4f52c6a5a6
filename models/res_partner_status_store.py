from odoo import api, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

# The customers' status, one row a commercial partner and company with open
# items, as computed on `computed_on`; its overdue amounts hold until
# `valid_until` (the next due date of its open items). A row with no
# `computed_on` is stale: a change of the book marked it, and the status is
# computed from the book until the next refresh.
STATUS_TABLE = """
CREATE TABLE collection_customer_status (
    partner_id integer NOT NULL REFERENCES res_partner(id) ON DELETE CASCADE,
    company_id integer NOT NULL REFERENCES res_company(id) ON DELETE CASCADE,
    computed_on date,
    valid_until date,
    open_amount numeric NOT NULL DEFAULT 0,
    overdue_amount numeric NOT NULL DEFAULT 0,
    overdue_count integer NOT NULL DEFAULT 0,
    oldest_overdue_date date,
    disputed_amount numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, partner_id)
)
"""

# Whatever changes a customer's open items marks its status stale, whichever
# way it was written (the ORM, an accounting flow's SQL, an import): the
# database's triggers, on the columns the status reads.
STATUS_TRIGGERS = """
CREATE OR REPLACE FUNCTION collection_status_mark(
    line_partner integer, line_company integer, line_account integer
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO collection_customer_status (partner_id, company_id)
    SELECT partner.commercial_partner_id, line_company
      FROM res_partner partner, account_account account
     WHERE partner.id = line_partner
       AND account.id = line_account
       AND account.account_type = 'asset_receivable'
       AND partner.commercial_partner_id IS NOT NULL
    ON CONFLICT (company_id, partner_id) DO UPDATE SET computed_on = NULL
     WHERE collection_customer_status.computed_on IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION collection_status_line_changed()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP != 'INSERT' THEN
        PERFORM collection_status_mark(OLD.partner_id, OLD.company_id, OLD.account_id);
    END IF;
    IF TG_OP != 'DELETE' THEN
        PERFORM collection_status_mark(NEW.partner_id, NEW.company_id, NEW.account_id);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER collection_status_line_insert
AFTER INSERT ON account_move_line FOR EACH ROW
WHEN (NEW.parent_state = 'posted')
EXECUTE FUNCTION collection_status_line_changed();

CREATE OR REPLACE TRIGGER collection_status_line_delete
AFTER DELETE ON account_move_line FOR EACH ROW
WHEN (OLD.parent_state = 'posted')
EXECUTE FUNCTION collection_status_line_changed();

CREATE OR REPLACE TRIGGER collection_status_line_update
AFTER UPDATE OF amount_residual, reconciled, date_maturity, insurance_due_date,
                partner_id, parent_state, account_id, company_id
ON account_move_line FOR EACH ROW
WHEN ((OLD.parent_state = 'posted' OR NEW.parent_state = 'posted')
      AND (OLD.amount_residual, OLD.reconciled, OLD.date_maturity,
           OLD.insurance_due_date, OLD.partner_id, OLD.parent_state,
           OLD.account_id, OLD.company_id)
          IS DISTINCT FROM
          (NEW.amount_residual, NEW.reconciled, NEW.date_maturity,
           NEW.insurance_due_date, NEW.partner_id, NEW.parent_state,
           NEW.account_id, NEW.company_id))
EXECUTE FUNCTION collection_status_line_changed();

CREATE OR REPLACE FUNCTION collection_status_move_disputed()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM collection_status_mark(line.partner_id, line.company_id, line.account_id)
       FROM account_move_line line
      WHERE line.move_id = NEW.id AND line.parent_state = 'posted';
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER collection_status_move_disputed
AFTER UPDATE OF collection_disputed ON account_move FOR EACH ROW
WHEN (OLD.collection_disputed IS DISTINCT FROM NEW.collection_disputed)
EXECUTE FUNCTION collection_status_move_disputed();

CREATE OR REPLACE FUNCTION collection_status_partner_moved()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO collection_customer_status (partner_id, company_id)
    SELECT commercial.id, line.company_id
      FROM account_move_line line
      JOIN account_account account ON account.id = line.account_id
     CROSS JOIN (VALUES (OLD.commercial_partner_id), (NEW.commercial_partner_id))
           AS commercial(id)
     WHERE line.partner_id = NEW.id
       AND line.parent_state = 'posted'
       AND account.account_type = 'asset_receivable'
       AND commercial.id IS NOT NULL
     GROUP BY commercial.id, line.company_id
    ON CONFLICT (company_id, partner_id) DO UPDATE SET computed_on = NULL
     WHERE collection_customer_status.computed_on IS NOT NULL;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER collection_status_partner_moved
AFTER UPDATE OF commercial_partner_id ON res_partner FOR EACH ROW
WHEN (OLD.commercial_partner_id IS DISTINCT FROM NEW.commercial_partner_id)
EXECUTE FUNCTION collection_status_partner_moved();

CREATE OR REPLACE FUNCTION collection_status_account_retyped()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO collection_customer_status (partner_id, company_id)
    SELECT partner.commercial_partner_id, line.company_id
      FROM account_move_line line
      JOIN res_partner partner ON partner.id = line.partner_id
     WHERE line.account_id = NEW.id
       AND line.parent_state = 'posted'
       AND partner.commercial_partner_id IS NOT NULL
     GROUP BY partner.commercial_partner_id, line.company_id
    ON CONFLICT (company_id, partner_id) DO UPDATE SET computed_on = NULL
     WHERE collection_customer_status.computed_on IS NOT NULL;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER collection_status_account_retyped
AFTER UPDATE OF account_type ON account_account FOR EACH ROW
WHEN (OLD.account_type IS DISTINCT FROM NEW.account_type)
EXECUTE FUNCTION collection_status_account_retyped();
"""

# What the module leaves in the database besides its models' tables, dropped
# when it is uninstalled (Odoo's accounting must not call a function of a
# module that is gone).
STATUS_DROP = """
DROP TRIGGER IF EXISTS collection_status_line_insert ON account_move_line;
DROP TRIGGER IF EXISTS collection_status_line_delete ON account_move_line;
DROP TRIGGER IF EXISTS collection_status_line_update ON account_move_line;
DROP TRIGGER IF EXISTS collection_status_move_disputed ON account_move;
DROP TRIGGER IF EXISTS collection_status_partner_moved ON res_partner;
DROP TRIGGER IF EXISTS collection_status_account_retyped ON account_account;
DROP FUNCTION IF EXISTS collection_status_line_changed();
DROP FUNCTION IF EXISTS collection_status_move_disputed();
DROP FUNCTION IF EXISTS collection_status_partner_moved();
DROP FUNCTION IF EXISTS collection_status_account_retyped();
DROP FUNCTION IF EXISTS collection_status_mark(integer, integer, integer);
DROP TABLE IF EXISTS collection_customer_status;
DROP INDEX IF EXISTS account_move_collection_level_partner_idx;
DROP INDEX IF EXISTS account_move_collection_salesperson_idx;
"""


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def init(self):
        """The stored status and its triggers, once the columns they read
        exist (this model's, the invoice's dispute): created at install, the
        triggers replaced at each update."""
        result = super().init()
        cr = self.env.cr
        # what the worklists read of each customer on the page: the highest
        # level reached, and a salesperson's own customers
        create_index(
            cr,
            "account_move_collection_level_partner_idx",
            "account_move",
            ["commercial_partner_id", "collection_level_id"],
            where="collection_level_id IS NOT NULL AND state = 'posted'",
        )
        create_index(
            cr,
            "account_move_collection_salesperson_idx",
            "account_move",
            ["invoice_user_id", "commercial_partner_id"],
            where="state = 'posted'",
        )
        cr.execute("SELECT to_regclass('collection_customer_status')")
        created = not cr.fetchone()[0]
        if created:
            cr.execute(STATUS_TABLE)
        cr.execute(STATUS_TRIGGERS)
        if created:
            # every customer with open items, computed once
            receivable = self.env["collection.receivable"]
            cr.execute(
                SQL(
                    """
                    INSERT INTO collection_customer_status (partner_id, company_id)
                    SELECT DISTINCT partner.commercial_partner_id, line.company_id
                      FROM account_move_line line
                      JOIN account_account account ON account.id = line.account_id
                      JOIN res_partner partner ON partner.id = line.partner_id
                     WHERE %s AND partner.commercial_partner_id IS NOT NULL
                    """,
                    receivable._get_open_item_condition(),
                )
            )
            self.env["res.partner"]._refresh_collection_status()
        return result


class ResPartner(models.Model):
    """The customers' collection status, stored so that a list of the whole
    book searches and sorts it in a page's time: kept stale-marked by the
    database at every change of the book, refreshed by a scheduled action,
    and read as computed from the book wherever it is stale."""

    _inherit = "res.partner"

    @api.model
    def _refresh_collection_status(self):
        """Compute the stale rows of the stored status, in each company's
        today; the rows another transaction is writing are left to the next
        refresh (they read as computed from the book meanwhile)."""
        receivable = self.env["collection.receivable"]
        receivable._flush_status_columns()
        self.env.cr.execute(
            "SELECT DISTINCT company_id FROM collection_customer_status"
        )
        companies = self.env["res.company"].browse(
            row[0] for row in self.env.cr.fetchall()
        )
        for company in companies:
            today = receivable._get_today(company)
            self.env.cr.execute(
                SQL(
                    """
                    WITH stale AS (
                        SELECT partner_id, company_id
                          FROM collection_customer_status
                         WHERE company_id = %(company)s
                           AND (computed_on IS NULL OR computed_on > %(today)s
                                OR valid_until < %(today)s)
                           FOR UPDATE SKIP LOCKED
                    ), live AS (%(live)s),
                    updated AS (
                        UPDATE collection_customer_status status
                           SET computed_on = %(today)s,
                               valid_until = live.next_due_date,
                               open_amount = live.open_amount,
                               overdue_amount = live.overdue_amount,
                               overdue_count = live.overdue_count,
                               oldest_overdue_date = live.oldest_overdue_date,
                               disputed_amount = live.disputed_amount
                          FROM live
                         WHERE status.company_id = live.company_id
                           AND status.partner_id = live.partner_id
                    )
                    DELETE FROM collection_customer_status status
                     USING stale
                     WHERE status.company_id = stale.company_id
                       AND status.partner_id = stale.partner_id
                       AND NOT EXISTS (
                               SELECT FROM live
                                WHERE live.partner_id = stale.partner_id)
                    """,
                    company=company.id,
                    today=today,
                    live=receivable._get_live_status_sql(
                        today, SQL("SELECT partner_id, company_id FROM stale")
                    ),
                )
            )
