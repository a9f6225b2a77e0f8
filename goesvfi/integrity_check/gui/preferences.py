"""The tab's persisted preferences: fetch settings (per-sector CDN size) and the last inputs, in QSettings.

Keys live under the ``integrity_check/`` group of the host application's QSettings (the organisation and
application names are the host's), so GOES-VFI and the standalone window keep their own copies.
Environment variables ``GOESVFI_CDN_URL`` and ``GOESVFI_S3_ENDPOINT`` win over saved endpoints for the
session (the settings dialog shows them locked) and are never written back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import TypeVar

from PyQt6.QtCore import QSettings

from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import CDN_SIZES, DEFAULT_CDN_SIZE, Sector, parse_size

GROUP = "integrity_check"
E = TypeVar("E", bound=Enum)
ENV_KEYS = {"cdn_url": "GOESVFI_CDN_URL", "s3_endpoint": "GOESVFI_S3_ENDPOINT"}
# FetchSettings field -> (QSettings key, type); cdn_size is per sector (below).
SETTING_KEYS: dict[str, tuple[str, type]] = {
    "cdn_url": ("cdn/url", str),
    "cdn_days": ("cdn/days", float),
    "s3_endpoint": ("s3/endpoint", str),
    "concurrency": ("fetch/concurrency", int),
    "retries": ("fetch/retries", int),
    "timeout": ("fetch/timeout", float),
    "colormap": ("render/colormap", str),
    "vmin": ("render/vmin", float),
    "vmax": ("render/vmax", float),
    "disk_threshold": ("disk/threshold_bytes", int),
    "look": ("look/name", str),
    "allow_mixed": ("look/allow_mixed", bool),
    "resample_cdn": ("look/resample_cdn", bool),
}
LOOK_SIZE_KEY = "look/size"  # an empty folder's frame size, "WxH"; "" = the CDN size
MAX_RATE_KEY = "fetch/max_rate"  # the bandwidth cap, bytes per second; 0 = no cap (FetchSettings.max_rate None)
SIZE_KEYS = {Sector.CONUS: "cdn/size_conus", Sector.FULL_DISK: "cdn/size_fd"}


def _default_sizes() -> dict[Sector, tuple[int, int]]:
    return dict(DEFAULT_CDN_SIZE)


@dataclass(frozen=True)
class Preferences:
    """Fetch settings plus the CDN image size for each sector the CDN serves."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    cdn_sizes: dict[Sector, tuple[int, int]] = field(default_factory=_default_sizes)

    def for_sector(self, sector: Sector) -> FetchSettings:
        """The settings a fetch of ``sector`` uses (its CDN size; None for sectors the CDN lacks)."""
        return replace(self.fetch, cdn_size=self.cdn_sizes.get(sector))

    def cdn_cutoff(self, sector: Sector, now: datetime) -> datetime | None:
        """Frames of ``sector`` older than this come from S3 (None when the sector has no CDN images)."""
        return None if sector.cdn_dir is None else now - timedelta(days=self.fetch.cdn_days)


def _as_bool(value: object) -> bool:
    """A saved flag: QSettings gives ``bool`` from native stores and ``"true"``/``"false"`` from INI files."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"not a flag: {value!r}")


def env_locked(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """FetchSettings fields set by the environment: field -> variable name."""
    env = os.environ if env is None else env
    return {name: var for name, var in ENV_KEYS.items() if env.get(var)}


def load_preferences(settings: QSettings, env: Mapping[str, str] | None = None) -> Preferences:
    """Defaults and the environment's (``FetchSettings.from_env``: endpoints, a mirror's reduced NetCDF grids),
    then saved values, then the environment's endpoints again. Bad saved values fall back to defaults."""
    env = os.environ if env is None else env
    try:
        base = FetchSettings.from_env(env)
    except ValueError:  # a bad GOESVFI_NETCDF_MIN_GRID: NOAA's rule
        base = FetchSettings()
    values: dict[str, object] = {}
    settings.beginGroup(GROUP)
    try:
        for name, (key, kind) in SETTING_KEYS.items():
            if settings.contains(key):
                try:
                    values[name] = _as_bool(settings.value(key)) if kind is bool else kind(settings.value(key))
                except (TypeError, ValueError):
                    continue
        with contextlib.suppress(TypeError, ValueError):  # a bad saved cap: no cap
            rate = float(settings.value(MAX_RATE_KEY, 0) or 0)
            if rate > 0:
                values["max_rate"] = rate
        size_text = settings.value(LOOK_SIZE_KEY)
        if isinstance(size_text, str) and size_text.strip():
            with contextlib.suppress(ValueError):  # a bad saved size: the default
                values["size"] = parse_size(size_text)
        sizes = _default_sizes()
        for sector, key in SIZE_KEYS.items():
            text = settings.value(key)
            if isinstance(text, str):
                try:
                    size = parse_size(text)
                except ValueError:
                    continue
                if size in CDN_SIZES[sector]:
                    sizes[sector] = size
    finally:
        settings.endGroup()
    for name, var in env_locked(env).items():
        values[name] = env[var]
    try:
        fetch = replace(base, **values).validate()  # type: ignore[arg-type]
    except ValueError:
        fetch = FetchSettings.from_env(env)
    return Preferences(fetch, sizes)


def save_preferences(settings: QSettings, prefs: Preferences, env: Mapping[str, str] | None = None) -> None:
    locked = env_locked(env)
    settings.beginGroup(GROUP)
    try:
        for item in fields(FetchSettings):
            if item.name in SETTING_KEYS and item.name not in locked:
                settings.setValue(SETTING_KEYS[item.name][0], getattr(prefs.fetch, item.name))
        for sector, key in SIZE_KEYS.items():
            width, height = prefs.cdn_sizes.get(sector, DEFAULT_CDN_SIZE[sector])
            settings.setValue(key, f"{width}x{height}")
        settings.setValue(MAX_RATE_KEY, float(prefs.fetch.max_rate or 0))
        size = prefs.fetch.size
        settings.setValue(LOOK_SIZE_KEY, "" if size is None else f"{size[0]}x{size[1]}")
    finally:
        settings.endGroup()
    settings.sync()


def load_value(settings: QSettings, key: str, default: object) -> object:
    """One of the tab's own values (``ui/...``) with the type of ``default``; ``default`` when unusable."""
    value = settings.value(f"{GROUP}/{key}")
    if value is None:
        return default
    try:
        return int(value) if isinstance(default, int) else str(value)
    except (TypeError, ValueError):
        return default


def load_enum(settings: QSettings, key: str, default: E) -> E:
    """An enum member saved by value (``ui/satellite`` = ``goes18``); ``default`` when missing or unknown."""
    try:
        return type(default)(load_value(settings, key, default.value))
    except ValueError:
        return default


def save_values(settings: QSettings, values: Mapping[str, object]) -> None:
    for key, value in values.items():
        settings.setValue(f"{GROUP}/{key}", value)
    settings.sync()
