"""Import the core's heavy modules in a worker thread before the window's first scan or fetch needs them."""

from __future__ import annotations

import importlib

SCAN_MODULES = ("cache.db", "scan.reconciler", "fetch.manager")
REMOTE_SCAN_MODULES = ("remote.availability", "remote.cdn_store", "remote.s3_store")  # a scan that asks NOAA
FETCH_MODULES = ("remote.cdn_store", "remote.s3_store", "render.netcdf", "render.cdn_jpeg", "report")


def preload(modules: tuple[str, ...]) -> None:
    """Import core modules (and their heavy dependencies: botocore, netCDF4, PIL ...) in a worker thread.

    The core imports them lazily where it first needs them, which would be on the GUI thread, a freeze of up to
    a second on the first fetch. Importing them here first makes those later imports instant.
    """
    package = __name__.rsplit(".", 2)[0]
    for name in modules:  # remote.s3_store: aiohttp's import also builds its default SSL contexts (CA certificates)
        importlib.import_module(f"{package}.{name}")
    # aioboto3 and what a first S3 client imports are imported by the S3 store itself, in a worker thread, before
    # its first client (remote.s3_store._prepare_clients).
