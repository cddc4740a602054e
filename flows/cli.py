"""The ``nianbao`` command: one entry point for every stage.

nianbao demo                 build the demo sites, serve them on 127.0.0.1, run the nightly flow
nianbao run -r sources.yaml  the nightly flow (crawl → parse → check → publish) on a registry
nianbao crawl / parse / check  one stage at a time
nianbao parse FILE --json    parse local files and print the canonical model
nianbao check FILE [--json]  parse and check local files: findings, exit 1 unless all ok
nianbao eval                 parser accuracy, cell by cell, on the variant corpus and samples
nianbao serve                browse the archive in Datasette
nianbao export               write the main views as CSV / Parquet
nianbao schedule             serve the nightly flow on a cron schedule (needs a Prefect server)
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

import click

from flows.prefect_env import one_shot_flow_settings
from nianbao.config import paths as data_paths
from nianbao.lean_imports import import_sqlite_utils

DEMO_BASE_PORT = 8701


def _data_option(f):
    return click.option(
        "--data",
        "data",
        type=click.Path(file_okay=False),
        default=None,
        help="Data folder (default ./data or $NIANBAO_DATA).",
    )(f)


def _crawl_options(f):
    """What to crawl and how: the options ``run`` and ``crawl`` share."""
    for option in reversed(
        (
            click.option(
                "-r",
                "--registry",
                required=True,
                type=click.Path(exists=True, dir_okay=False),
                help="Sources registry (YAML).",
            ),
            click.option("-s", "--source", "sources", multiple=True, help="Only these source ids."),
            click.option("--fast", is_flag=True, help="No politeness delay (local sites only)."),
            click.option(
                "--revalidate-all",
                is_flag=True,
                help="Ask the sites about every known document, not only stale ones.",
            ),
            click.option(
                "--max-minutes",
                type=float,
                default=0,
                help="Stop crawling after this many minutes; the sources not reached go "
                "first the next time (0: no limit).",
            ),
        )
    ):
        f = option(f)
    return f


@click.group()
@click.version_option(package_name="nianbao")
def main() -> None:
    """nianbao (年报): crawl, archive, parse and check government information
    disclosure annual reports (政府信息公开工作年度报告)."""


def _nightly(paths):
    """The nightly flow, imported with Prefect configured for ``paths``."""
    from flows.prefect_env import configure

    configure(paths)
    import_sqlite_utils()
    from flows.nightly import nightly

    return nightly


def _crawl_processes_ahead(registry: str, sources) -> None:
    """Start the crawl processes the flow will use now, so that they import Scrapy while
    this process imports Prefect (crawler.standby). A registry that does not load starts
    none: the flow reports it."""
    from crawler.registry import load_registry, select_sources
    from crawler.run import start_standby
    from crawler.schedule import crawl_processes

    try:
        entries = select_sources(load_registry(registry), list(sources) or None, registry)
    except Exception:  # noqa: BLE001 - any registry problem is the flow's to report
        return
    start_standby(crawl_processes(len(entries)))


def _print_summary(summary: dict) -> None:
    from flows.stages import format_summary

    click.echo(format_summary(summary))


def _no_final_collection() -> None:
    """The command's work is done, written and closed: spare the process the garbage
    collection CPython runs over every remaining object as it exits (~0.9 s after a
    flow run, what Prefect and the pipeline built; a tenth of a no-change night). Frozen
    objects are skipped by it; exit handlers still run (Prefect sends its queued logs and
    events)."""
    gc.freeze()


@main.command()
@_data_option
@click.option("--agencies", default=6, show_default=True, help="Number of demo agencies.")
@click.option(
    "--port",
    default=DEMO_BASE_PORT,
    show_default=True,
    help="First port of the demo sites (one port per site, 0 = any free port).",
)
def demo(data, agencies, port):
    """Build the demo municipal sites, serve them on 127.0.0.1 and run the nightly flow."""
    from demo.server import DemoServer
    from demo.sites import build_demo
    from demo.verify import verify

    paths = data_paths(data)
    started = time.monotonic()
    click.echo(f"building demo sites in {paths.demo} …")
    build_demo(paths.demo, n_agencies=agencies)
    server = DemoServer(paths.demo, base_port=port)
    try:
        server.start()  # writes the registry of the sites' URLs
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve the demo sites from port {port} on: {exc}. Another program uses "
            "the port; pick another base with --port N (or --port 0 for any free ports — "
            "then a rerun gets new URLs and archives the sites anew)."
        ) from exc
    with server:
        registry = str(paths.demo / "sources.yaml")
        _crawl_processes_ahead(registry, ())
        nightly = _nightly(paths)
        urls = server.urls
        click.echo("demo sites: " + ", ".join(f"{k} {v}" for k, v in urls.items()))
        with one_shot_flow_settings():
            summary = nightly(registry=registry, data=str(paths.data), fast=True)
    _print_summary(summary)
    result = verify(paths, paths.demo, urls)
    click.echo("")
    click.echo(result.text())
    click.echo(f"\ndone in {time.monotonic() - started:.0f} s. Database: {paths.db}")
    click.echo("Browse it:  nianbao serve" + (f" --data {data}" if data else ""))
    _no_final_collection()
    sys.exit(0 if result.ok else 1)


@main.command()
@_data_option
@_crawl_options
@click.option(
    "--shards",
    type=int,
    default=0,
    help="Crawl in N shards, flow runs on the Prefect work pool `nianbao` (needs "
    "PREFECT_API_URL, `nianbao deploy` and workers; 0: crawl here).",
)
@click.option(
    "--dask",
    "dask_address",
    default=None,
    envvar="NIANBAO_DASK_ADDRESS",
    help="Parse on the Dask cluster at this scheduler address (or $NIANBAO_DASK_ADDRESS).",
)
@click.option(
    "--dask-workers",
    type=int,
    default=0,
    help="Parse on a new local Dask cluster of N worker processes (0: the local pool).",
)
def run(data, registry, sources, fast, revalidate_all, max_minutes, shards, dask_address,
        dask_workers):  # fmt: skip
    """Run the nightly flow once: crawl, parse, check, publish."""
    paths = data_paths(data)
    if shards:
        from flows.shards import shard_env_ok

        if why := shard_env_ok():
            raise click.ClickException(why)
    if not shards:
        _crawl_processes_ahead(registry, sources)
    nightly = _nightly(paths)
    with one_shot_flow_settings():
        summary = nightly(
            registry=registry,
            data=str(paths.data),
            sources=list(sources) or None,
            fast=fast,
            revalidate_all=revalidate_all,
            max_minutes=max_minutes,
            shards=shards,
            dask_address=dask_address,
            dask_workers=dask_workers,
        )
    _print_summary(summary)
    _no_final_collection()


@main.command()
@_data_option
@click.option("--pool", default="nianbao", show_default=True, help="Work pool name.")
def deploy(data, pool):
    """Create the process work pool and apply the crawl-shard deployment (needs a Prefect
    server: PREFECT_API_URL). Then run `prefect worker start --pool nianbao` on each machine."""
    from flows.prefect_env import configure

    configure(data_paths(data))
    from flows.deploy import deploy as apply_deployment

    click.echo(f"deployment crawl-shard/nianbao: {apply_deployment(pool)} (work pool {pool})")


@main.command()
@_data_option
@_crawl_options
def crawl(data, registry, sources, fast, revalidate_all, max_minutes):
    """Crawl sources into the archive (no parsing): one process per core, the sources in
    crawl order (docs/crawling.md)."""
    from concurrent.futures import ThreadPoolExecutor

    from archive.crawlstore import CrawlStore
    from archive.db import new_run_id
    from crawler.registry import load_registry, select_sources
    from crawler.run import OK_REASONS, crawl_in_subprocess
    from crawler.schedule import batches, crawl_processes, order_sources

    paths = data_paths(data)
    entries = select_sources(load_registry(registry), list(sources), registry)
    store = CrawlStore(paths)
    store.upsert_sources(entries, registry=registry)
    run_id = new_run_id()
    store.begin_run(run_id, [s["id"] for s in entries])
    ordered = [s["id"] for s in order_sources(entries, store.crawl_history())]
    groups = batches(ordered, crawl_processes(len(ordered)))
    with ThreadPoolExecutor(len(groups)) as pool:
        results = list(
            pool.map(
                lambda ids: crawl_in_subprocess(
                    registry,
                    ids,
                    str(paths.data),
                    run_id,
                    fast=fast,
                    revalidate_all=revalidate_all,
                    max_minutes=max_minutes,
                ),  # fmt: skip
                groups,
            )
        )
    stats = {"sources": {}, "deferred": [], "processes": []}
    for r in results:
        stats["sources"].update(r["sources"])
        stats["deferred"] += r.get("deferred", [])
        stats["processes"].append(r.get("process"))
    failed = any(s["finish_reason"] not in OK_REASONS for s in stats["sources"].values())
    store.finish_run(
        run_id,
        "failed_sources" if failed else "ok",
        {"crawl": stats["sources"], "deferred": stats["deferred"]},
    )
    click.echo(json.dumps(stats, ensure_ascii=False, indent=2))


@main.command()
@_data_option
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the full model as JSON.")
def parse(data, files, as_json):
    """Parse FILES and print them, or parse every pending document in the archive.
    Each file is parsed in a worker bounded like the parse stage's (NIANBAO_PARSE_TIMEOUT,
    NIANBAO_PARSE_MEMORY_MB). Exits 1 when a file could not be read (status ``error``)."""
    if files:
        from flows.parse_pool import parse_files
        from nianbao.model import STATUS_ERROR

        out = [r.to_dict() for r in parse_files(list(files))]
        if as_json:
            click.echo(json.dumps(out if len(out) > 1 else out[0], ensure_ascii=False, indent=1))
        else:
            for f, r in zip(files, out):
                click.echo(
                    f"{f}: {r['status']} {r['agency']} {r['year']} "
                    f"format {r['format_version']}, {len(r['cells'])} cells"
                    + (f", error: {r['error']}" if r["error"] else "")
                )
        sys.exit(1 if any(r["status"] == STATUS_ERROR for r in out) else 0)
    from flows.stages import parse_pending

    def progress(i, n, url, status):
        if i == n or i % 50 == 0:
            click.echo(f"  {i}/{n} parsed", err=True)

    click.echo(json.dumps(parse_pending(data_paths(data), progress=progress), ensure_ascii=False))


@main.command("eval", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--n", default=320, show_default=True, help="Variant corpus size.")
@click.option("--seed", default=2024, show_default=True)
@click.option(
    "--corpus",
    type=click.Path(file_okay=False),
    default=None,
    help="Read a corpus written by demo.variants.write instead of building one.",
)
@click.option("--no-doc", is_flag=True, help="Skip the LibreOffice .doc cases.")
@click.option("--per-hazard", default=22, show_default=True, help="Hazard corpus reports each.")
@click.option("--no-hazards", is_flag=True, help="Skip the hazard corpus.")
@click.option("--quiet", is_flag=True, help="List at most 40 wrong cells.")
@click.option(
    "--real",
    "real",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Only evaluate this folder of real reports (truth-free; NAME.json truths scored).",
)
def eval_(n, seed, corpus, no_doc, per_hazard, no_hazards, quiet, real):
    """Parser and checks accuracy on the variant and hazard corpora and the real samples, or
    (--real DIR) on a folder of real reports (bench/parse_eval.py)."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "bench"))
    import parse_eval

    argv = (
        ["--n", str(n), "--seed", str(seed), "--per-hazard", str(per_hazard)]
        + (["--corpus", corpus] if corpus else [])
        + (["--no-doc"] if no_doc else [])
        + (["--no-hazards"] if no_hazards else [])
        + (["--quiet"] if quiet else [])
        + [x for d in real for x in ("--real", d)]
    )
    sys.exit(parse_eval.main(argv))


