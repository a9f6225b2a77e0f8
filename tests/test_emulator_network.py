"""The emulator's network conditions: a delay per request and a bandwidth per connection, on both servers.

Timings are checked loosely (a lower bound the server must respect, a generous upper bound): this is a shared
machine, and no test asserts a tight wall-clock time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aioboto3
import aiohttp
import botocore
import pytest
from botocore.config import Config

from goesvfi.integrity_check.emulator.network import NetworkConditions
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator

Make = Callable[..., NoaaEmulator]


def unsigned_client(endpoint: str):  # type: ignore[no-untyped-def]
    config = Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1})
    return aioboto3.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1", config=config)


async def _cdn_get(url: str) -> tuple[float, int]:
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.get(url) as resp:
            resp.raise_for_status()
            body = await resp.read()
        return time.monotonic() - started, len(body)


def _frame_url(emu: NoaaEmulator, size: str = "2500x1500") -> str:
    slot = emu.cdn_slots[0]
    return f"{emu.cdn_url}/GOES18/ABI/CONUS/13/{slot:%Y%j%H%M}_GOES18-ABI-CONUS-13-{size}.jpg"


def test_conditions_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="latency"):
        NetworkConditions(latency=-1)
    with pytest.raises(ValueError, match="bandwidth"):
        NetworkConditions(bandwidth=0)
    assert NetworkConditions(0.06, 20e6).describe() == "60 ms per request, 20 MB/s per connection"


@pytest.mark.slow
async def test_cdn_latency_delays_each_request(noaa_emulator_factory: Make) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0, latency=0.3)
    assert emu.network.latency == 0.3
    index = f"{emu.cdn_url}/GOES18/ABI/CONUS/13/"
    slow, _ = await _cdn_get(index)
    assert slow >= 0.3  # the latency is a sleep: a lower bound no load breaks
    emu.network.set(0.0)  # changeable while serving
    fast = min([(await _cdn_get(index))[0] for _ in range(3)])  # the best of three: one stall does not count
    assert fast < slow / 2  # a ratio, not a clock threshold


@pytest.mark.slow
async def test_cdn_bandwidth_throttles_the_body(noaa_emulator_factory: Make) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    url = _frame_url(emu, "416x250")
    _, size = await _cdn_get(url)  # renders the frame once, unthrottled
    rate = size / 0.5  # the body should take about half a second
    emu.network.set(bandwidth=rate)
    throttled, got = await _cdn_get(url)
    assert got == size
    assert throttled >= 0.45  # paced: a lower bound no load breaks
    emu.network.set()
    free = min([(await _cdn_get(url))[0] for _ in range(3)])  # the best of three: one stall does not count
    assert free < throttled / 2


@pytest.mark.slow
async def test_cdn_bandwidth_is_per_connection(noaa_emulator_factory: Make) -> None:
    """Four bodies at once over four connections take about as long as one (not four times as long)."""
    emu = noaa_emulator_factory(missing_fraction=0.0)
    url = _frame_url(emu, "416x250")
    _, size = await _cdn_get(url)
    emu.network.set(bandwidth=size / 1.0)  # each body takes a second: four back to back would take 4 s
    one, _ = await _cdn_get(url)
    assert one >= 0.9
    started = time.monotonic()
    results = await asyncio.gather(*(_cdn_get(url) for _ in range(4)))
    seconds = time.monotonic() - started
    assert all(got == size for _, got in results)
    assert seconds < 2.5 * one  # as a ratio of one body's time: four shared connections would be about 4 x


@pytest.mark.slow
async def test_s3_latency_and_bandwidth(noaa_emulator_factory: Make) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0, latency=0.25)
    key = emu.s3_keys[emu.s3_slots[0]]
    async with unsigned_client(emu.s3_endpoint) as s3:
        started = time.monotonic()
        await s3.list_objects_v2(Bucket=emu.bucket, Prefix=key.rsplit("/", 1)[0] + "/")
        assert 0.25 <= time.monotonic() - started < 10  # a listing waits the latency

        emu.network.set(0.0)
        resp = await s3.get_object(Bucket=emu.bucket, Key=key)
        size = len(await resp["Body"].read())
        emu.network.set(0.0, size / 0.5)  # the body should take about half a second
        started = time.monotonic()
        resp = await s3.get_object(Bucket=emu.bucket, Key=key)
        assert len(await resp["Body"].read()) == size
        assert 0.3 <= time.monotonic() - started < 15


@pytest.mark.slow
def test_setup_is_not_delayed(noaa_emulator_factory: Make) -> None:
    """Uploading the archive goes at loopback speed; the conditions apply once it is served."""
    started = time.monotonic()
    emu = noaa_emulator_factory(missing_fraction=0.0, latency=1.0)
    assert time.monotonic() - started < 24 * 1.0  # 24 uploads (and a bucket check) would take 25 s delayed
    assert emu.network.latency == 1.0
