"""What the screens cost on the benchmark book: lists, dashboards, reports
and the pivot, read as the web client reads them; run by measure.py."""

from lib import Measure, today
from lxml import etree
from measure_crons import insure_all

from odoo import fields
from odoo.tools.safe_eval import safe_eval


def list_spec(env, action_xmlid, model):
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
    spec, domain = list_spec(env, action, model)
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


def insurance_list(env):
    """The first page of Insurance Deadlines as the web client reads it, at
    20 and 80 records: the queries must not grow."""
    insure_all(env)
    spec, domain = list_spec(
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


def make_cases(env):
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
    cases = make_cases(env)
    spec, domain = list_spec(
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