@main.command()
@_data_option
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print reports and findings as JSON.")
@click.option("--no-warnings", is_flag=True, help="Only the hard rules (errors).")
def check(data, files, as_json, no_warnings):
    """Check local FILES (parse them, run the single-report rules, print the findings in
    Chinese and English; exit 1 unless every file is ok), or, without FILES, run the check
    stage on the archive's reports not yet checked by the current rules."""
    if not files:
        from flows.stages import check_pending

        click.echo(json.dumps(check_pending(data_paths(data)), ensure_ascii=False))
        return
    from checks.files import check_report, format_checked, summary_line
    from flows.parse_pool import parse_files

    results = [check_report(f, r) for f, r in zip(files, parse_files(list(files)))]
    if as_json:
        out = [c.to_dict() for c in results]
        click.echo(json.dumps(out if len(out) > 1 else out[0], ensure_ascii=False, indent=1))
    else:
        for c in results:
            click.echo(format_checked(c, warnings=not no_warnings))
        click.echo(summary_line(results), err=True)
    # 1: a file is flagged (a hard rule fails), incomplete (one is not assessable) or
    # unparseable (nothing could be checked)
    sys.exit(0 if all(c.ok for c in results) else 1)


@main.command()
@_data_option
def summary(data):
    """Print what the archive holds: documents, reports, flagged reports."""
    from flows.stages import summarize

    _print_summary(summarize(data_paths(data)))


