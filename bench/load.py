"""The web client under load: simulated users reading their screens on the
book while the scheduled action executes a large run.

    python3 bench/load.py CONFIG DATABASE [USERS] [SCREENS] [THINK] [run|idle]

DATABASE is a copy made for this measure alone. The script creates USERS
users (default 100: two fifths collectors, one fifth managers, two fifths
salespeople, with leads in the pipeline), proposes a run for the whole book
and hands it to the scheduled action, then starts Odoo on the loopback with
4 HTTP workers and 2 cron workers (the other scheduled actions, nightly,
put off to the next day). Each user logs in, then opens SCREENS
screens (default 6) as the web client reads them (the menu's default
filters and order), waiting THINK seconds on
average between two (default 15, drawn between a third and five thirds of
it): collectors their Customers and Invoices to Follow, salespeople their
pipeline and their customers' receivables, managers the dashboard and the
customers. Prints one JSON line: the requests, the errors, the 50th and 95th
percentiles and the slowest, by screen too, the 95th percentile of the
requests begun while the run was executing and after, what the database's
busy connections waited on meanwhile, and the run's checks once the workers
finished it (nothing left, no invoice dunned twice at a level).
`idle` measures the same users without a run executing.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests
from lib import environment
from lxml import etree
from measure_screens import list_spec
from workers import check

from odoo import Command
from odoo.tools.safe_eval import safe_eval

PORT = 8079
HTTP_WORKERS = 4
# BENCH_CRON_WORKERS=1: the same load with one cron worker executing the run
CRON_WORKERS = int(os.environ.get("BENCH_CRON_WORKERS", "2"))
# the users log in before the clock starts, as many at once as there are HTTP
# workers: a hundred connections at once overflow the listen queue Odoo gives
# its workers (8 a worker), which resets the connections beyond it (a
# deployment puts a proxy in front, which queues them)
LOGINS = threading.BoundedSemaphore(HTTP_WORKERS)
# loopback users of a throw-away copy
PASSWORD = "load"


def prepare(config, database, users, executing=True):
    """The users, their leads and a run handed to the scheduled action; what
    each screen asks, computed once."""
    with environment(config, database) as env:
        groups = {
            "collector": [
                env.ref("credit_collection.group_collection_user").id,
                env.ref("account.group_account_invoice").id,
            ],
            "manager": [
                env.ref("credit_collection.group_collection_manager").id,
                env.ref("account.group_account_invoice").id,
            ],
            "salesperson": [env.ref("sales_team.group_sale_salesman").id],
        }
        roles = ["collector", "collector", "manager", "salesperson", "salesperson"]
        people = []
        for i in range(users):
            role = roles[i % len(roles)]
            people.append(
                {
                    "name": f"Load {role} {i}",
                    "login": f"load_{role}_{i}",
                    "groups_id": [Command.set(groups[role])],
                }
            )
        created = env["res.users"].with_context(no_reset_password=True).create(people)
        # one hash for every user: hashing a hundred passwords is not measured
        password = env["res.users"]._crypt_context().hash(PASSWORD)
        env.cr.execute(
            "UPDATE res_users SET password = %s WHERE id = ANY(%s)",
            [password, created.ids],
        )
        salespeople = created.filtered(lambda u: "salesperson" in u.login)
        env.cr.execute(
            "SELECT DISTINCT commercial_partner_id FROM account_move"
            " WHERE move_type = 'out_invoice' LIMIT 2000"
        )
        customers = env["res.partner"].browse(row[0] for row in env.cr.fetchall())
        env["crm.lead"].create(
            [
                {
                    "name": f"Renewal {customer.name}",
                    "type": "opportunity",
                    "partner_id": customer.id,
                    "user_id": salespeople[i % len(salespeople)].id,
                    "expected_revenue": 1000 + i,
                }
                for i, customer in enumerate(customers)
            ]
        )
        # the scenario is a run executed in the day: the nightly actions
        # (scores, insurance, promises, the automatic run) wait for tonight
        running = [
            env.ref(f"credit_collection.{xmlid}").id
            for xmlid in (
                "ir_cron_collection_execute",
                "ir_cron_collection_execute_2",
                "ir_cron_collection_send_dunnings",
                "ir_cron_collection_customer_status",
            )
        ]
        env.cr.execute(
            "UPDATE ir_cron SET nextcall = now() + interval '1 day'"
            " WHERE active AND id != ALL(%s)",
            [running],
        )
        # the customers' status as the ten-minute action keeps it in use: the
        # generated book was written in SQL, every status left to compute
        env["res.partner"]._refresh_collection_status()
        env.company.collection_policy_id.level_order = "by_age"
        run = env["collection.run"].create({})
        if executing:
            run.action_propose()
            run._action_execute()
        env.cr.commit()
        screens = {
            "customers": as_opened(
                env, "credit_collection.res_partner_action_collection", "res.partner"
            ),
            "invoices": as_opened(
                env, "credit_collection.account_move_action_collection", "account.move"
            ),
            "receivables": as_opened(
                env,
                "credit_collection.res_partner_action_salesperson_receivables",
                "res.partner",
            ),
        }
        dashboard = env.ref("credit_collection.collection_dashboard_action").id
        return (
            [(user.login, role_of(user.login)) for user in created],
            screens,
            dashboard,
            run.id,
            len(run.dunning_ids),
        )


def as_opened(env, action_xmlid, model):
    """What the web client asks when the menu opens `action_xmlid`: the list
    view's fields, the action's domain with its default filters (their
    domains kept as written, for each user's uid), the list's default order;
    and the model."""
    spec, domain = list_spec(env, action_xmlid, model)
    action = env.ref(action_xmlid)
    defaults = {
        key.removeprefix("search_default_")
        for key, value in safe_eval(action.context or "{}").items()
        if key.startswith("search_default_") and value
    }
    search = env[model].get_views([(action.search_view_id.id, "search")])
    filters = [
        node.get("domain")
        for node in etree.fromstring(search["views"]["search"]["arch"]).iter("filter")
        if node.get("name") in defaults and node.get("domain")
    ]
    view = action.view_ids.filtered(lambda v: v.view_mode == "list").view_id
    arch = env[model].get_views([(view.id, "list")])["views"]["list"]["arch"]
    order = etree.fromstring(arch).get("default_order") or ""
    return spec, domain, filters, order, model


def role_of(login):
    return login.split("_")[1]


class User(threading.Thread):
    """One person at the web client: logs in, then reads screens with a
    pause between them."""

    def __init__(self, database, login, role, screens, dashboard, count, think, start):
        super().__init__(daemon=True)
        self.database, self.login, self.role = database, login, role
        self.screens, self.dashboard = screens, dashboard
        self.count, self.think, self.start_event = count, think, start
        self.random = random.Random(login)
        self.session = requests.Session()
        self.timings, self.errors = [], []
        self.uid = None

    def call(self, path, params):
        response = self.session.post(
            f"http://127.0.0.1:{PORT}{path}",
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=120,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        return body["result"]

    def call_kw(self, model, method, args, kwargs=None):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def log_in(self):
        self.uid = self.call(
            "/web/session/authenticate",
            {"db": self.database, "login": self.login, "password": PASSWORD},
        )["uid"]

    def read_list(self, name):
        spec, domain, filters, order, model = self.screens[name]
        for source in filters:
            domain = domain + safe_eval(source, {"uid": self.uid})
        self.call_kw(
            model,
            "web_search_read",
            [],
            {
                "domain": domain,
                "specification": spec,
                "limit": 80,
                "order": order,
                "count_limit": 10001,
            },
        )

    def read_pipeline(self):
        groups = self.call_kw(
            "crm.lead",
            "web_read_group",
            [],
            {
                "domain": [("type", "=", "opportunity"), ("user_id", "=", self.uid)],
                "fields": ["stage_id", "expected_revenue:sum"],
                "groupby": ["stage_id"],
                "lazy": True,
            },
        )
        spec = {
            "name": {},
            "partner_id": {"fields": {"display_name": {}}},
            "expected_revenue": {},
            "collection_alert": {},
            "collection_hold": {},
            "collection_over_limit": {},
            "collection_overdue_amount": {},
            "collection_currency_id": {"fields": {}},
        }
        for group in groups["groups"][:4]:
            self.call_kw(
                "crm.lead",
                "web_search_read",
                [],
                {"domain": group["__domain"], "specification": spec, "limit": 40},
            )

    def read_dashboard(self):
        action = self.call("/web/action/run", {"action_id": self.dashboard})
        self.call_kw(
            "collection.dashboard",
            "web_read",
            [[action["res_id"]]],
            {"specification": {"display_name": {}, "dso": {}, "dso_countback": {}}},
        )

    def screen(self, i):
        if self.role == "collector":
            return ("customers", "invoices")[i % 2]
        if self.role == "salesperson":
            return ("pipeline", "receivables")[i % 2]
        return ("dashboard", "customers")[min(i, 1)]

    def run(self):
        try:
            with LOGINS:
                self.log_in()
        except Exception as error:  # noqa: BLE001 - counted as an error
            self.errors.append(("login", repr(error)))
            return
        self.start_event.wait()
        for i in range(self.count):
            time.sleep(self.random.uniform(self.think / 3, self.think * 5 / 3))
            name = self.screen(i)
            start = time.perf_counter()
            try:
                if name == "pipeline":
                    self.read_pipeline()
                elif name == "dashboard":
                    self.read_dashboard()
                else:
                    self.read_list(name)
            except Exception as error:  # noqa: BLE001 - counted as an error
                self.errors.append((name, repr(error)))
            else:
                self.timings.append((name, time.perf_counter() - start, start))


def watch_run(config, database, run_id, people, waits):
    """When the run was executed (`time.perf_counter()`), or None when the
    users finished first: its state read every half second. Meanwhile, what
    the database's busy connections wait on is counted in `waits` (a lock,
    the processor: "running")."""
    with environment(config, database) as env:
        while any(person.is_alive() for person in people):
            env.cr.execute(
                """
                SELECT COALESCE(wait_event_type || ':' || wait_event, 'running')
                  FROM pg_stat_activity
                 WHERE datname = current_database() AND state = 'active'
                   AND pid != pg_backend_pid()
                """
            )
            for (event,) in env.cr.fetchall():
                waits[event] = waits.get(event, 0) + 1
            env.cr.execute("SELECT state FROM collection_run WHERE id = %s", [run_id])
            if env.cr.fetchone()[0] != "executing":
                return time.perf_counter()
            env.cr.rollback()
            time.sleep(0.5)
    return None


def percentile(values, fraction):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(fraction * len(values)))], 3)


def serve(config, database, log, workers=HTTP_WORKERS, cron_workers=CRON_WORKERS):
    """Odoo on the loopback, its log in `log` (an open file)."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            config,
            "-d",
            database,
            f"--db-filter=^{database}$",
            "--http-interface=127.0.0.1",
            f"--http-port={PORT}",
            f"--workers={workers}",
            f"--max-cron-threads={cron_workers}",
            "--limit-time-real=600",
            "--limit-memory-soft=4294967296",
            "--limit-memory-hard=6442450944",
            "--log-level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd="/",
    )
    for __ in range(120):
        if server.poll() is not None:
            # another server on the port would answer for this one
            break
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/web/login", timeout=5).ok:
                return server
        except requests.RequestException:
            pass
        time.sleep(1)
    stop(server)
    log.seek(0)
    raise RuntimeError(f"Odoo did not start on the loopback:\n{log.read()[-2000:]}")


