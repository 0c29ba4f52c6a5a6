"""What the benchmark scripts share: an Odoo environment on a database and
the measure of a block of code."""

import contextlib
import threading
import time

import odoo
from odoo import SUPERUSER_ID, api, fields


@contextlib.contextmanager
def environment(config, database):
    """A superuser environment on `database`; the caller commits or not.
    Odoo's configuration is read once a process."""
    if not odoo.tools.config.get("db_name"):
        odoo.tools.config.parse_config(
            ["-c", config, "-d", database, "--no-http", "--log-level=warn"]
        )
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})


def today(env):
    """The day the measured code takes for today."""
    return fields.Date.context_today(env["res.partner"])


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Measure:
    """Wall time, queries of the cursor and peak resident memory of the
    process (sampled every 5 ms) while the block runs."""

    def __init__(self, cr):
        self.cr = cr
        self.seconds = self.queries = self.peak_mb = 0.0

    def __enter__(self):
        self._stop = threading.Event()
        self.peak_mb = rss_mb()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        self._queries = self.cr.sql_log_count
        self._start = time.perf_counter()
        return self

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak_mb = max(self.peak_mb, rss_mb())

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        self.queries = self.cr.sql_log_count - self._queries
        self._stop.set()
        self._sampler.join()
        self.peak_mb = max(self.peak_mb, rss_mb())
        return False


def log(message):
    print(f"[bench] {message}", flush=True)