@main.command()
@_data_option
@click.option("--rule", default=None, help="Only reports failing this rule (e.g. T3-BALANCE).")
@click.option("--year", type=int, default=None, help="Only this report year.")
@click.option("--region", default=None, help="Only regions containing this text (e.g. 清河).")
@click.option("--warnings", is_flag=True, help="Include soft-rule warnings, not just errors.")
@click.option(
    "--incomplete/--no-incomplete",
    default=True,
    show_default=True,
    help="Also list incomplete reports (a hard rule not assessable: cells absent).",
)
def flags(data, rule, year, region, warnings, incomplete):
    """List flagged reports with the rules and cells that failed, then incomplete reports
    (no hard rule fails, but one could not be checked) with the rows missing and why."""
    from archive.db import open_db
    from flows.stages import list_flags, list_incomplete

    db = open_db(data_paths(data).db)
    rows = list_flags(
        db, rule=rule, year=year, region=region, warnings=warnings or (rule is not None)
    )
    for r in rows:
        click.echo(f"{r['agency']} {r['year']}  {r['url']}\n    {r['failures']}")
    click.echo(f"{len(rows)} flagged report(s)", err=True)
    if not incomplete or rule:
        return
    rows = list_incomplete(db, year=year, region=region)
    if rows:
        click.echo("\nincomplete (hard rules not assessable):")
    for r in rows:
        click.echo(f"{r['agency']} {r['year']}  {r['url']}\n    not assessable: {r['rules']}")
        for m in r["missing_rows"]:
            click.echo(f"    missing {m}: {r['missing_reasons'].get(m, '')}".rstrip(": "))
    click.echo(f"{len(rows)} incomplete report(s)", err=True)


