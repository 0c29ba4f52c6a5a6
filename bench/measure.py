"""One measurement on a benchmark database, printed as one JSON line.

    python3 bench/measure.py CONFIG DATABASE WHAT [ROWS]

Each measured block ends with what a commit would do (flush and the precommit
hooks, where Odoo writes the chatter's tracking), then everything is rolled
back at the end: the database stays as generated. Each
measurement runs in a process of its own so that its peak memory is its own.
"""

import json
import sys
import tempfile

import load
from lib import Measure, environment, today
from measure_crons import (
    behaviour_cron,
    commission_record,
    commission_settle,
    digest_cron,
    insurance_cron,
    promise_cron,
)
from measure_screens import (
    aged_balance,
    analysis_pivot,
    case_list,
    dashboard,
    insurance_list,
    status,
)

from odoo.tools import config


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
    queued letters and emails (a batch), in the same process.

    The proposal is committed first, as a user's is before anyone executes
    it (on a copy of the database of its own, dropped after): PostgreSQL
    checks again the foreign keys of every row the updating transaction
    inserted itself, which no execution does in use."""
    run = env["collection.run"].create({})
    run.action_propose()
    env.cr.commit()
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
    # wkhtmltopdf reads the letter's stylesheets from Odoo's web server, as
    # it does in use: without one, it renders them unstyled, and faster
    with tempfile.TemporaryFile("w+") as log:
        server = load.serve(
            config.rcfile, env.cr.dbname, log, workers=0, cron_workers=0
        )
        try:
            env["ir.config_parameter"].set_param(
                "report.url", f"http://127.0.0.1:{load.PORT}"
            )
            if queued:
                # the server builds the stylesheets at their first request, once
                # for every letter after: built before the clock starts
                report = env.ref("credit_collection.action_report_collection_dunning")
                report._render_qweb_pdf(report.report_name, dunnings[:1].ids)
            with Measure(env.cr) as letters:
                env["collection.dunning"]._cron_send_queued()
                env.cr.flush()
        finally:
            load.stop(server)
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
