"""Small PostgreSQL helper for tools/run and tools/test.

    python3 tools/pg.py exists NAME     exit 0 when database NAME exists
    python3 tools/pg.py drop NAME       drop database NAME if it exists
    python3 tools/pg.py copy SRC DST    create DST from template SRC
    python3 tools/pg.py vacuum NAME     vacuum and analyze database NAME
    python3 tools/pg.py prewarm NAME    read database NAME's tables and indexes
                                        into the file cache (bench/: a fresh
                                        copy is measured as a database in use)
    python3 tools/pg.py url URL         print shell settings for a postgresql:// URL

Connection settings come from PGHOST, PGPORT, PGUSER, PGPASSWORD.
"""

import shlex
import sys
from urllib.parse import unquote, urlparse

import psycopg2
from psycopg2 import sql


def connect(dbname="postgres"):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    return conn


def exists(name):
    with connect() as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def main(command, *args):
    if command == "exists":
        return 0 if exists(args[0]) else 1
    if command == "drop":
        conn = connect()
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s",
                [args[0]],
            )
            cr.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(args[0]))
            )
        conn.close()
        return 0
    if command == "copy":
        conn = connect()
        with conn.cursor() as cr:
            cr.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(args[1]), sql.Identifier(args[0])
                )
            )
        conn.close()
        return 0
    if command == "vacuum":
        conn = connect(args[0])
        with conn.cursor() as cr:
            cr.execute("VACUUM ANALYZE")
        conn.close()
        return 0
    if command == "prewarm":
        conn = connect(args[0])
        with conn.cursor() as cr:
            try:
                cr.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            except psycopg2.Error as error:
                # a server where the user may not create it: nothing is read
                sys.exit(f"pg_prewarm is not available: {error}".strip())
            cr.execute(
                "SELECT COALESCE(SUM(pg_prewarm(c.oid, 'read')), 0)"
                "  FROM pg_class c"
                "  JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm')"
            )
            print(cr.fetchone()[0])
        conn.close()
        return 0
    if command == "url":
        url = urlparse(args[0])
        if url.scheme not in ("postgres", "postgresql"):
            sys.exit(f"DATABASE_URL must be a postgresql:// URL, not {url.scheme}://")
        for key, value in (
            ("DB_HOST", url.hostname or ""),
            ("DB_PORT", str(url.port or 5432)),
            ("DB_USER", unquote(url.username or "")),
            ("DB_PASSWORD", unquote(url.password or "")),
        ):
            print(f"{key}={shlex.quote(value)}")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
