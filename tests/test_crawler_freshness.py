"""The revalidation policy (crawler.freshness): when a stored document is asked about again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.freshness import RevalidationPolicy

CHECKED = datetime(2026, 2, 1, 2, 0, tzinfo=UTC)


def state(changed: datetime | None = None, http_date: str | None = None) -> dict:
    return {
        "last_fetched": CHECKED.isoformat(),
        "last_modified": http_date,
        "last_changed": changed.isoformat() if changed else None,
    }


def test_lifetime_is_a_tenth_of_the_age_capped_at_a_week():
    p = RevalidationPolicy()
    assert p.lifetime(state(CHECKED - timedelta(days=10))) == timedelta(days=1)
    assert p.lifetime(state(CHECKED - timedelta(days=30))) == timedelta(days=3)
    assert p.lifetime(state(CHECKED - timedelta(days=900))) == timedelta(days=7)
    assert RevalidationPolicy(max_age=timedelta(days=30)).lifetime(
        state(CHECKED - timedelta(days=900))
    ) == timedelta(days=30)


def test_servers_last_modified_wins_over_first_seen():
    # Seen first only yesterday, but the server says the file dates from last March.
    s = state(CHECKED - timedelta(days=1), "Sat, 01 Mar 2025 00:00:00 GMT")
    assert RevalidationPolicy().lifetime(s) == timedelta(days=7)


def test_a_report_published_yesterday_is_checked_again_the_next_night():
    s = state(CHECKED - timedelta(days=1))
    p = RevalidationPolicy()
    assert p.is_fresh(s, CHECKED + timedelta(hours=2))
    assert not p.is_fresh(s, CHECKED + timedelta(hours=24))


def test_an_old_report_is_checked_weekly():
    s = state(http_date="Tue, 14 Mar 2023 08:00:00 GMT")
    p = RevalidationPolicy()
    assert p.is_fresh(s, CHECKED + timedelta(days=6, hours=23))
    assert not p.is_fresh(s, CHECKED + timedelta(days=7))


def test_unknown_or_future_change_time_is_always_stale():
    p = RevalidationPolicy()
    soon = CHECKED + timedelta(minutes=1)
    assert not p.is_fresh(state(), soon)
    assert not p.is_fresh(state(CHECKED + timedelta(days=3)), soon)  # clock off
    assert not p.is_fresh(state(http_date="not a date"), soon)
    assert not p.is_fresh({"last_fetched": None}, soon)


def test_revalidate_all_asks_about_everything():
    s = state(http_date="Tue, 14 Mar 2023 08:00:00 GMT")
    assert RevalidationPolicy().is_fresh(s, CHECKED + timedelta(hours=1))
    assert not RevalidationPolicy(revalidate_all=True).is_fresh(s, CHECKED + timedelta(hours=1))


def test_policy_from_crawl_settings():
    from crawler.run import crawl_settings

    p = RevalidationPolicy.from_settings(crawl_settings("/tmp/x", "r"))
    assert (p.fraction, p.max_age, p.revalidate_all) == (0.1, timedelta(days=7), False)
    assert RevalidationPolicy.from_settings(
        crawl_settings("/tmp/x", "r", revalidate_all=True)
    ).revalidate_all
