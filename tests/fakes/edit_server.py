"""A real loopback HTTP server that behaves like an OpenAI-compatible `/images/edits` service.

Every test that talks HTTP uses it, so the backend is exercised through real sockets, real
multipart bodies and real event streams. It checks requests the way the service does
(`edit_rules`), answers with predictable edits (`painting`), records what it saw (`recorded`)
and misbehaves on cue (`faults`):

    with FakeEditServer(api_key="sk-test-123") as server:
        server.script(Fault.status(429, retry_after="1"), Fault.drop())
        ...  # point a backend at server.base_url
        assert server.edit_requests[0].fields["size"] == "1024x1024"

Standalone, for benchmarks: `python -m tests.fakes.edit_server [--port N] [--api-key K]` prints
`BASE_URL=...` and `API_KEY=...` and serves until terminated.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import secrets
import signal
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Literal

from tests.fakes.faults import Fault
from tests.fakes.painting import MAGENTA
from tests.fakes.recorded import RecordedRequest
from tests.fakes.service_handler import ServiceHandler

logger = logging.getLogger(__name__)

DEFAULT_API_KEY = "sk-test-fake-0123456789abcdef"
DEFAULT_MODELS = ("gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini", "gpt-image-2",
                  "azure/openai/gpt-image-1", "azure/openai/gpt-image-1.5")
_MAX_STORED_FILES = 256


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeEditServer) -> None:
        self.fake = fake
        super().__init__(address, ServiceHandler)

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-answer is business as usual here (drops, caps, cancels).
        logger.debug("fake edit server: connection from %s ended with an error", client_address,
                     exc_info=True)


@dataclass(frozen=True)
class Upload:
    """One file uploaded through `POST /v1/files`."""

    file_id: str
    data: bytes
    content_type: str
    filename: str
    purpose: str
    created_at: int
    expires_at: int | None

    def document(self) -> dict[str, object]:
        return {"id": self.file_id, "object": "file", "bytes": len(self.data), "created_at": self.created_at,
                "expires_at": self.expires_at, "filename": self.filename, "purpose": self.purpose,
                "status": "processed"}


class FakeEditServer:
    """A running fake of the edit service on 127.0.0.1; use as a context manager.

    Settings may be changed between requests: `result_mode` ("b64" or "url"), `colour` of the
    painted area, `spill` (fraction of protected pixels altered), `realistic` (the masked area
    continued from its surroundings instead of painted: tests/fakes/realistic.py), `url_host`
    (the host name put in result links, e.g. "localhost" to make them look foreign to a client
    of 127.0.0.1).
    """

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        port: int = 0,
        colour: tuple[int, int, int] = MAGENTA,
        spill: float = 0.0,
        result_mode: Literal["b64", "url"] = "b64",
        url_host: str | None = None,
        models: tuple[str, ...] = DEFAULT_MODELS,
        realistic: bool = False,
    ) -> None:
        self.api_key = api_key
        self.realistic = realistic
        self.colour = colour
        self.spill = spill
        self.result_mode = result_mode
        self.url_host = url_host
        self.models = models
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._files: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._uploads: dict[str, Upload] = {}  # the Files API: what clients uploaded
        self._counter = itertools.count(1)
        self._connections: set[socket.socket] = set()
        self._listener = _Listener(("127.0.0.1", port), self)
        self._thread: threading.Thread | None = None

    # --- Lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeEditServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._listener.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"fake-edit-server-{self.port}", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; slow answers are cut short and open connections are shut."""
        self.closing.set()
        if self._thread is not None:
            self._listener.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._listener.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FakeEditServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        return self._listener.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    # --- What tests use ------------------------------------------------------------------------

    def script(self, *faults: Fault) -> None:
        """Queue faults; each following request under /v1/ consumes one, in order."""
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def edit_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/images/edits")]

    def reset(self) -> None:
        """Forget recorded requests, queued faults and stored result files."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._files.clear()
            self._uploads.clear()

    # --- What the handler uses -----------------------------------------------------------------

    def next_request_id(self) -> str:
        with self._lock:
            return f"req_{next(self._counter)}"

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def store_file(self, data: bytes, content_type: str) -> str:
        file_id = f"file_{secrets.token_hex(8)}"
        with self._lock:
            self._files[file_id] = (data, content_type)
            while len(self._files) > _MAX_STORED_FILES:
                self._files.popitem(last=False)
        return file_id

    def stored_file(self, file_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._files.get(file_id)

    # --- The Files API -------------------------------------------------------------------------

    def upload(self, data: bytes, content_type: str, filename: str, purpose: str, lifetime_s: int | None
               ) -> Upload:
        created = int(time.time())
        upload = Upload(f"file-{secrets.token_hex(12)}", data, content_type, filename, purpose, created,
                        created + lifetime_s if lifetime_s is not None else None)
        with self._lock:
            self._uploads[upload.file_id] = upload
        return upload

    def uploaded(self, file_id: str) -> Upload | None:
        """The upload behind `file_id`, unless deleted or past its expiry."""
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is not None and upload.expires_at is not None and upload.expires_at <= time.time():
                del self._uploads[file_id]
                return None
            return upload

    def delete_upload(self, file_id: str) -> bool:
        with self._lock:
            return self._uploads.pop(file_id, None) is not None

    def expire_uploads(self) -> None:
        """Every uploaded file reaches its expiry now (as if a day went by)."""
        with self._lock:
            self._uploads.clear()

    @property
    def uploads(self) -> list[str]:
        """The ids of the files uploaded and not deleted."""
        with self._lock:
            return list(self._uploads)

    @property
    def upload_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/files")]

    def file_origin(self) -> str:
        return f"http://{self.url_host or '127.0.0.1'}:{self.port}"

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a fake /v1/images/edits on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    parser.add_argument("--api-key", default=None, help="the key clients must send (default: random)")
    parser.add_argument("--url", action="store_true", help="answer with result links instead of base64")
    args = parser.parse_args(argv)
    api_key = args.api_key or f"sk-fake-{secrets.token_hex(12)}"
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with FakeEditServer(api_key=api_key, port=args.port, result_mode="url" if args.url else "b64") as server:
        print(f"BASE_URL={server.base_url}", flush=True)
        print(f"API_KEY={api_key}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

__all__ = ["DEFAULT_API_KEY", "FakeEditServer", "Fault", "RecordedRequest", "main"]
