"""moto's S3 server on 127.0.0.1, with a request log and fault injection, and NOAA-like scan start times.

The server is moto's own WSGI app (the one ``moto.server.ThreadedMotoServer`` runs) served by werkzeug in a
thread, wrapped in a small middleware that counts requests (e.g. ListObjectsV2 calls) and injects faults.
Objects are uploaded ``ACL="public-read"`` with a signed client (fake credentials, passed explicitly, never
taken from or written to the environment); the stores read them unsigned, as from NOAA's buckets.

moto keeps its state per process: one server per process should hold a given bucket at a time.
:meth:`MotoS3Server.stop` deletes the buckets it created so the next server starts clean.
"""

from __future__ import annotations

import fnmatch
import logging
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from goesvfi.integrity_check.emulator.faults import fault_due
from goesvfi.integrity_check.emulator.names import is_west, scan_mode
from goesvfi.integrity_check.emulator.names import utc as to_utc
from goesvfi.integrity_check.emulator.network import NetworkConditions
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Seconds after the slot minute at which real scans start (Mode 6 / Mode 3), e.g. CONUS 00:01:17.3.
# Mesoscale 2 starts a few seconds before its minute, so a store that matched by minute would miss it.
_START_OFFSET = {
    (Sector.CONUS, 6): 17.3, (Sector.CONUS, 3): 19.9,
    (Sector.FULL_DISK, 6): 20.4, (Sector.FULL_DISK, 3): 36.6,
    (Sector.MESO1, 6): 24.6, (Sector.MESO1, 3): 24.6,
    (Sector.MESO2, 6): -5.2, (Sector.MESO2, 3): -5.2,
}  # fmt: skip


def scan_start(satellite: SatellitePattern, sector: Sector, slot: datetime, rng: random.Random) -> datetime:
    """A realistic scan start for ``slot``: the sector/mode offset, a per-satellite shift, jitter; tenths."""
    slot = to_utc(slot)
    mode = scan_mode(slot)
    west = is_west(satellite)
    seconds = _START_OFFSET[(sector, mode)] + (-0.1 if west else 0.0) + rng.uniform(-0.3, 0.3)
    return slot + timedelta(milliseconds=100 * round(seconds * 10))


class S3FaultKind(Enum):
    STATUS = "status"  # an S3 error document (``code``, ``status``)
    DROP = "drop"  # the real response's headers and half its body, then the connection is closed
    STALL = "stall"  # sleep ``delay`` seconds, then answer normally


@dataclass
class S3Fault:
    """A fault for requests whose ``/{bucket}/{key}`` path matches ``path`` and whose query string contains
    ``query`` (``"list-type=2"`` = ListObjectsV2). Every ``every``-th match, at most ``times`` (None: no limit).
    """

    kind: S3FaultKind
    path: str = "*"
    query: str = ""
    status: int = 503
    code: str = "SlowDown"
    delay: float = 0.0
    times: int | None = None
    every: int = 1
    seen: int = field(default=0, init=False)
    applied: int = field(default=0, init=False)

    def _fires(self, path: str, query: str) -> bool:
        if not fnmatch.fnmatchcase(path, self.path) or self.query not in query:
            return False
        return fault_due(self)


class MotoS3Server:
    """``start()``/``stop()``; ``endpoint``; ``inject()`` faults; ``request_count()`` from the request log."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        network: NetworkConditions | None = None,
    ) -> None:
        self.host, self.port, self.region = host, port, region
        self.network = network or NetworkConditions()  # latency and bandwidth (changeable while serving)
        self.requests: Counter[tuple[str, str, str]] = Counter()  # (method, path, query)
        self.buckets: set[str] = set()
        self._faults: list[S3Fault] = []
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the S3 emulator is not running: call start() first")
        return f"http://{self.host}:{self.port}"

    # ---- faults and request log ---------------------------------------------------------------------

    def inject(self, fault: S3Fault) -> S3Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def request_count(self, method: str = "*", path: str = "*", query: str = "") -> int:
        with self._lock:
            return sum(
                n
                for (m, p, q), n in self.requests.items()
                if fnmatch.fnmatchcase(m, method) and fnmatch.fnmatchcase(p, path) and query in q
            )

    def list_count(self, bucket: str = "*") -> int:
        """How many ListObjectsV2 requests reached the server (for ``bucket``)."""
        return self.request_count("GET", f"/{bucket}", "list-type=2")

    def _middleware(self, app: WsgiApp) -> WsgiApp:
        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
            query = environ.get("QUERY_STRING", "")
            with self._lock:
                self.requests[(method, path, query)] += 1
                fault = next((f for f in self._faults if f._fires(path, query)), None)
            self.network.delay_blocking()  # werkzeug serves each connection in its own thread
            if fault is None:
                return self.network.pace_blocking(app(environ, start_response))
            if fault.kind is S3FaultKind.STALL:
                time.sleep(fault.delay)
                return self.network.pace_blocking(app(environ, start_response))
            if fault.kind is S3FaultKind.STATUS:
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
                    f"{fault.code}</Code><Message>Emulated fault</Message></Error>"
                ).encode()
                start_response(f"{fault.status} Emulated", [("Content-Type", "application/xml")])
                return [body]
            return _dropped(app, environ, start_response)

        return wrapped

    # ---- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> MotoS3Server:
        if self._server is not None:
            return self
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on stderr
        app = self._middleware(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="s3-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        try:
            self._delete_buckets()
        finally:
            server.shutdown()
            server.server_close()
            if self._thread is not None:
                self._thread.join()
            self._client = None

    def __enter__(self) -> MotoS3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- content ------------------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """A signed boto3 client for setting up content (fake credentials, given explicitly)."""
        if self._client is None:
            import boto3

            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint,
                region_name=self.region,
                aws_access_key_id="emulator",
                aws_secret_access_key="emulator",
            )
        return self._client

    def create_bucket(self, bucket: str) -> None:
        """Create ``bucket``; refuse one that exists already (us-east-1 would silently 'create' it again)."""
        import botocore.exceptions

        try:
            self.client.head_bucket(Bucket=bucket)
        except botocore.exceptions.ClientError:
            self.client.create_bucket(Bucket=bucket, ACL="public-read")
            self.buckets.add(bucket)
            return
        raise RuntimeError(
            f"bucket {bucket} already exists in this process's moto state: stop the other emulator first"
        )

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read")

    def _delete_buckets(self) -> None:
        for bucket in sorted(self.buckets):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            keys = [obj["Key"] for page in pages for obj in page.get("Contents", ())]
            for i in range(0, len(keys), 1000):
                chunk = [{"Key": k} for k in keys[i : i + 1000]]
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            self.client.delete_bucket(Bucket=bucket)
        self.buckets.clear()


def _dropped(app: WsgiApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    """Send the real response's headers and half its body, then close the connection."""
    captured: list[Any] = []
    body = b"".join(app(environ, lambda status, headers, *a: captured.append((status, headers))))
    status, headers = captured[0]
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    yield body[: len(body) // 2]
    sock: socket.socket | None = environ.get("werkzeug.socket")
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("emulated connection drop")
