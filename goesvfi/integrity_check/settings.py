"""Fetch settings: endpoints, CDN size and cutoff, concurrency, retries, rendering, disk guard, folder lock.

Every endpoint is a setting defaulting to NOAA's real one; ``GOESVFI_CDN_URL`` and ``GOESVFI_S3_ENDPOINT``
override the defaults. Pure: no I/O beyond reading the environment when asked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from goesvfi.integrity_check.time_index import DEFAULT_CDN_URL

DEFAULT_S3_ENDPOINT = "https://s3.us-east-1.amazonaws.com"
DEFAULT_S3_REGION = "us-east-1"
GIB = 1024**3


@dataclass(frozen=True, slots=True)
class FetchSettings:
    cdn_url: str = DEFAULT_CDN_URL
    s3_endpoint: str = DEFAULT_S3_ENDPOINT
    s3_region: str = DEFAULT_S3_REGION
    cdn_size: tuple[int, int] | None = None  # None: the sector's default (CONUS 2500x1500, FD 1808x1808)
    cdn_days: float = 7.0  # slots newer than now - cdn_days come from the CDN first
    concurrency: int = 8
    retries: int = 4  # extra attempts after the first, on retryable errors
    backoff_base: float = 0.5  # seconds; doubled per attempt, with jitter
    backoff_max: float = 30.0
    timeout: float = 30.0  # seconds per request (connect + each read)
    deadline: float = 600.0  # seconds for one whole request (headers and body): a dripping server cannot hold it
    colormap: str = "gray_r"  # S3 renders with --allow-mixed only (otherwise the folder's look decides)
    # A NetCDF's Rad must span at least this share of its sector's and band's grid in each direction: NOAA's files
    # always span all of it; a mirror serving reduced files (the local emulator: 250 x 150 for 2500 x 1500) says so.
    netcdf_min_grid: float = 1.0
    look: str = "auto"  # an empty folder's look: auto (STAR's for bands 13-15, else the band's grey), cdn, grey, a map
    size: tuple[int, int] | None = None  # an empty folder's frame size; None: the CDN size (cdn_size or default)
    resample_cdn: bool = True  # a size the CDN lacks: resample CDN frames (False: such folders fetch from S3 only)
    allow_mixed: bool = False  # the old behaviour: each source's own look and size (CDN colour, S3 colormap)
    vmin: float = 180.0  # kelvin
    vmax: float = 330.0
    disk_threshold: int = GIB  # bytes of free space to keep on the target
    lock_wait: float = 3600.0  # seconds a fetch waits for another fetch into the same folder to finish
    max_rate: float | None = None  # bytes per second for every download of the process together; None: no cap
    min_rate: float = 1000.0  # bytes per second a body must keep up over min_rate_window (0: no minimum)
    min_rate_window: float = 60.0  # seconds

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> FetchSettings:
        """Defaults, then ``GOESVFI_CDN_URL`` / ``GOESVFI_S3_ENDPOINT`` / ``GOESVFI_NETCDF_MIN_GRID``, then explicit
        overrides (None ignored)."""
        env = os.environ if env is None else env
        base = cls()
        if env.get("GOESVFI_CDN_URL"):
            base = replace(base, cdn_url=env["GOESVFI_CDN_URL"])
        if env.get("GOESVFI_S3_ENDPOINT"):
            base = replace(base, s3_endpoint=env["GOESVFI_S3_ENDPOINT"])
        if env.get("GOESVFI_NETCDF_MIN_GRID"):
            try:
                base = replace(base, netcdf_min_grid=float(env["GOESVFI_NETCDF_MIN_GRID"]))
            except ValueError:
                raise ValueError("GOESVFI_NETCDF_MIN_GRID must be a number between 0 and 1") from None
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **given)  # type: ignore[arg-type]

    def validate(self) -> FetchSettings:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.retries < 0:
            raise ValueError("retries cannot be negative")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.deadline <= 0:
            raise ValueError("the request deadline must be positive")
        check_endpoint(self.cdn_url, "CDN URL")
        check_endpoint(self.s3_endpoint, "S3 endpoint")
        if self.cdn_days < 0:
            raise ValueError("CDN cutoff days cannot be negative")
        if not 0 < self.netcdf_min_grid <= 1:
            raise ValueError("GOESVFI_NETCDF_MIN_GRID must be above 0 and at most 1")
        if self.vmin >= self.vmax:
            raise ValueError("colour range: the minimum must be below the maximum")
        if not self.look.strip():
            raise ValueError("the look needs a name: cdn, grey or a colour map")
        if self.size is not None and not (self.size[0] > 0 and self.size[1] > 0):
            raise ValueError("the frame size must be positive")
        if self.disk_threshold < 0:
            raise ValueError("disk threshold cannot be negative")
        if self.lock_wait < 0:
            raise ValueError("the lock wait cannot be negative")
        if self.max_rate is not None and self.max_rate <= 0:
            raise ValueError("the bandwidth cap must be more than 0 bytes per second")
        if self.min_rate < 0 or self.min_rate_window <= 0:
            raise ValueError("the minimum rate cannot be negative and its window must be positive")
        return self


def check_endpoint(url: str, what: str = "endpoint") -> str:
    """Refuse at once what is not an ``http://`` or ``https://`` URL with a host (``file://``, ``ftp://``, typos):
    a ValueError naming the setting, never thousands of per-slot failures. Credentials are never echoed."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"the {what} {redact_url(url)!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the {what} {redact_url(url)!r} must be an http:// or https:// URL with a host")
    return url


def redact_url(url: str) -> str:
    """``url`` without its user info (``http://user:secret@host`` -> ``http://***@host``): for everything shown
    or stored (messages, CSV, fetch log, cache keys)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>" if "@" in url else url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def url_credentials(url: str) -> tuple[str, str] | None:
    """(user, password) from ``url``'s user info (percent-decoded), or None."""
    from urllib.parse import unquote

    parts = urlsplit(url)
    if parts.username is None:
        return None
    return unquote(parts.username), unquote(parts.password or "")


def strip_credentials(url: str) -> str:
    """``url`` without its user info at all (the form requests are built from, with the credentials sent as
    an Authorization header instead)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def scrub_secrets(text: str, url: str) -> str:
    """``text`` with ``url``'s user info (and its password alone) replaced by ``***``: for messages that may
    quote a library's error, which can carry the URL as given."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return text
    userinfo = parts.netloc.rsplit("@", 1)[0]
    text = text.replace(userinfo + "@", "***@")
    if parts.password and len(parts.password) >= 3:
        text = text.replace(parts.password, "***")
    return text
