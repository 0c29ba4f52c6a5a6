"""One measurement on a benchmark database, printed as one JSON line.

    python3 bench/measure.py CONFIG DATABASE WHAT [ROWS]

Each measured block ends with what a commit would do (flush and the precommit
hooks, where Odoo writes the chatter's tracking), then everything is rolled
back at the end: the database stays as generated. Each
measurement runs in a process of its own so that its peak memory is its own.
"""

import json
import sys

from dateutil.relativedelta import relativedelta
from lib import Measure, environment
from lxml import etree

from odoo import fields
from odoo.tools.safe_eval import safe_eval


def today(env):
    return fields.Date.context_today(env["res.partner"])


def proposal(env):
    run = env["collection.run"].create({})
    with Measure(env.cr) as measure:
        run.action_propose()
        env.cr.flush()
    return measure, {
        "rows": len(run.dunning_ids) + len(run.line_ids),
        "dunnings": len(run.dunning_ids),
        "invoices": len(run.line_ids.filtered(lambda line: line.state == "draft")),
        "skipped": run.skipped_count,
    }


def execution(env):
    """Executing the proposal (at once, or by the scheduled action's batches
    for a large run), then one call of the scheduled action that sends the
    queued letters and emails (a batch), in the same process."""
    run = env["collection.run"].create({})
    run.action_propose()
    env.cr.flush()
    batches = 0
    with Measure(env.cr) as measure:
        run.action_execute()
        # a large run is executed by the scheduled action, a batch per call
        # (each in its own transaction there: a clean cache here)
        while run.state == "executing":
            env["collection.run"]._cron_execute()
            env.cr.flush()
            env.invalidate_all()
            batches += 1
        env.cr.flush()
    dunnings = run.dunning_ids
    queued = len(dunnings.filtered(lambda d: d.state == "queued"))
    with Measure(env.cr) as letters:
        env["collection.dunning"]._cron_send_queued()
        env.cr.flush()
    left = env["collection.dunning"].search_count([("state", "=", "queued")])
    return measure, {
        "dunnings": len(dunnings),
        "batches": batches,
        "queued": queued,
        "activities": env["mail.activity"].search_count(
            [("res_model", "=", "collection.dunning"), ("res_id", "in", dunnings.ids)]
        ),
        "letters": {
            "what": "letters",
            "sent": queued - left,
            "left": left,
            "seconds": round(letters.seconds, 3),
            "queries": letters.queries,
            "peak_mb": round(letters.peak_mb),
        },
    }


def oca(env):
    if "credit.control.run" not in env:
        return None, {}
    run = env["credit.control.run"].create({"date": today(env)})
    with Measure(env.cr) as measure:
        run.generate_credit_lines()
        env.cr.flush()
    return measure, {"rows": len(run.line_ids)}


def floor(env, rows):
    """The least any proposal does: one query reading the overdue receivable
    lines with their days overdue, one bulk insert of as many rows as the
    proposal made, into the proposal's own table with its references."""
    run = env["collection.run"].create({})
    level = env.company.collection_policy_id.level_ids[:1]
    env.flush_all()
    with Measure(env.cr) as measure:
        env.cr.execute(
            """
            SELECT line.move_id, line.partner_id, line.currency_id,
                   line.amount_residual, %(today)s - line.date_maturity AS days
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
             WHERE account.account_type = 'asset_receivable'
               AND line.parent_state = 'posted' AND NOT line.reconciled
               AND line.date_maturity < %(today)s
            """,
            {"today": today(env)},
        )
        overdue = env.cr.fetchall()
        items = [overdue[index % len(overdue)] for index in range(rows)]
        env.cr.execute(
            """
            INSERT INTO collection_dunning_line (
                run_id, company_id, level_id, date, state, create_uid, write_uid,
                create_date, write_date, move_id, partner_id, currency_id,
                amount_open, days_overdue)
            SELECT %(run)s, %(company)s, %(level)s, %(today)s, 'draft', %(uid)s,
                   %(uid)s, now(), now(), item.*
              FROM unnest(%(moves)s::int[], %(partners)s::int[],
                          %(currencies)s::int[], %(amounts)s::numeric[],
                          %(days)s::int[]) item
            """,
            {
                "run": run.id,
                "company": env.company.id,
                "level": level.id,
                "today": today(env),
                "uid": env.uid,
                "moves": [item[0] for item in items],
                "partners": [item[1] for item in items],
                "currencies": [item[2] for item in items],
                "amounts": [item[3] for item in items],
                "days": [item[4] for item in items],
            },
        )
    return measure, {"overdue": len(overdue), "rows": rows}


