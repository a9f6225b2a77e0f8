"""Sizes and durations as people read and type them: ``1.5 GB``, ``2 h 05 min``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["format_bytes", "format_duration", "parse_duration", "readable_duration"]


def format_bytes(count: float) -> str:
    """``1.5 GB``, ``812 MB``: binary units with the usual short names."""
    value = float(count)
    units = ("B", "KB", "MB", "GB", "TB")
    index = 0
    while abs(value) >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    return f"{value:.1f} {units[index]}" if index >= 3 else f"{value:.0f} {units[index]}"


def readable_duration(delta: timedelta) -> str:
    """``45 min``, ``2 h 05 min``, ``3 d 4 h``: for sentences."""
    minutes = round(delta.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``10m``, ``24h``, ``7d``, ``1h30m`` (a bare number is minutes) as a positive timedelta."""
    clean = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", clean):
        clean += "m"
    if not clean or not re.fullmatch(r"(?:\s*\d+(?:\.\d+)?\s*[smhd])+\s*", clean):
        raise ValueError(f"{text!r} is not a duration: use e.g. 90s, 10m, 24h, 7d or 1h30m")
    seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION_RE.findall(clean))
    if seconds <= 0:
        raise ValueError(f"{text!r}: the duration must be positive")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The short form :func:`parse_duration` reads: ``1d``, ``24h`` -> ``1d``, ``90s`` -> ``1m30s``."""
    seconds = round(value.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)
