"""Run every measurement on one size and print the table and a summary line.

    python3 bench/bench.py CONFIG DATABASE SIZE

Each measurement is a process of its own (bench/measure.py).
"""

import configparser
import json
import os
import platform
import shutil
import subprocess
import sys
import time

from generate import SIZES
from lib import log

HERE = os.path.dirname(os.path.abspath(__file__))
PG = os.path.join(HERE, "..", "tools", "pg.py")
# the targets of "A million open items": the proposal at least this many
# times faster than OCA's run, and within this many times the floor; a
# dunning executed in at most this many milliseconds; the peak memory of a
# measurement under this many MB (a million open items: under a gigabyte)
TARGET_OCA = 20
TARGET_FLOOR = 2
TARGET_EXECUTION_MS = 5
TARGET_MB = 300
TARGET_MB_MILLION = 1000
# the daily payment behaviour of the whole book, at 100,000 documents
TARGET_BEHAVIOUR_S = 30


def measure(config, database, what, *args):
    log(f"measuring {what}")
    process = subprocess.run(
        [
            sys.executable,
            os.path.join(HERE, "measure.py"),
            config,
            database,
            what,
            *args,
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if process.returncode:
        log(f"{what} failed:\n{process.stderr[-3000:]}")
        return {"what": what, "error": True}
    return json.loads(process.stdout.strip().splitlines()[-1])


def prewarm(database):
    """Read the fresh copy's tables and indexes into the file cache before
    the clock starts, ours and OCA's alike: a database in use has its
    working set in memory, a copy just made may not. Whether it stays there
    is the machine's: on 2 December 2026 (evening), a million documents' copy
    was read and the cache was empty again minutes later (bench/README.md).
    Where the server does not allow `pg_prewarm`, the copy is measured as
    it is."""
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, PG, "prewarm", database],
        check=False,
        capture_output=True,
        text=True,
    )
    if process.returncode:
        log(f"{database} not read first: {process.stderr.strip()}")
        return
    log(
        f"{database} read into the file cache: {int(process.stdout) * 8 // 1024} MB"
        f" in {time.perf_counter() - start:.1f} s"
    )


def measure_on_copy(config, database, what):
    """`what` measured on a copy of `database` of its own, with its filestore,
    dropped after: the measurement commits part of its work, as the users'
    transactions do."""
    copy = f"{database}_{what}"
    parser = configparser.ConfigParser()
    parser.read(config)
    filestore = os.path.join(parser.get("options", "data_dir"), "filestore")
    subprocess.run([sys.executable, PG, "drop", copy], check=True)
    shutil.rmtree(os.path.join(filestore, copy), ignore_errors=True)
    subprocess.run([sys.executable, PG, "copy", database, copy], check=True)
    if os.path.isdir(os.path.join(filestore, database)):
        shutil.copytree(
            os.path.join(filestore, database), os.path.join(filestore, copy)
        )
    try:
        prewarm(copy)
        return measure(config, copy, what)
    finally:
        subprocess.run([sys.executable, PG, "drop", copy], check=False)
        shutil.rmtree(os.path.join(filestore, copy), ignore_errors=True)


def machine():
    with open("/proc/cpuinfo") as cpuinfo:
        model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line),
            platform.processor(),
        )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{os.cpu_count()} cores {model}, {memory:.0f} GB RAM, Python {python}"


# (what, label, note from its result)
ROWS = [
    (
        "proposal",
        "Dunning proposal (ours)",
        "{dunnings} dunnings, {invoices} invoices, {skipped} skipped",
    ),
    ("oca", "OCA generate_credit_lines", "{rows} credit control lines"),
    (
        "floor",
        "Floor: overdue scan + bulk insert",
        "{overdue} overdue items, {rows} rows",
    ),
    (
        "execution",
        "Execution, mail queued (ours)",
        (
            "{batches} batches of the scheduled action, {queued} letters/emails queued,"
            " {activities} activities"
        ),
    ),
    (
        "letters",
        "Sending queued letters, one cron call",
        "{sent} sent, {left} left for the next calls",
    ),
    ("customers", "Status of 80 customers", "{queries_20} queries for 20"),
    ("invoices", "Status of 80 invoices", "{queries_20} queries for 20"),
    (
        "aged_balance",
        "Aged balance XLSX, three sheets",
        "{customers} customers, {kb} KB",
    ),
    ("promise_cron", "Promise evaluation cron", "{promises} promises, {broken} broken"),
    (
        "behaviour_cron",
        "Payment behaviour and early warning cron",
        "{customers} customers, {graded} graded, {alerts} alerts",
    ),
    ("digest_cron", "Mandate digest cron", ""),
    (
        "insurance_cron",
        "Insurance deadlines cron",
        (
            "{insured} insured (assigned in {assign_s} s, {assign_queries} queries),"
            " {alerts} alerts, {lapsed} lapsed, {held} held"
        ),
    ),
    ("insurance_list", "Insurance deadlines, 80 rows", "{queries_20} queries for 20"),
    (
        "analysis_pivot",
        "Receivables analysis pivot",
        "{cells} collector x bucket cells, {customers} customers",
    ),
    (
        "dashboard",
        "Dashboard, a company and a quarter",
        "{lines} lines, DSO {dso}, countback {countback}",
    ),
    (
        "case_list",
        "Cases, 80 rows, and the follow-up by handler and month",
        (
            "{cases} cases, {queries_20} queries for 20; by handler and month:"
            " {groups} groups in {pivot_s} s, {pivot_queries} queries;"
            " handler report figures in {report_s} s, {report_queries} queries"
        ),
    ),
    (
        "commission_record",
        "Commission of every payment",
        "{entries} entries from {partials} reconciliations",
    ),
    (
        "commission_settle",
        "A month's commission, 100 salespeople",
        "{settlements} settlements, {lines} lines",
    ),
]