def _list_spec(env, action_xmlid, model):
    """What the web client asks for a list: the fields of the action's list
    view, display names for relations."""
    action = env.ref(action_xmlid)
    view = action.view_ids.filtered(lambda v: v.view_mode == "list").view_id
    arch = etree.fromstring(
        env[model].get_views([(view.id, "list")])["views"]["list"]["arch"]
    )
    spec = {}
    for node in arch.iterchildren("field"):
        field = env[model]._fields[node.get("name")]
        spec[field.name] = (
            {"fields": {"display_name": {}}} if field.type == "many2one" else {}
        )
    return spec, safe_eval(action.domain or "[]", {"uid": env.uid})


def status(env, what):
    """Read the first page of Customers to Follow or Invoices to Follow as the
    web client does, at 20 and 80 records: the queries must not grow."""
    if what == "customers":
        action, model = "credit_collection.res_partner_action_collection", "res.partner"
    else:
        action, model = (
            "credit_collection.account_move_action_collection",
            "account.move",
        )
    spec, domain = _list_spec(env, action, model)
    env.invalidate_all()
    env[model].web_search_read(domain, spec, limit=20)
    with Measure(env.cr) as small:
        env.invalidate_all()
        env[model].web_search_read(domain, spec, limit=20)
    queries_20 = small.queries
    with Measure(env.cr) as measure:
        env.invalidate_all()
        result = env[model].web_search_read(domain, spec, limit=80)
    return measure, {"records": len(result["records"]), "queries_20": queries_20}


