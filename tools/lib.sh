# Shared by tools/run and tools/test: prerequisites, the embedded PostgreSQL
# cluster and the Odoo configuration. Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${CC_STATE_DIR:-$ROOT/.local}
ADDONS_DIR=$STATE/addons
CONF=$STATE/odoo.conf
export PYTHONDONTWRITEBYTECODE=1

say() { printf '[credit_collection] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

# Odoo 18.0 is the one prerequisite the project does not install.
require_odoo() {
    if ! (cd / && python3 -c 'import sys, odoo.release as r; sys.exit(r.version_info[0] != 18)') 2>/dev/null; then
        cat >&2 <<'MSG'
[credit_collection] error: Odoo 18.0 is not importable by python3.

credit_collection is an Odoo 18.0 add-on: `python3 -c "import odoo"` must give
Odoo 18.0 before these scripts can run. Install Odoo 18.0 Community into this
python3 (for instance its source with `pip install -r requirements.txt` and the
source folder on the Python path, or Odoo's 18.0 nightly package), then run this
command again. Everything else (PostgreSQL, wkhtmltopdf, Python packages) the
scripts install themselves.
MSG
        exit 2
    fi
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "needs root to run: $*"
    fi
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# Debian packages: PostgreSQL (embedded cluster only), wkhtmltopdf (PDF reports)
# and chromium (the tours of the test suite).
ensure_system_packages() {
    local missing=()
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    # the browser of Odoo's tours, which the test suite runs
    command -v chromium >/dev/null || missing+=(chromium)
    if [ -z "${DATABASE_URL:-}" ] && [ -z "$(pg_bindir)" ]; then
        missing+=(postgresql)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

ensure_python_packages() {
    if ! python3 -c 'import xlsxwriter, freezegun, hypothesis, pytest_odoo, phonenumbers, odoo_test_helper, websocket' 2>/dev/null; then
        say "installing Python packages from requirements.txt"
        python3 -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
    fi
}

as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The embedded default: a cluster in $STATE/pgdata listening on a Unix socket
# only. DATABASE_URL=postgresql://user:password@host:port points at an
# existing server instead.
start_database() {
    if [ -n "${DATABASE_URL:-}" ]; then
        eval "$(python3 "$ROOT/tools/pg.py" url "$DATABASE_URL")"
        export PGHOST=$DB_HOST PGPORT=$DB_PORT PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD
        return
    fi
    local bin pgroot=$STATE port=${CC_PGPORT:-54329} key
    bin=$(pg_bindir)
    key=$(printf '%s' "$STATE" | md5sum | cut -c1-8)
    mkdir -p "$STATE"
    # As root the cluster runs as the postgres user, who may not be allowed
    # into the repository's folder (a clone in /root): then it lives outside.
    if [ "$(id -u)" = 0 ] && ! as_pg_owner test -x "$STATE"; then
        pgroot=/var/tmp/credit_collection-$key
        say "the postgres user cannot enter $STATE: the cluster lives in $pgroot"
    fi
    local pgdata=$pgroot/pgdata sockdir=$pgroot/pgsocket
    # A Unix socket path is limited to 107 bytes.
    if [ ${#sockdir} -gt 80 ]; then
        sockdir=/tmp/credit_collection-$key
    fi
    mkdir -p "$pgdata" "$sockdir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$pgroot" "$pgdata" "$sockdir"
        as_pg_owner test -x "$pgdata" \
            || die "the postgres user cannot reach $pgdata: set CC_STATE_DIR to a folder it can"
    fi
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        say "creating the PostgreSQL cluster in $pgdata"
        as_pg_owner "$bin/initdb" -D "$pgdata" -U odoo --auth=trust -E UTF8 \
            --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 || { cat "$STATE/initdb.log"; die "initdb failed"; }
    fi
    if ! as_pg_owner "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
        as_pg_owner "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/postgresql.log" -w -s \
            -o "-k $sockdir -p $port -c listen_addresses='' -c synchronous_commit=off" start \
            || { tail -n 20 "$pgdata/postgresql.log"; die "PostgreSQL did not start"; }
    fi
    DB_HOST=$sockdir DB_PORT=$port DB_USER=odoo DB_PASSWORD=
    export PGHOST=$DB_HOST PGPORT=$DB_PORT PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD
}

# The addon under its technical name, and an Odoo configuration file.
write_config() {
    mkdir -p "$ADDONS_DIR" "$STATE/data"
    ln -sfn "$ROOT" "$ADDONS_DIR/credit_collection"
    local odoo_addons
    odoo_addons=$(cd / && python3 -c '
import os, odoo
base = os.path.dirname(odoo.__file__)
paths = [os.path.join(base, "addons"), os.path.join(os.path.dirname(base), "addons")]
print(",".join(p for p in paths if os.path.isdir(p)))')
    cat >"$CONF" <<CONF
[options]
addons_path = $odoo_addons,$ADDONS_DIR
data_dir = $STATE/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
http_interface = 127.0.0.1
http_port = ${CC_HTTP_PORT:-8069}
list_db = False
CONF
}

odoo() { (cd / && python3 -m odoo "$@"); }

setup_all() {
    require_odoo
    ensure_system_packages
    ensure_python_packages
    start_database
    write_config
}

db_exists() { python3 "$ROOT/tools/pg.py" exists "$1"; }

drop_db() {
    python3 "$ROOT/tools/pg.py" drop "$1"
    rm -rf "$STATE/data/filestore/$1"
}

# Copy a database with its filestore.
copy_db() {
    drop_db "$2"
    python3 "$ROOT/tools/pg.py" copy "$1" "$2"
    if [ -d "$STATE/data/filestore/$1" ]; then
        mkdir -p "$STATE/data/filestore"
        cp -a "$STATE/data/filestore/$1" "$STATE/data/filestore/$2"
    fi
}

# The modules credit_collection depends on, comma-separated.
module_depends() {
    python3 -c "import ast; print(','.join(ast.literal_eval(open('$ROOT/__manifest__.py').read())['depends']))"
}

# The cached template database with the module's dependencies installed,
# built once per dependency list and Odoo version: its name on stdout.
template_db() {
    local depends serial template log
    depends=$(module_depends)
    serial=$(cd / && python3 -c 'import odoo.release as r; print(r.serie, r.version)')
    template=cc_template_$(printf '%s %s' "$depends" "$serial" | md5sum | cut -c1-10)
    if ! db_exists "$template"; then
        say "building the template database $template with $depends (a few minutes, cached)"
        log=$STATE/$template.log
        odoo -c "$CONF" -d "$template-building" -i "$depends" --stop-after-init \
            --logfile="$log" >&2 \
            || { drop_db "$template-building" >&2; die "building the template failed: see $log"; }
        copy_db "$template-building" "$template" >&2
        drop_db "$template-building" >&2
    fi
    echo "$template"
}
