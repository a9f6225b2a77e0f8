"""The watch loop's pure parts: durations, the trailing window, ticks, backoff, config checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.units import format_duration, parse_duration
from goesvfi.integrity_check.watch import (
    WatchConfig,
    next_run_time,
    next_tick,
    trailing_window,
)
from tests.names_support import scan_times

T = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("24h", 86400), ("7d", 604800), ("1h30m", 5400), ("15", 900), (" 2H ", 7200),
     ("0.5h", 1800)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10x", "m", "-5m", "0m", "10m junk", "1y"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(timedelta(hours=24)) == "1d"
    assert format_duration(timedelta(seconds=90)) == "1m30s"
    assert format_duration(timedelta(minutes=20)) == "20m"
    assert format_duration(timedelta(days=1, hours=2)) == "1d2h"


def test_trailing_window_excludes_the_latency() -> None:
    now = datetime(2026, 5, 10, 12, 21, 30, tzinfo=UTC)
    start, end = trailing_window(now, timedelta(hours=2), timedelta(minutes=20))
    assert (start, end) == (datetime(2026, 5, 10, 10, 22, tzinfo=UTC), datetime(2026, 5, 10, 12, 2, tzinfo=UTC))
    slots = scan_times(Sector.CONUS, start, end)
    # CONUS slots at :01, :06 ...: newest not-too-recent slot is 12:01 (12:01 < 12:21:30 - 20 min = 12:01:30)
    assert slots[-1] == datetime(2026, 5, 10, 12, 1, tzinfo=UTC)
    assert slots[0] == datetime(2026, 5, 10, 10, 26, tzinfo=UTC)  # 10:21 < 10:21:30 is outside
    assert len(slots) == 20


def test_trailing_window_at_exact_minute_keeps_half_open_ends() -> None:
    start, end = trailing_window(datetime(2026, 5, 10, 12, 21, tzinfo=UTC), timedelta(hours=1), timedelta(minutes=20))
    slots = scan_times(Sector.CONUS, start, end)
    assert slots[0] == datetime(2026, 5, 10, 11, 21, tzinfo=UTC)  # start included
    assert slots[-1] == datetime(2026, 5, 10, 11, 56, tzinfo=UTC)  # 12:01 = now - latency excluded


def test_naive_now_is_utc() -> None:
    aware = trailing_window(T, timedelta(hours=1), timedelta(minutes=20))
    assert trailing_window(T.replace(tzinfo=None), timedelta(hours=1), timedelta(minutes=20)) == aware


def test_next_tick_aligns_to_the_period() -> None:
    assert next_tick(datetime(2026, 5, 10, 12, 3, 27, tzinfo=UTC), 10 * MIN) == T.replace(minute=10)
    assert next_tick(T, 10 * MIN) == T.replace(minute=10)  # strictly after
    assert next_tick(T, timedelta(hours=1)) == T.replace(hour=13)
    assert next_tick(datetime(2026, 5, 10, 23, 59, tzinfo=UTC), 10 * MIN) == datetime(2026, 5, 11, tzinfo=UTC)


def test_next_run_backs_off_after_consecutive_failures() -> None:
    every, cap = 10 * MIN, timedelta(hours=1)
    done = T + 30 * timedelta(seconds=1)
    assert next_run_time(T, done, every, 0, cap) == T + 10 * MIN
    assert next_run_time(T, done, every, 1, cap) == T + 10 * MIN  # first failure: just the next period
    assert next_run_time(T, done, every, 2, cap) == T + 20 * MIN
    assert next_run_time(T, done, every, 3, cap) == T + 40 * MIN
    assert next_run_time(T, done, every, 4, cap) == T + 60 * MIN  # capped at 1 h = 6 periods
    assert next_run_time(T, done, every, 50, cap) == T + 60 * MIN
    # a cap below one period still waits one period
    assert next_run_time(T, done, every, 5, timedelta(minutes=1)) == T + 10 * MIN


def test_next_run_skips_ticks_a_long_cycle_overran() -> None:
    done = T + 25 * MIN
    assert next_run_time(T, done, 10 * MIN, 0, timedelta(hours=1)) == T + 30 * MIN


def config(**kw: object) -> WatchConfig:
    return WatchConfig(Path("."), SatellitePattern.GOES_19, **kw)  # type: ignore[arg-type]


def test_config_defaults() -> None:
    cfg = config().validate()
    assert cfg.latency == timedelta(minutes=20)
    assert cfg.sector is Sector.CONUS and cfg.band == 13
    assert cfg.keep_days is None and not cfg.dry_run


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"window": timedelta(minutes=10)}, "longer than the latency"),
        ({"keep_days": 0.5}, "shorter than the window"),
        ({"keep_days": 0}, "positive"),
        ({"dry_run": True}, "add --keep"),
        ({"every": timedelta(0)}, "at least 1 second"),
        ({"band": 17}, "not an ABI band"),
        ({"latency": -MIN}, "negative"),
    ],
)
def test_config_rejects(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config(**kw).validate()


def test_generic_satellite_is_refused() -> None:
    with pytest.raises(ValueError, match="real satellite"):
        WatchConfig(Path("."), SatellitePattern.GENERIC).validate()
