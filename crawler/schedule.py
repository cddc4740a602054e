"""In which order a night's crawl takes its sources, and how they are split over processes.

A national registry may not fit in one night (``--max-minutes``): the sources that most
need a visit go first, and a night cut short resumes with what it did not reach. Order:

1. sources never crawled to the end (new, or stopped by a time limit or a failure);
2. then by how long since their last complete crawl, longest first — weighted ×
   ``SEASON_WEIGHT`` during the publication season (January–March, plus April for late
   publishers: 条例 Art. 49 deadlines are 31 January and 31 March) for sources whose report
   of the past year has not been found yet (no report page first seen this year). Ages
   count in whole hours, so the sources of one night tie;
3. among those, the source whose last complete crawl took longest first: a slow site (a
   page that times out, a long list) started last would hold the whole night open after
   the rest is done; started first, its waiting overlaps the others' work (longest
   processing time first, the classic rule for a short makespan).

Registry order breaks the remaining ties. Every source is crawled eventually: a source out of season
only waits for its age to outweigh the season's bonus.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

SEASON_MONTHS = (1, 2, 3, 4)
SEASON_WEIGHT = 3.0


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def urgency(history: dict, today: datetime) -> float:
    """How much a source needs a visit (higher first; never crawled: infinite)."""
    last = _time(history.get("last_crawled"))
    if last is None:
        return float("inf")
    age_days = max(0, (today - last).total_seconds() // 3600) / 24
    newest = _time(history.get("newest_report"))
    awaiting = newest is None or newest.year < today.year
    in_season = today.month in SEASON_MONTHS and awaiting
    return age_days * (SEASON_WEIGHT if in_season else 1.0)


def order_sources(
    sources: list[dict], history: dict[str, dict], today: datetime | None = None
) -> list[dict]:
    """``sources`` in crawl order (see the module docstring); ``history`` is
    ``CrawlStore.crawl_history()``."""
    today = today or datetime.now(UTC)

    def rank(pair: tuple[int, dict]) -> tuple[float, float, int]:
        i, source = pair
        h = history.get(source["id"], {})
        return (-urgency(h, today), -(h.get("last_duration") or 0.0), i)

    return [s for _, s in sorted(enumerate(sources), key=rank)]


def crawl_processes(n_sources: int, cores: int | None = None) -> int:
    """One crawl process per core (a process serves any number of sources); fewer for a
    handful of sources, where another process costs more start-up than it saves."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(cores, n_sources // 20 or 1))


def batches(ids: list[str], n: int) -> list[list[str]]:
    """Split ordered source ids round-robin into at most ``n`` non-empty batches (each
    keeps the order: every process starts with the most urgent of its share)."""
    return [b for b in (ids[i::n] for i in range(n)) if b]