@main.command()
@_data_option
@click.option("--port", default=8001, show_default=True)
def serve(data, port):
    """Browse the archive in Datasette on 127.0.0.1: documented tables and views, facets,
    Chinese full-text search, canned queries, report pages (/-/report/ID) and charts
    (/-/dashboards/nianbao). docs/researchers.md describes them."""
    import os

    from archive.db import open_db
    from archive.researcher.serve import datasette_command

    paths = data_paths(data)
    if not paths.db.exists():
        raise click.ClickException(f"no database at {paths.db}: run `nianbao demo` first")
    open_db(paths.db).close()  # bring views, indexes and the search index up to date
    cmd = datasette_command(paths.db, port)
    click.echo(f"Datasette on http://127.0.0.1:{port}/  (Ctrl-C stops)")
    sys.stdout.flush()
    os.execv(cmd[0], cmd)  # Datasette replaces this process: stopping it stops Datasette


@main.command()
@_data_option
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder (default DATA/export).",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["csv", "parquet"]),
    help="csv and/or parquet (default both; parquet needs pyarrow).",
)
def export(data, out, formats):
    """Write the main views (reports, values, findings, completeness …) as CSV and Parquet."""
    from archive.export import export_views

    paths = data_paths(data)
    if not paths.db.exists():
        raise click.ClickException(f"no database at {paths.db}: run `nianbao demo` first")
    written = export_views(
        paths.db, Path(out) if out else paths.data / "export", formats=formats or None
    )
    for f, n in written:
        click.echo(f"{f}\t{n} rows")


@main.command()
@_data_option
@click.option("-r", "--registry", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--cron", default=None, help="Cron expression (default 02:00 daily).")
def schedule(data, registry, cron):
    """Serve the nightly flow on a cron schedule (Asia/Shanghai). Needs `prefect server start`."""
    paths = data_paths(data)
    nightly = _nightly(paths)
    from flows.nightly import NIGHTLY_CRON, nightly_schedule

    nightly.serve(
        name="nianbao-nightly",
        schedules=[nightly_schedule(cron or NIGHTLY_CRON)],
        parameters={"registry": str(Path(registry).resolve()), "data": str(paths.data)},
    )


@main.group()
def sources() -> None:
    """The sources registry."""


@sources.command("check")
@click.argument("registry", type=click.Path(dir_okay=False))
def sources_check(registry):
    """Validate a registry: every error, with its file and line."""
    from crawler.registry import check_registry

    ok, errors = check_registry(registry)
    for e in errors:
        click.echo(f"error: {e}", err=True)
    by_cms: dict[str, int] = {}
    for s in ok:
        by_cms[s["cms"]] = by_cms.get(s["cms"], 0) + 1
    click.echo(
        f"{registry}: {len(ok)} valid source(s)"
        + (f" ({', '.join(f'{k} {v}' for k, v in sorted(by_cms.items()))})" if ok else "")
        + (f", {len(errors)} error(s)" if errors else "")
    )
    sys.exit(1 if errors else 0)


@main.group()
def archive() -> None:
    """The archive of fetched bytes (blob store and WARC files)."""


@archive.command("verify")
@_data_option
@click.option("--no-records", is_flag=True, help="Skip reading each capture's WARC record.")
def archive_verify(data, no_records):
    """Recompute every hash; report any blob or WARC file that is missing or altered."""
    from archive.verify import verify_archive

    result = verify_archive(data_paths(data).data, records=not no_records)
    click.echo(result.text())
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
