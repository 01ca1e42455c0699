"""media.list under entitlement enforcement against the same list without it, side by side in one run.

Run: ``.venv/bin/python benchmarks/entitlement.py`` (SQLite, a tenth of the full size), and with
``KEYFRAME_BENCH_DATABASE_URL=postgresql://…`` for PostgreSQL at full size: 1,000,000 entries, 20,000
categories of depth 6, 50,000 users × 50 memberships. ``--scale 0.2`` shrinks both; ``--quick`` is a
smoke run. The account comes from ``keyframe.entitlement.seed`` (the generator behind ``keyframe dev seed``).

Variants, interleaved in rounds with alternating order, each a ``media.list`` (pageSize 30, newest first)
through the app in-process by a USER KS of a member with ``list:*,privacycontext:MediaSpace``:
* **enforced**: ``+enableentitlement``;
* **unenforced**: ``+disableentitlement``.
Reports p50 per variant and the ratio; targets (PostgreSQL): enforced ≤ 2× unenforced and ≤ 20 ms. Then
the EXPLAIN of the enforced list query. ``--strict`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from starlette.testclient import TestClient  # noqa: E402

from keyframe.app import create_app  # noqa: E402
from keyframe.auth.ks_validation import KsValidator  # noqa: E402
from keyframe.config import Settings, normalize_database_url  # noqa: E402
from keyframe.db import Database  # noqa: E402
from keyframe.entitlement.entries import ListRule, sees_many, walks  # noqa: E402
from keyframe.entitlement.seed import SeedSize, seed_new_partner  # noqa: E402
from keyframe.entitlement.viewer import viewer_for  # noqa: E402
from keyframe.ks import KS, Privileges, encode_v2  # noqa: E402
from keyframe.media import service as media  # noqa: E402
from keyframe.migrations import upgrade  # noqa: E402
from keyframe.partners.models import Partner  # noqa: E402
from keyframe.services import Services  # noqa: E402
from keyframe.storage import LocalStorage  # noqa: E402

FULL = SeedSize(entries=1_000_000, categories=20_000, users=50_000, members_per_user=50, depth=6)
APP_PRIVILEGES = "list:*,privacycontext:MediaSpace"


def scaled(size: SeedSize, factor: float) -> SeedSize:
    return SeedSize(
        entries=max(1000, int(size.entries * factor)),
        categories=max(100, int(size.categories * factor)),
        users=max(100, int(size.users * factor)),
        members_per_user=size.members_per_user,
        depth=size.depth,
    )


def database(url: str | None, workdir: Path) -> tuple[str, str]:
    if not url:
        return f"sqlite:///{workdir / 'bench.db'}", "sqlite"
    server = sa.make_url(normalize_database_url(url))
    name = f"keyframe_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), "postgresql"


def drop(url: str, kind: str) -> None:
    if kind != "postgresql":
        return
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{target.database}" WITH (FORCE)')
    admin.dispose()


def _queries(db: Any, partner_id: int, ks: KS | None) -> tuple[Any, Any, str]:
    """The page (LIMIT 30) and count statements ``media.list`` runs (``media.service.search``); ``ks`` None =
    enforcement off. Returns (page, count, the SQL shapes the entitlement rule took)."""
    q = media.EntryQuery()
    rule = None
    if ks is not None:
        viewer = viewer_for(db, partner_id, ks)
        rule = q.entitlement = ListRule(viewer, sees_many(db, viewer))
    count_stmt = media.count_statement(partner_id, q)
    total = db.scalar(count_stmt) or 0
    shape = "none"
    if rule is not None:
        from_links = rule.distinct_ids(lambda *_: []) is not None  # this list filters on state alone
        counted = "links" if from_links else "per entry" if rule.many else "set"
        shape = f"count {counted}, page {'per entry' if walks(total, 0, 30) else 'set'}"
    return media.page_statement(partner_id, q, total, 30, 0), count_stmt, shape


def split_timings(services: Services, partner_id: int, ks: KS, runs: int) -> dict[str, float]:
    """p50 (ms) of the page query and of the count query alone, enforced and not, straight through SQL."""
    found: dict[str, list[float]] = {}
    with services.db.transaction() as db:
        for name, session in (("enforced", ks), ("unenforced", None)):
            page, count_stmt, _ = _queries(db, partner_id, session)
            for part, stmt in (("page", page), ("count", count_stmt)):
                for _ in range(runs):
                    t0 = time.perf_counter()
                    db.execute(stmt).all()
                    found.setdefault(f"{name} {part}", []).append(time.perf_counter() - t0)
    return {key: statistics.median(values) * 1000 for key, values in found.items()}


def explain(services: Services, kind: str, partner_id: int, ks: KS) -> str:
    with services.db.transaction() as db:
        page, count_stmt, shape = _queries(db, partner_id, ks)
        prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if kind == "postgresql" else "EXPLAIN QUERY PLAN "

        def plan(stmt: Any) -> str:
            if kind == "postgresql":
                sql = str(stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
                rows: Any = db.execute(sa.text(prefix + sql)).all()
            else:  # SQLite's LIMIT -1 OFFSET 0 stays a bound parameter: run with positional ones
                compiled = stmt.compile(db.get_bind(), compile_kwargs={"render_postcompile": True})
                params = [compiled.params[name] for name in compiled.positiontup or ()]
                raw = db.connection().connection.driver_connection
                rows = raw.execute(prefix + str(compiled), params).fetchall()  # type: ignore[union-attr]
            return "\n".join(" | ".join(str(v) for v in row) for row in rows)

        return f"-- shapes: {shape}\n-- page (LIMIT 30)\n{plan(page)}\n-- count\n{plan(count_stmt)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=None, help="fraction of the full size")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20, help="per variant per round")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (prints its URL)")
    parser.add_argument("--reuse", metavar="URL", help="measure a database seeded by an earlier --keep run")
    args = parser.parse_args()
    url = os.environ.get("KEYFRAME_BENCH_DATABASE_URL")
    factor = args.scale if args.scale is not None else (1.0 if url else 0.1)
    if args.quick:
        factor, args.rounds, args.calls = min(factor, 0.01), 3, 5
    size = scaled(FULL, factor)
    workdir = Path(tempfile.mkdtemp(prefix="kf-bench-ent-"))
    if args.reuse:
        db_url = normalize_database_url(args.reuse)
        kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    else:
        db_url, kind = database(url, workdir)
    try:
        upgrade(db_url)
        settings = Settings(data_dir=workdir, database_url=db_url)
        services = Services(
            settings=settings,
            db=Database(db_url),
            ks_validator=KsValidator(1000),
            storage=LocalStorage(workdir / "s"),
        )
        if args.reuse:
            with services.db.transaction() as db:
                partner_id, secret = db.execute(
                    sa.select(Partner.id, Partner.admin_secret)
                    .where(Partner.name == "Entitlement seed")
                    .order_by(Partner.id.desc())
                ).one()
            print(f"{kind}: reusing partner {partner_id} of {sa.make_url(db_url).database}", flush=True)
        else:
            print(f"{kind}: seeding {size}", flush=True)
            started = time.monotonic()
            last = [0.0]

            def progress(step: str, done: int, total: int) -> None:
                if time.monotonic() - last[0] > 5 or done >= total:
                    last[0] = time.monotonic()
                    print(f"  {step}: {done:,}/{total:,}", flush=True)

            partner_id, secret = seed_new_partner(services, size, progress)
            print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
        # A steady state: statistics, and the visibility map index-only scans rely on (autovacuum's job).
        with services.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if kind == "postgresql" else "ANALYZE")
        user = "user000001"

        def ks_for(extra: str) -> str:
            return encode_v2(
                secret,
                partner_id=partner_id,
                valid_until=int(time.time()) + 3600,
                type=0,
                user_id=user,
                privileges=f"{APP_PRIVILEGES},{extra}",
            )

        variants = {"enforced": ks_for("enableentitlement"), "unenforced": ks_for("disableentitlement")}
        times: dict[str, list[float]] = {name: [] for name in variants}
        totals: dict[str, int] = {}
        app = create_app(settings, services)
        with TestClient(app) as client:

            def one(ks: str) -> tuple[float, int]:
                body = {
                    "format": "1",
                    "ks": ks,
                    "filter": {"objectType": "KalturaMediaEntryFilter", "orderBy": "-createdAt"},
                    "pager": {"objectType": "KalturaFilterPager", "pageSize": 30},
                }
                t0 = time.perf_counter()
                response = client.post("/api_v3/service/media/action/list", json=body)
                elapsed = time.perf_counter() - t0
                result = response.json()
                assert result.get("objectType") == "KalturaMediaListResponse", result
                return elapsed, int(result["totalCount"])

            for ks in variants.values():  # warm-up
                for _ in range(3):
                    one(ks)
            for r in range(args.rounds):
                order = list(variants) if r % 2 == 0 else list(reversed(variants))
                for name in order:
                    for _ in range(args.calls):
                        elapsed, total = one(variants[name])
                        times[name].append(elapsed)
                        totals[name] = total
        p50 = {name: statistics.median(values) * 1000 for name, values in times.items()}
        for name in variants:
            print(f"  {name:<11} p50 {p50[name]:8.2f} ms   totalCount {totals[name]:,}")
        ratio = p50["enforced"] / p50["unenforced"]
        ok_ratio, ok_abs = ratio <= 2.0, p50["enforced"] <= 20.0
        print(f"enforced / unenforced = {ratio:.2f}x (target <= 2x)  {'PASS' if ok_ratio else 'FAIL'}")
        if kind == "postgresql":
            print(
                f"enforced p50 = {p50['enforced']:.1f} ms (target <= 20 ms)  {'PASS' if ok_abs else 'FAIL'}"
            )
        app_ks = KS(
            partner_id=partner_id,
            valid_until=0,
            type=0,
            user_id=user,
            privileges=Privileges.parse(APP_PRIVILEGES),
        )
        split = split_timings(services, partner_id, app_ks, runs=max(5, args.calls))
        print("SQL alone (p50): " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in split.items()))
        print("EXPLAIN of the enforced list:")
        print(explain(services, kind, partner_id, app_ks))
        services.db.dispose()
        missed = not ok_ratio or (kind == "postgresql" and not ok_abs)
        return 1 if args.strict and missed else 0
    finally:
        if args.keep or args.reuse:
            print(f"kept: {db_url}")
        else:
            drop(db_url, kind)


if __name__ == "__main__":
    raise SystemExit(main())