def stop(server):
    """Stop Odoo started by `serve`, killed if it does not stop in a minute."""
    server.terminate()
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main(config, database, users="100", screens="6", think="15", run="run"):
    executing = run == "run"
    logins, specs, dashboard, run_id, dunnings = prepare(
        config, database, int(users), executing
    )
    log = tempfile.NamedTemporaryFile("w+", prefix="load-", suffix=".log")  # noqa: SIM115
    server = serve(config, database, log)
    try:
        start = threading.Event()
        people = [
            User(
                database,
                login,
                role,
                specs,
                dashboard,
                int(screens),
                float(think),
                start,
            )
            for login, role in logins
        ]
        for person in people:
            person.start()
        # everybody logged in before the clock starts
        while any(p.is_alive() and not p.uid for p in people):
            time.sleep(0.5)
        began = time.perf_counter()
        start.set()
        waits = {}
        executed_at = (
            watch_run(config, database, run_id, people, waits) if executing else None
        )
        for person in people:
            person.join()
        seconds = time.perf_counter() - began
        with environment(config, database) as env:
            env.cr.execute(
                "SELECT COUNT(*) FROM collection_dunning"
                " WHERE run_id = %s AND state != 'draft'",
                [run_id],
            )
            executed_meanwhile = env.cr.fetchone()[0]
        # the workers finish the run, then the checks
        deadline = time.monotonic() + 900
        checks = check(config, database, run_id)
        while executing and time.monotonic() < deadline:
            checks = check(config, database, run_id)
            if checks["state"] != "executing":
                break
            time.sleep(5)
    finally:
        stop(server)
    timings = [seconds for p in people for __, seconds, __ in p.timings]
    # the requests begun while the run was executing, and after (none: idle)
    during, after = [], []
    for p in people:
        for __, took, at in p.timings:
            if executing:
                (during if executed_at is None or at < executed_at else after).append(
                    took
                )
    errors = [error for p in people for error in p.errors]
    if errors:
        # what the server said, for the errors' cause
        log.seek(0)
        said = [line for line in log if " WARNING " in line or " ERROR " in line]
        sys.stderr.writelines(said[-30:])
    by_screen = {}
    for p in people:
        for name, value, __ in p.timings:
            by_screen.setdefault(name, []).append(value)
    result = {
        "what": "load",
        "users": len(people),
        "requests": len(timings) + len(errors),
        "errors": len(errors),
        "first_errors": errors[:3],
        "seconds": round(seconds, 1),
        "p50": percentile(timings, 0.5) if timings else None,
        "p95": percentile(timings, 0.95) if timings else None,
        "max": round(max(timings), 3) if timings else None,
        "executed_after_s": round(executed_at - began, 1) if executed_at else None,
        "p95_executing": percentile(during, 0.95) if during else None,
        "p95_after": percentile(after, 0.95) if after else None,
        "database_waits": dict(sorted(waits.items(), key=lambda item: -item[1])[:8]),
        "screens": {
            name: {
                "count": len(values),
                "p50": percentile(values, 0.5),
                "p95": percentile(values, 0.95),
                "mean": round(statistics.mean(values), 3),
            }
            for name, values in sorted(by_screen.items())
        },
        "dunnings": dunnings,
        "executed_during_load": executed_meanwhile,
        **checks,
    }
    print(json.dumps(result), flush=True)
    ok = (
        not errors
        and result["p95"] is not None
        and result["p95"] < 1.0
        and checks["state"] == ("done" if executing else "draft")
        and not checks["left"]
        and not checks["dunned_twice"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    arguments = [os.path.abspath(sys.argv[1]), *sys.argv[2:]]
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(*arguments))
