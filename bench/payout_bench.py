"""Payout batch build + export speed and memory against a PostgreSQL COPY aggregate baseline.

    python bench/payout_bench.py --workers 1000 --units 1000 --json OUT [--repeat K] [--reuse]

Fills its own PostgreSQL database (default ``payoutbench``, created and migrated when missing; a
database whose name lacks "bench" is refused) with ``--workers`` workers, each with a Prolific id
and ``--units`` approved units, and one posted piece-rate ledger row per unit (workers × units
rows, numbered 1…units in each worker's account with the account's running total, as approval
leaves them), all in SQL. Then, on the same data and in the same run:

- build: ``payout_build`` (per account: the payout cursor, the newest position and the rows
  payable after the cut-off; a range, a total and a moved cursor per worker) and
  ``payout_export`` of the Prolific file, in this process;
- baseline: ``psql -c "COPY (SELECT worker_id, sum(amount) FROM workforce_ledgerentry GROUP BY
  worker_id) TO STDOUT" > file``.

Between samples the batches, their totals and the payout cursors are truncated (bench database only). Prints a table and writes
JSON with ``rows``, ``build_s``, ``copy_baseline_s``, ``ratio``, ``peak_rss_mb`` (medians over
``--repeat`` samples; every sample is under ``samples``).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/payoutbench"


def _psql(url: str, sql: str, out=None) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True, stdout=out)


def _prepare_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit(f"Refusing database {name!r}: its name must contain 'bench'.")
    server = url.rsplit("/", 1)[0] + "/postgres"
    found = subprocess.run(["psql", "-X", "-tA", server, "-c", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                           check=True, capture_output=True, text=True).stdout.strip()
    if not found:
        _psql(server, f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], check=True, env=env)


def _fill(url: str, workers: int, units: int) -> None:
    """Workers, their Prolific ids, approved units and one posted piece-rate row per unit, in SQL."""
    rows = workers * units
    _psql(url, "TRUNCATE workforce_payouttotal, workforce_payoutcursor, workforce_payoutbatch, workforce_ledgerentry, "
               "workforce_ledgeraccount, workforce_workunit, workforce_workerexternalid CASCADE; "
               "DELETE FROM platform_core_user WHERE username LIKE 'bench-%'")
    _psql(url, f"""
        INSERT INTO platform_core_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                        is_active, date_joined)
        SELECT '!', false, 'bench-' || g, '', '', '', false, true, now() FROM generate_series(1, {workers}) g;
        INSERT INTO workforce_workerexternalid (worker_id, platform, external_id, created_at)
        SELECT id, 'prolific', md5(username), now() FROM platform_core_user WHERE username LIKE 'bench-%';
        INSERT INTO workforce_workunit (worker_id, kind, subject_id, state, started_at, submitted_at, reviewed_at,
                                        auto_approved, reason_category, review_message, active_seconds)
        SELECT u.id, 'live_player', g, 'approved', now() - interval '2 days', now() - interval '2 days',
               now() - interval '1 day', false, '', '', 600
        FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM platform_core_user
              WHERE username LIKE 'bench-%') u, generate_series(1, {units}) g;
        INSERT INTO workforce_ledgerentry (worker_id, kind, amount, currency, unit_id, seconds, reason,
                                           idempotency_key, created_at, seq, running_total, payable_at)
        SELECT worker_id, 'piece_rate', amount, 'GBP', id, 600, '', 'unit:' || id || ':piece_rate',
               now() - interval '1 day', row_number() OVER account, sum(amount) OVER account, now() - interval '1 day'
        FROM (SELECT id, worker_id, 0.25 + (id % 7) * 0.0125 AS amount FROM workforce_workunit) u
        WINDOW account AS (PARTITION BY worker_id ORDER BY id);
        INSERT INTO workforce_ledgeraccount (worker_id, currency, last_seq, total)
        SELECT worker_id, 'GBP', max(seq), sum(amount) FROM workforce_ledgerentry GROUP BY worker_id;
    """)
    _psql(url, "VACUUM ANALYZE")
    print(f"filled {workers} workers × {units} units = {rows} ledger rows", file=sys.stderr)


def _sample(url: str, out_dir: Path) -> dict:
    from django.utils import timezone

    from workforce.services.payouts import payout_build, payout_export

    _psql(url, "TRUNCATE workforce_payouttotal, workforce_payoutcursor, workforce_payoutbatch CASCADE")
    started = time.perf_counter()
    result = payout_build(cutoff=timezone.localdate() + timedelta(days=1), platform="prolific", currency="GBP")
    (out_dir / "prolific.csv").write_bytes(payout_export(batch=result.batch, fmt="prolific"))
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    with open(out_dir / "baseline.tsv", "wb") as handle:
        _psql(url, "COPY (SELECT worker_id, sum(amount) FROM workforce_ledgerentry GROUP BY worker_id) TO STDOUT",
              out=handle)
    copy_s = time.perf_counter() - started
    return {"rows": result.batch.row_count, "build_s": round(build_s, 3), "copy_baseline_s": round(copy_s, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--units", type=int, default=1000, help="approved units (one ledger row each) per worker")
    parser.add_argument("--json", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the rows of a previous run with the same sizes")
    parser.add_argument("--database-url", default=os.environ.get("PAYOUT_BENCH_URL", DEFAULT_URL))
    args = parser.parse_args()
    url = args.database_url
    _prepare_database(url)
    if not args.reuse:
        _fill(url, args.workers, args.units)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    import django

    django.setup()
    with tempfile.TemporaryDirectory() as tmp:
        samples = [_sample(url, Path(tmp)) for _ in range(args.repeat)]
    build_s = statistics.median(s["build_s"] for s in samples)
    copy_s = statistics.median(s["copy_baseline_s"] for s in samples)
    report = {
        "workers": args.workers,
        "units_per_worker": args.units,
        "rows": samples[0]["rows"],
        "build_s": build_s,
        "copy_baseline_s": copy_s,
        "ratio": round(build_s / copy_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "samples": samples,
    }
    print(f"{'rows':>10} {'build_s':>9} {'copy_s':>8} {'ratio':>6} {'peak_rss_mb':>12}")
    print(f"{report['rows']:>10} {build_s:>9.3f} {copy_s:>8.3f} {report['ratio']:>6} {report['peak_rss_mb']:>12}")
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