def aged_balance(env):
    """The aged balance at today, its three sheets (customer, collector,
    salesperson), written in constant memory."""
    wizard = env["collection.aged.balance"].create({})
    with Measure(env.cr) as measure:
        content = wizard._get_xlsx()
    customers = len(wizard._get_rows("customer"))
    return measure, {"customers": customers, "kb": len(content) // 1024}


def dashboard(env):
    """The dashboard of the company for the last three months, as its menu
    opens it: every figure, by collector, salesperson, bucket and level."""
    with Measure(env.cr) as measure:
        board = env["collection.dashboard"].create({})
    return measure, {
        "lines": len(board.line_ids),
        "dso": round(board.dso, 1),
        "countback": round(board.dso_countback, 1),
    }


def behaviour_cron(env):
    """The daily payment behaviour of every customer, with its alerts: one
    statement per company (docs/payment-behaviour.md)."""
    with Measure(env.cr) as measure:
        env["collection.customer.score"]._compute_all()
        env.cr.flush()
    scores = env["collection.customer.score"].search([])
    return measure, {
        "customers": len(scores),
        "graded": len(scores.filtered("grade")),
        "alerts": env["collection.score.alert"].search_count([]),
    }


def promise_cron(env):
    with Measure(env.cr) as measure:
        env["collection.promise"]._cron_evaluate()
        env.cr.flush()
    promises = env["collection.promise"].search([])
    return measure, {
        "promises": len(promises),
        "broken": len(promises.filtered(lambda p: p.state == "broken")),
    }


def digest_cron(env):
    with Measure(env.cr) as measure:
        env["collection.mandate"]._cron_send_digest()
        env.cr.flush()
    return measure, {}


def _insure_all(env):
    """A credit insurance policy covering every customer since long before
    their invoices, decided in one write: every open invoice is assigned."""
    policy = env["collection.insurance.policy"].create(
        {
            "name": "Bench policy",
            "insurer_id": env["res.partner"].create({"name": "Insurer"}).id,
            "policy_number": "BENCH-1",
        }
    )
    customers = env["account.move"].search([]).commercial_partner_id
    with Measure(env.cr) as measure:
        customers.write(
            {
                "insurance_policy_id": policy.id,
                "insurance_state": "granted",
                "insurance_limit": 50000,
                "insurance_decision_date": "2000-01-01",
            }
        )
        env.cr.flush()
    return policy, measure


def insurance_cron(env):
    """The daily scheduled action on a whole insured book: deadlines and
    states refreshed, alerts given, holds at the stop-delivery date, covers
    lost."""
    policy, assign = _insure_all(env)
    with Measure(env.cr) as measure:
        env["collection.insurance.alert"]._cron_insurance()
        env.cr.flush()
    Move = env["account.move"]
    return measure, {
        "assign_s": round(assign.seconds, 3),
        "assign_queries": assign.queries,
        "insured": Move.search_count([("insurance_policy_id", "=", policy.id)]),
        "alerts": env["collection.insurance.alert"].search_count([]),
        "lapsed": Move.search_count([("insurance_state", "=", "lapsed")]),
        "held": env["res.partner"].search_count([("collection_hold", "=", True)]),
    }


def insurance_list(env):
    """The first page of Insurance Deadlines as the web client reads it, at
    20 and 80 records: the queries must not grow."""
    _insure_all(env)
    spec, domain = _list_spec(
        env, "credit_collection.account_move_action_insurance_deadlines", "account.move"
    )
    Move = env["account.move"]
    env.invalidate_all()
    Move.web_search_read(domain, spec, limit=20)
    with Measure(env.cr) as small:
        env.invalidate_all()
        Move.web_search_read(domain, spec, limit=20)
    with Measure(env.cr) as measure:
        env.invalidate_all()
        result = Move.web_search_read(domain, spec, limit=80)
    return measure, {
        "records": len(result["records"]),
        "queries_20": small.queries,
        "total": Move.search_count(domain),
    }


def _make_cases(env):
    """One case per customer with an invoice overdue, with 10 agencies, placed
    as the module would leave them (made in SQL: the bench reads cases, it
    does not place them), a quarter of them closed."""
    day = today(env)
    env.cr.execute(
        """
        SELECT move.commercial_partner_id, array_agg(move.id)
          FROM account_move move
         WHERE move.move_type = 'out_invoice' AND move.state = 'posted'
           AND move.payment_state IN ('not_paid', 'partial')
           AND move.invoice_date_due < %s
         GROUP BY move.commercial_partner_id
        """,
        [day],
    )
    claims = env.cr.fetchall()
    agencies = env["res.partner"].create(
        [{"name": f"Agency {index}", "is_company": True} for index in range(10)]
    )
    handlers = env["collection.handler"].create(
        [{"partner_id": agency.id, "commission_rate": 10.0} for agency in agencies]
    )
    cases = env["collection.case"].create(
        [
            {
                "partner_id": partner_id,
                "handler_id": handlers[index % 10].id,
                "move_ids": [fields.Command.set(move_ids)],
            }
            for index, (partner_id, move_ids) in enumerate(claims)
        ]
    )
    env.flush_all()
    env.cr.execute(
        """
        UPDATE collection_case case_
           SET state = CASE WHEN case_.id %% 4 = 0 THEN 'closed' ELSE 'placed' END,
               outcome = CASE WHEN case_.id %% 4 = 0 THEN 'partly_paid' END,
               date_placed = %(day)s::date - (case_.id %% 180),
               date_closed = CASE WHEN case_.id %% 4 = 0 THEN %(day)s::date END,
               duration_days = CASE WHEN case_.id %% 4 = 0
                                    THEN case_.id %% 180 ELSE 0 END,
               amount_principal = open.amount,
               amount_claimed = open.amount,
               amount_remaining = open.amount
          FROM (
                SELECT rel.collection_case_id AS case_id,
                       SUM(move.amount_residual_signed) AS amount
                  FROM account_move_collection_case_rel rel
                  JOIN account_move move ON move.id = rel.account_move_id
                 GROUP BY rel.collection_case_id
               ) open
         WHERE open.case_id = case_.id AND case_.id = ANY(%(ids)s)
        """,
        {"day": day, "ids": cases.ids},
    )
    env.invalidate_all()
    return cases


def case_list(env):
    """The first page of Cases as the web client reads it, at 20 and 80
    records (the queries must not grow), and the follow-up by handler: what
    was placed and collected, the commission and the days to close, and
    the handler report's figures of every handler."""
    cases = _make_cases(env)
    spec, domain = _list_spec(
        env, "credit_collection.collection_case_action", "collection.case"
    )
    Case = env["collection.case"]
    env.invalidate_all()
    Case.web_search_read(domain, spec, limit=20)
    with Measure(env.cr) as small:
        env.invalidate_all()
        Case.web_search_read(domain, spec, limit=20)
    with Measure(env.cr) as measure:
        env.invalidate_all()
        result = Case.web_search_read(domain, spec, limit=80)
    env.invalidate_all()
    with Measure(env.cr) as pivot:
        handlers = Case.read_group(
            [],
            [
                "amount_claimed:sum",
                "amount_collected:sum",
                "amount_commission:sum",
                "duration_days:avg",
            ],
            ["handler_id", "date_placed:month"],
            lazy=False,
        )
    agencies = cases.handler_id
    env.invalidate_all()
    with Measure(env.cr) as report:
        env["report.credit_collection.report_collection_handler"]._get_figures(agencies)
    return measure, {
        "cases": len(cases),
        "records": len(result["records"]),
        "report_s": round(report.seconds, 3),
        "report_queries": report.queries,
        "queries_20": small.queries,
        "groups": len(handlers),
        "pivot_s": round(pivot.seconds, 3),
        "pivot_queries": pivot.queries,
    }


def analysis_pivot(env):
    """The receivables analysis as its pivot opens: the whole book by
    collector and bucket, then by customer."""
    Analysis = env["collection.analysis"]
    with Measure(env.cr) as measure:
        cells = Analysis.read_group(
            [], ["amount:sum"], ["collector_id", "bucket"], lazy=False
        )
        customers = Analysis.read_group([], ["amount:sum"], ["partner_id"])
    return measure, {"cells": len(cells), "customers": len(customers)}


def _commission_setup(env, record=False):
    """100 salespeople sharing the book's posted invoices (the book was made
    before commission existed: salesperson and rate written in SQL), their
    past entries removed; recorded anew when `record`."""
    users = env["res.users"].create(
        [
            {"name": f"Bench Seller {index}", "login": f"bench_seller_{index}"}
            for index in range(100)
        ]
    )
    env.cr.execute("DELETE FROM collection_commission_entry")
    env.cr.execute(
        """
        UPDATE account_move
           SET commission_user_id = (%s::int[])[1 + id %% 100], commission_rate = 5
         WHERE move_type = 'out_invoice' AND state = 'posted'
        """,
        [users.ids],
    )
    env.invalidate_all()
    partials = env["account.partial.reconcile"].search([])
    if record:
        env["collection.commission.entry"]._record(partials)
        env.flush_all()
    return users, partials


def commission_record(env):
    """The commission of every payment of the book, recorded at once."""
    _users, partials = _commission_setup(env)
    with Measure(env.cr) as measure:
        entries = env["collection.commission.entry"]._record(partials)
        env.flush_all()
    return measure, {"partials": len(partials), "entries": len(entries)}


def commission_settle(env):
    """A month's settlement (the busiest) for the 100 salespeople."""
    users, _partials = _commission_setup(env, record=True)
    # the month with the most payments
    env.cr.execute(
        "SELECT date_trunc('month', payment_date)::date"
        "  FROM collection_commission_entry"
        " GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1"
    )
    month = env.cr.fetchone()[0]
    Settlement = env["collection.commission.settlement"]
    with Measure(env.cr) as measure:
        settlements = Settlement._settle(
            env.company, month, month + relativedelta(months=1, days=-1), users
        )
        env.flush_all()
    return measure, {
        "settlements": len(settlements),
        "lines": len(settlements.line_ids),
    }


def main(config, database, what, *args):
    with environment(config, database) as env:
        env = env(context=dict(env.context, tracking_disable=False))
        # the level each invoice's age reaches, as OCA's "net days" levels do
        # (a first run then proposes every level; levels one after the other
        # would propose only first reminders)
        env.company.collection_policy_id.level_order = "by_age"
        if what == "floor":
            measure, info = floor(env, int(args[0]))
        elif what in ("customers", "invoices"):
            measure, info = status(env, what)
        else:
            measure, info = {
                "proposal": proposal,
                "execution": execution,
                "oca": oca,
                "aged_balance": aged_balance,
                "promise_cron": promise_cron,
                "behaviour_cron": behaviour_cron,
                "digest_cron": digest_cron,
                "insurance_cron": insurance_cron,
                "insurance_list": insurance_list,
                "analysis_pivot": analysis_pivot,
                "case_list": case_list,
                "dashboard": dashboard,
                "commission_record": commission_record,
                "commission_settle": commission_settle,
            }[what](env)
        env.cr.rollback()
    result = {"what": what, **info}
    if measure:
        result.update(
            seconds=round(measure.seconds, 3),
            queries=measure.queries,
            peak_mb=round(measure.peak_mb),
        )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
