"""What the scheduled actions and the commission cost on the benchmark book:
one function a measurement, run by measure.py."""

from dateutil.relativedelta import relativedelta
from lib import Measure


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


def insure_all(env):
    """A credit insurance policy covering every customer since long before
    their invoices, decided in one write: every open invoice is assigned."""
    policy = env["collection.insurance.policy"].create(
        {
            "name": "Bench policy",
            "insurer_id": env["res.partner"].create({"name": "Insurer"}).id,
            "policy_number": "BENCH-1",
        }
    )
    # read without loading every invoice's columns, which alone weighs more
    # than the measure
    env.cr.execute(
        "SELECT DISTINCT commercial_partner_id FROM account_move"
        " WHERE commercial_partner_id IS NOT NULL"
    )
    customers = env["res.partner"].browse([row[0] for row in env.cr.fetchall()])
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
    policy, assign = insure_all(env)
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


def commission_setup(env, record=False):
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
    _users, partials = commission_setup(env)
    with Measure(env.cr) as measure:
        entries = env["collection.commission.entry"]._record(partials)
        env.flush_all()
    return measure, {"partials": len(partials), "entries": len(entries)}


def commission_settle(env):
    """A month's settlement (the busiest) for the 100 salespeople."""
    users, _partials = commission_setup(env, record=True)
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
