"""Several scheduled-action workers executing one large run, as
`--max-cron-threads=2` runs them, and one of them killed mid-batch.

    python3 bench/workers.py CONFIG DATABASE MODE [BATCH]

MODE is `one` (one worker), `two` (two at once) or `kill` (two, the first
killed with SIGKILL during its second batch, the other going on). DATABASE is
a copy made for this measure alone: the run is proposed and committed, each
worker commits its batches as the scheduled action does. Prints one JSON line:
the wall time from the first worker's start to the last one's end, and the
checks: nothing left to execute, no invoice dunned twice at a level, every
dunning named once.
"""

import json
import os
import signal
import subprocess
import sys
import time

from lib import environment

HERE = os.path.dirname(os.path.abspath(__file__))


def worker(config, database, batch):
    """One scheduled-action worker: a batch per transaction until the run is
    executed, each batch committed (ir.cron commits after each call)."""
    with environment(config, database) as env:
        Run = env["collection.run"]
        while True:
            left = Run._cron_execute(batch_size=batch)
            env.cr.commit()
            env.invalidate_all()
            print(f"batch done, {left} left", flush=True)
            if not left:
                return


def prepare(config, database, batch):
    """A run proposed for the whole book, handed to the scheduled action."""
    with environment(config, database) as env:
        env.company.collection_policy_id.level_order = "by_age"
        run = env["collection.run"].create({})
        run.action_propose()
        run._action_execute(batch_size=batch)
        env.cr.commit()
        return run.id, len(run.dunning_ids)


def check(config, database, run_id):
    with environment(config, database) as env:
        cr = env.cr
        cr.execute(
            """
            SELECT COUNT(*) FROM collection_dunning
             WHERE run_id = %s AND state = 'draft'
            """,
            [run_id],
        )
        left = cr.fetchone()[0]
        cr.execute(
            """
            SELECT COUNT(*) FROM (
                SELECT line.move_id, line.level_id
                  FROM collection_dunning_line line
                 WHERE line.state = 'done'
                 GROUP BY line.move_id, line.level_id
                HAVING COUNT(*) > 1
            ) twice
            """
        )
        twice = cr.fetchone()[0]
        cr.execute(
            """
            SELECT COUNT(*), COUNT(DISTINCT name), COUNT(*) FILTER (WHERE name = '/')
              FROM collection_dunning WHERE run_id = %s AND state != 'draft'
            """,
            [run_id],
        )
        executed, names, unnamed = cr.fetchone()
        state = env["collection.run"].browse(run_id).state
        return {
            "state": state,
            "left": left,
            "dunned_twice": twice,
            "executed": executed,
            "names_unique": executed == names and not unnamed,
        }


def main(config, database, mode, batch="100"):
    batch = int(batch)
    run_id, dunnings = prepare(config, database, batch)
    command = [sys.executable, __file__, config, database, "worker", str(batch)]
    start = time.monotonic()
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True)]
    if mode in ("two", "kill"):
        workers.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    killed = False
    if mode == "kill":
        # the first worker is killed during its second batch
        first = workers[0]
        first.stdout.readline()
        time.sleep(0.5)
        first.send_signal(signal.SIGKILL)
        killed = True
    for process in workers:
        process.wait()
    seconds = time.monotonic() - start
    result = {
        "what": f"workers_{mode}",
        "dunnings": dunnings,
        "batch": batch,
        "workers": len(workers),
        "killed": killed,
        "seconds": round(seconds, 3),
        **check(config, database, run_id),
    }
    print(json.dumps(result), flush=True)
    ok = (
        result["state"] == "done"
        and not result["left"]
        and not result["dunned_twice"]
        and result["names_unique"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[3] == "worker":
        worker(sys.argv[1], sys.argv[2], int(sys.argv[4]))
    else:
        sys.exit(main(*sys.argv[1:]))
