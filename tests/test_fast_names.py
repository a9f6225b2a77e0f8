"""The scan's fast name parsing gives exactly ``time_index.parse_name``'s answers, and the vectorised interval
detection the answers of README's rule written again slowly (``tests.names_support.interval_and_phase``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goesvfi.integrity_check.scan.coverage import detect_interval_ms
from goesvfi.integrity_check.scan.fast_names import (
    NameParser,
    canonical_names,
    pack_key,
    parse_canonical_batch,
    unpack_key,
)
from goesvfi.integrity_check.time_index import (
    CDN_SIZES,
    EPOCH,
    NameKind,
    SatellitePattern,
    Sector,
    parse_name,
)
from tests.names_support import cdn_name, interval_and_phase, l1b_name, png_name

REAL = SatellitePattern.real()
stamps = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))


@st.composite
def real_names(draw: st.DrawFn) -> str:
    sat = draw(st.sampled_from(REAL))
    ts = draw(stamps).replace(microsecond=0)
    kind = draw(st.sampled_from(["canonical", "cdn", "noaa", "legacy"]))
    if kind == "canonical":
        return png_name(sat, draw(st.sampled_from(list(Sector))), draw(st.integers(1, 16)), ts)
    if kind == "cdn":
        sector = draw(st.sampled_from([Sector.CONUS, Sector.FULL_DISK]))
        size = draw(st.sampled_from(CDN_SIZES[sector]))
        return cdn_name(sat, sector, draw(st.integers(1, 16)), ts, size)
    if kind == "noaa":
        ts = min(ts, datetime(9999, 12, 31, 23, 50))
        return l1b_name(sat, draw(st.sampled_from(list(Sector))), draw(st.integers(1, 16)), ts)
    return f"{sat.value}_frame_{ts:%Y%m%dT%H%M%S}Z.png"


@st.composite
def mutated_names(draw: st.DrawFn) -> str:
    """Real names with damage: changed characters (digits, letters, Unicode digits), cuts, additions."""
    name = draw(real_names())
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(name) - 1))
        op = draw(st.sampled_from(["digit", "char", "cut", "insert", "unicode"]))
        if op == "digit":
            name = name[:i] + draw(st.sampled_from("0123456789")) + name[i + 1 :]
        elif op == "char":
            name = name[:i] + draw(st.characters(codec="utf-8", exclude_characters="/\0")) + name[i + 1 :]
        elif op == "cut":
            name = name[:i] + name[i + 1 :]
        elif op == "insert":
            name = name[:i] + draw(st.sampled_from("0_x9T.\n")) + name[i:]
        else:
            name = name[:i] + "\u0663" + name[i + 1 :]  # ARABIC-INDIC DIGIT THREE: \d matches it
    return name or "x"


def reference(name: str) -> tuple[int, int] | None:
    parsed = parse_name(name)
    if parsed is None:
        return None
    ms = (parsed.timestamp - EPOCH) // timedelta(milliseconds=1)
    return ms, pack_key(parsed.satellite, parsed.sector, parsed.band, parsed.kind)


def fast(names: list[str]) -> list[tuple[int, int] | None]:
    ok, times, keys = parse_canonical_batch(names)
    parser = NameParser()
    out: list[tuple[int, int] | None] = []
    for i, name in enumerate(names):
        out.append((int(times[i]), int(keys[i])) if ok[i] else parser.parse(name))
    return out


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(real_names(), mutated_names()), min_size=1, max_size=10))
def test_fast_parsing_equals_parse_name(names: list[str]) -> None:
    assert fast(names) == [reference(n) for n in names]


@settings(max_examples=100)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/\0"), max_size=60), max_size=20))
def test_fast_parsing_of_arbitrary_text(names: list[str]) -> None:
    names = [n for n in names if n]
    assert fast(names) == [reference(n) for n in names]


def test_vectorised_path_takes_canonical_names() -> None:
    names = [
        "goes18_conus_C13_20230501T000100Z.png",
        "goes16_fd_C07_20000229T235959Z.png",
        "goes19_m2_C00_00010101T000000Z.png",
        "goes17_m1_C99_99991231T235959Z.png",
        "goes18_conus_C13_20230229T000100Z.png",  # no Feb 29 in 2023
        "goes18_conus_C13_20230501T000100Z.png\n",
    ]
    ok, times, keys = parse_canonical_batch(names)
    assert ok.tolist() == [True, True, True, True, False, False]
    assert int(times[0]) == int(datetime(2023, 5, 1, 0, 1, tzinfo=UTC).timestamp()) * 1000
    assert unpack_key(int(keys[1])) == (SatellitePattern.GOES_16, Sector.FULL_DISK, 7, NameKind.CANONICAL)
    assert canonical_names(times[:4], keys[:4]) == names[:4]


@given(st.lists(real_names(), max_size=30))
def test_canonical_names_rebuild_the_originals(names: list[str]) -> None:
    ok, times, keys = parse_canonical_batch(names)
    assert canonical_names(times[ok], keys[ok]) == [n for n, good in zip(names, ok.tolist(), strict=True) if good]


@pytest.mark.slow
@settings(max_examples=200)
@given(
    st.lists(
        st.datetimes(min_value=datetime(2017, 1, 1), max_value=datetime(2017, 1, 3)).map(
            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=UTC)
        ),
        max_size=60,
    ),
    st.integers(1, 30),
)
def test_vectorised_detection_follows_the_rule(times: list[datetime], default: int) -> None:
    ms = np.array([(t - EPOCH) // timedelta(milliseconds=1) for t in times], dtype=np.int64)
    assert detect_interval_ms(ms, default) == interval_and_phase(times, default)


@given(st.lists(st.sampled_from([0, 5, 10, 15, 20, 35, 40]), min_size=3, max_size=12))
def test_detection_ties_follow_counter_order(offsets: list[int]) -> None:
    base = datetime(2023, 5, 1, tzinfo=UTC)
    times = [base + timedelta(minutes=m) for m in offsets]
    ms = np.array([(t - EPOCH) // timedelta(milliseconds=1) for t in times], dtype=np.int64)
    assert detect_interval_ms(ms, 5) == interval_and_phase(times, 5)


@pytest.mark.parametrize(
    "name", ["20231210001_GOES18-ABI-CONUS-2-2500x1500.jpg", "20231210001_GOES18-ABI-CONUS-02-416x250.jpg"]
)
def test_old_unpadded_cdn_band_names_parse(name: str) -> None:
    """docs/internals.md (Names): the CDN's older one-digit band names still parse, by both parsers, as band 2."""
    when = datetime(2023, 5, 1, 0, 1, tzinfo=UTC)  # day 121 of 2023, 00:01
    parsed = parse_name(name)
    assert parsed is not None
    assert (parsed.timestamp, parsed.satellite, parsed.sector, parsed.band, parsed.kind) == (
        when,
        SatellitePattern.GOES_18,
        Sector.CONUS,
        2,
        NameKind.CDN,
    )
    fast = NameParser().parse(name)
    assert fast is not None
    assert fast[0] == (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    assert unpack_key(fast[1]) == (SatellitePattern.GOES_18, Sector.CONUS, 2, NameKind.CDN)
