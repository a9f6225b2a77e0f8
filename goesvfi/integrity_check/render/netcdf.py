"""ABI L1b NetCDF -> brightness temperature -> PNG (no Qt; every function blocks: call it via asyncio.to_thread)."""

from __future__ import annotations

import threading

NETCDF_LOCK = threading.Lock()
"""HDF5 (under netCDF4) is not thread-safe: every open/read/write of a NetCDF file in this process holds it."""


class RenderError(Exception):
    """A NetCDF or JPEG file that cannot be decoded or rendered; ``str(error)`` is a message for the user."""
