"""pytest fixtures for the local NOAA emulator (loaded with ``pytest_plugins`` from ``tests/conftest.py``).

- ``noaa_emulator_factory``: ``make(**kwargs) -> NoaaEmulator``, started; every one is stopped at teardown.
  Defaults: GOES-18 CONUS band 13, 2023-05-01 00:00-02:00 UTC, ``now`` = the end (the CDN still has every
  frame), NetCDF 60 x 100, 5 % of slots absent on each side (seeded).
- ``noaa_emulator``: one emulator with those defaults.
- ``noaa_env_factory``: ``make(**kwargs)`` as ``noaa_emulator_factory``, and ``GOESVFI_CDN_URL`` /
  ``GOESVFI_S3_ENDPOINT`` set for the test to the emulator made (the product finds it with no other setting).
- ``noaa_env``: ``noaa_emulator`` with that environment.

moto keeps one state per process: two emulators of the same satellite cannot run at the same time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator

EMULATOR_START = datetime(2023, 5, 1, tzinfo=UTC)
EMULATOR_END = EMULATOR_START + timedelta(hours=2)


@pytest.fixture
def noaa_emulator_factory() -> Iterator[Callable[..., NoaaEmulator]]:
    started: list[NoaaEmulator] = []

    def make(**kwargs: Any) -> NoaaEmulator:
        kwargs.setdefault("start", EMULATOR_START)
        kwargs.setdefault("end", EMULATOR_END)
        kwargs.setdefault("now", kwargs["end"])
        kwargs.setdefault("nc_shape", (60, 100))
        kwargs.setdefault("missing_fraction", 0.05)
        emulator = NoaaEmulator(**kwargs)
        emulator.start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in reversed(started):
        emulator.stop()


@pytest.fixture
def noaa_emulator(noaa_emulator_factory: Callable[..., NoaaEmulator]) -> NoaaEmulator:
    return noaa_emulator_factory()


def point_env_at(emulator: NoaaEmulator, monkeypatch: pytest.MonkeyPatch) -> NoaaEmulator:
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    return emulator


@pytest.fixture
def noaa_env_factory(
    noaa_emulator_factory: Callable[..., NoaaEmulator], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., NoaaEmulator]:
    def make(**kwargs: Any) -> NoaaEmulator:
        return point_env_at(noaa_emulator_factory(**kwargs), monkeypatch)

    return make


@pytest.fixture
def noaa_env(noaa_emulator: NoaaEmulator, monkeypatch: pytest.MonkeyPatch) -> NoaaEmulator:
    return point_env_at(noaa_emulator, monkeypatch)