def main(config, database, size):
    # bench/run --only STEP,...: the other measurements are left out
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    prewarm(database)
    results = {}
    for what, _label, _note in ROWS:
        if (
            only
            and what not in only
            and not (what == "letters" and "execution" in only)
        ):
            results[what] = {"left_out": True}
            continue
        if what == "letters":  # measured with the execution
            results[what] = results["execution"].pop("letters", {"error": True})
            continue
        args = (
            [str(results.get("proposal", {}).get("rows", 0))] if what == "floor" else []
        )
        if what == "execution":
            results[what] = measure_on_copy(config, database, what)
        else:
            results[what] = measure(config, database, what, *args)

    customers, documents = SIZES[size]
    print()
    print(f"## {size}: {customers} customers, {documents} customer documents")
    print(f"Machine: {machine()}")
    print()
    print("| measurement | seconds | queries | peak MB | notes |")
    print("|---|---:|---:|---:|---|")
    for what, label, note in ROWS:
        result = results[what]
        if result.get("left_out"):
            print(f"| {label} | - | - | - | left out (--only) |")
        elif result.get("error"):
            print(f"| {label} | - | - | - | failed: see above |")
        elif result.get("seconds") is None:
            print(f"| {label} | - | - | - | not installed |")
        else:
            print(
                f"| {label} | {result['seconds']:.3f} | {result['queries']} |"
                f" {result['peak_mb']} | {note.format(**result)} |"
            )

    proposal, oca, floor = results["proposal"], results["oca"], results["floor"]
    ratio_oca = ratio_floor = None
    if proposal.get("seconds") and oca.get("seconds"):
        ratio_oca = oca["seconds"] / proposal["seconds"]
    if proposal.get("seconds") and floor.get("seconds"):
        ratio_floor = proposal["seconds"] / floor["seconds"]
    print()
    print(
        f"ours / OCA = 1 / {ratio_oca:.1f} (target: 1 / {TARGET_OCA} or better)"
        if ratio_oca
        else "ours / OCA: not measured",
        "; ",
        f"ours / floor = {ratio_floor:.1f} (target: {TARGET_FLOOR} or less)"
        if ratio_floor
        else "ours / floor: not measured",
        sep="",
    )
    execution = results["execution"]
    execution_ms = None
    if execution.get("seconds") and execution.get("dunnings"):
        execution_ms = 1000 * execution["seconds"] / execution["dunnings"]
        print(
            f"execution: {execution_ms:.1f} ms a dunning"
            f" (target: {TARGET_EXECUTION_MS} or less)"
        )
    peak = max(
        result.get("peak_mb", 0) for what, result in results.items() if what != "oca"
    )
    checks = {
        "measured": not any(result.get("error") for result in results.values()),
        "oca": ratio_oca is None or ratio_oca >= TARGET_OCA,
        "floor": ratio_floor <= TARGET_FLOOR if ratio_floor else bool(only),
        "execution": execution_ms is None or execution_ms <= TARGET_EXECUTION_MS,
        "memory": peak < (TARGET_MB_MILLION if size == "1m" else TARGET_MB),
        "behaviour": results["behaviour_cron"].get("seconds", 0) < TARGET_BEHAVIOUR_S,
        "lists": all(
            results[what].get("queries") == results[what].get("queries_20")
            for what in ("customers", "invoices", "insurance_list", "case_list")
        ),
    }
    summary = {
        "size": size,
        "customers": customers,
        "documents": documents,
        **{f"{what}_s": results[what].get("seconds") for what in results},
        **{f"{what}_queries": results[what].get("queries") for what in results},
        "peak_mb": peak,
        "oca_peak_mb": results["oca"].get("peak_mb"),
        "ours_vs_oca": round(1 / ratio_oca, 4) if ratio_oca else None,
        "ours_vs_floor": round(ratio_floor, 1) if ratio_floor else None,
        "execution_ms": round(execution_ms, 2) if execution_ms else None,
        "targets_met": all(checks.values()),
        "missed": [name for name, met in checks.items() if not met],
    }
    print("BENCH_SUMMARY " + json.dumps(summary))
    return 0 if summary["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
