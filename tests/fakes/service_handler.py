"""One connection to the fake edit service: read, record, check, answer (or misbehave on cue).

Answers carry `x-request-id: req_<n>` always, error or not. Streams use chunked transfer
encoding like the real service; scripted faults replace or bend the normal answer.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import time
import zlib
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tests.fakes.edit_rules import ApiError, EditCall, check_edit, check_upload
from tests.fakes.faults import Fault
from tests.fakes.painting import output_size, render_output, usage_for
from tests.fakes.recorded import MultipartError, RecordedRequest, parse_multipart

if TYPE_CHECKING:
    from tests.fakes.edit_server import FakeEditServer

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 128 * 1024 * 1024
NOT_AN_IMAGE = b"This is plain text pretending to be a PNG."
_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
_BAD_GATEWAY_PAGE = (
    "<html><head><title>{status} Bad Gateway</title></head><body><center><h1>{status} {message}</h1>"
    "</center><hr><center>nginx</center></body></html>"
)


class ServiceHandler(BaseHTTPRequestHandler):
    """Serves `/v1/images/edits`, `/v1/models`, the Files API (`POST /v1/files`, `DELETE
    /v1/files/<id>`) and result files `/files/<id>.<ext>`."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-edit-service/1.0"
    timeout = 30  # an idle keep-alive connection is given up after this

    def setup(self) -> None:
        super().setup()
        self.fake.track(self.connection, open_=True)

    def finish(self) -> None:
        self.fake.track(self.connection, open_=False)
        super().finish()

    @property
    def fake(self) -> FakeEditServer:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("fake edit server: " + format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    do_PUT = do_DELETE = do_PATCH = do_POST

    # --- Routing -------------------------------------------------------------------------------

    def _serve(self) -> None:
        self.request_id = self.fake.next_request_id()
        self.fault: Fault | None = None
        body = self._read_body()
        if body is None:
            return
        recorded, problem = self._record(body)
        path = urlsplit(self.path).path
        if path.startswith("/files/") and self.command == "GET":
            return self._serve_file(path)
        if not path.startswith("/v1/"):
            return self._send_error(ApiError(404, f"Invalid URL ({self.command} {path})", code="not_found"))
        self.fault = self.fake.next_fault()
        if self.fault is not None and self._answer_fault_first(self.fault):
            return
        if not self._authorised():
            return
        if self.command == "POST" and path == "/v1/images/edits":
            return self._edit(recorded, problem)
        if self.command == "POST" and path == "/v1/files":
            return self._upload(recorded, problem)
        if self.command == "DELETE" and path.startswith("/v1/files/"):
            return self._delete_upload(path.removeprefix("/v1/files/"))
        if self.command == "GET" and path == "/v1/models":
            return self._send_json(200, {"object": "list", "data": [
                {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "fake"}
                for model in self.fake.models]})
        return self._send_error(ApiError(404, f"Invalid URL ({self.command} {path})", code="not_found"))

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None and "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        size = int(length or 0)
        if size > MAX_BODY_BYTES:
            self._send_error(ApiError(413, "Request entity too large.", code="payload_too_large"))
            self.close_connection = True
            return None
        return self.rfile.read(size)

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _record(self, body: bytes) -> tuple[RecordedRequest, str | None]:
        content_type = self.headers.get("Content-Type", "")
        parts, document, problem = (), None, None
        try:
            if content_type.startswith("multipart/"):
                parts = parse_multipart(body, content_type)
            elif content_type.startswith("application/json"):
                document = json.loads(body)
            elif self.command == "POST":
                problem = f"Unsupported content type '{content_type}'; send multipart/form-data or JSON."
        except (MultipartError, ValueError, UnicodeDecodeError) as exc:
            problem = f"The request body could not be parsed: {exc}."
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        recorded = RecordedRequest(method=self.command, path=urlsplit(self.path).path, headers=headers,
                                   parts=parts, json=document, body_size=len(body),
                                   received_at=time.monotonic())
        self.fake.record(recorded)
        return recorded, problem

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header == f"Bearer {self.fake.api_key}":
            return True
        if not header:
            message = ("You didn't provide an API key. You need to provide your API key in an Authorization "
                       "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        else:
            given = header.removeprefix("Bearer ").strip()
            masked = given[:3] + "*" * max(0, len(given) - 7) + given[-4:]
            message = f"Incorrect API key provided: {masked}. Check the key and try again."
        self._send_error(ApiError(401, message, code="invalid_api_key"))
        return False

    # --- Normal answers ------------------------------------------------------------------------

    def _edit(self, recorded: RecordedRequest, problem: str | None) -> None:
        if problem:
            return self._send_error(ApiError(400, problem, code="invalid_request"))
        try:
            call = check_edit(recorded, uploaded=self._uploaded_image)
        except ApiError as error:
            return self._send_error(error)
        seed = int(self.request_id.removeprefix("req_"))
        image = render_output(call, colour=self.fake.colour, spill=self.fake.spill, seed=seed,
                              realistic=self.fake.realistic)
        count = self.fault.size if self.fault is not None and self.fault.kind == "too_many" else call.n
        if call.stream:
            return self._stream(call, image, count)
        document = {"created": int(time.time()), "data": [self._item(call, image) for _ in range(count)],
                    **self._facts(call), "usage": usage_for(call)}
        self._send_json(200, document)

    def _uploaded_image(self, file_id: str) -> tuple[bytes, str] | None:
        upload = self.fake.uploaded(file_id)
        return None if upload is None else (upload.data, upload.content_type)

    def _upload(self, recorded: RecordedRequest, problem: str | None) -> None:
        if problem:
            return self._send_error(ApiError(400, problem, code="invalid_request"))
        try:
            file_part, purpose, lifetime = check_upload(recorded)
        except ApiError as error:
            return self._send_error(error)
        upload = self.fake.upload(file_part.data, file_part.content_type or "application/octet-stream",
                                  file_part.filename or "upload", purpose, lifetime)
        self._send_json(200, upload.document())

    def _delete_upload(self, file_id: str) -> None:
        if not self.fake.delete_upload(file_id):
            return self._send_error(ApiError(404, f"No such File object: {file_id}", param="id"))
        self._send_json(200, {"id": file_id, "object": "file", "deleted": True})

    def _facts(self, call: EditCall) -> dict[str, object]:
        width, height = output_size(call)
        return {
            "size": f"{width}x{height}",
            "quality": "medium" if call.quality == "auto" else call.quality,
            "background": "opaque" if call.background == "auto" else call.background,
            "output_format": call.output_format,
        }

    def _item(self, call: EditCall, image: bytes) -> dict[str, str]:
        kind = self.fault.kind if self.fault else None
        if kind == "missing_url":
            return {"url": f"{self.fake.file_origin()}/files/file_gone.{call.output_format}"}
        if kind != "not_an_image" and self.fake.result_mode == "url":
            file_id = self.fake.store_file(image, _CONTENT_TYPES[call.output_format])
            return {"url": f"{self.fake.file_origin()}/files/{file_id}.{call.output_format}"}
        return {"b64_json": self._b64(image)}

    def _b64(self, image: bytes) -> str:
        data = NOT_AN_IMAGE if self.fault and self.fault.kind == "not_an_image" else image
        return base64.b64encode(data).decode("ascii")

    def _stream(self, call: EditCall, image: bytes, count: int) -> None:
        facts = {"created_at": int(time.time()), **self._facts(call)}
        failing = self.fault if self.fault and self.fault.kind in ("sse_error", "drop") else None
        partials = max(1, failing.after_partials) if failing and failing.kind == "drop" else (
            failing.after_partials if failing else call.partial_images)
        self._start_chunks("text/event-stream")
        for index in range(partials):
            self._event("image_edit.partial_image", {"type": "image_edit.partial_image",
                                                     "b64_json": self._b64(image), **facts,
                                                     "partial_image_index": index})
        if failing and failing.kind == "drop":
            self.close_connection = True  # mid-stream: no closing chunk, the socket just goes
            return
        if failing:
            self._event("error", {"type": "error", "error": {
                "type": "server_error", "code": "image_generation_failed", "message": failing.message,
                "param": None}})
        else:
            for _ in range(count):
                self._event("image_edit.completed", {"type": "image_edit.completed",
                                                     "b64_json": self._b64(image), **facts,
                                                     "usage": usage_for(call)})
        self.wfile.write(b"0\r\n\r\n")

    def _serve_file(self, path: str) -> None:
        file_id = path.removeprefix("/files/").rpartition(".")[0]
        stored = self.fake.stored_file(file_id)
        if stored is None:
            return self._send_error(ApiError(404, "No such file.", code="not_found"))
        self._send_bytes(200, stored[0], stored[1])

    # --- Faults --------------------------------------------------------------------------------

    def _answer_fault_first(self, fault: Fault) -> bool:
        """Answer a fault that replaces the normal answer; False when the request goes on."""
        if fault.kind == "slow":
            if self.fake.closing.wait(fault.seconds):
                self.close_connection = True  # shutting down: give up without an answer
                return True
            return False
        if fault.kind == "drop" and not fault.mid_body:
            self.close_connection = True
            return True
        if fault.kind == "status":
            self._send_fault_status(fault)
        elif fault.kind == "malformed_json":
            self._send_bytes(200, b'{"created": 1700000000, "data": [{"b64_json": "iVBOR', "application/json")
        elif fault.kind == "error_in_200":
            self._send_json(200, {"created": int(time.time()), "error": {
                "message": fault.message, "type": fault.error_type, "param": None, "code": None}})
        elif fault.kind == "huge":
            self._send_huge(fault.size)
        elif fault.kind == "drip":
            self._send_drip(fault.seconds)
        elif fault.kind == "gzip_bomb":
            self._send_gzip_bomb(fault.size)
        else:
            return False
        return True

    def _send_drip(self, seconds: float) -> None:
        size = 10_000
        self._send_head(200, "application/json", size)
        for _ in range(size):
            if self.fake.closing.wait(seconds):
                break
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:
                break
        self.close_connection = True

    def _send_gzip_bomb(self, size: int) -> None:
        inner = zlib.compressobj(9, zlib.DEFLATED, 31)
        piece = b" " * (1024 * 1024)
        once = b"".join(inner.compress(piece) for _ in range(size // len(piece))) + inner.flush()
        body = gzip.compress(once, 9)
        self._send_bytes(200, body, "application/json", headers=(("Content-Encoding", "gzip, gzip"),))

    def _send_fault_status(self, fault: Fault) -> None:
        status, message = fault.http_status, fault.message
        if fault.shape == "html":
            page = _BAD_GATEWAY_PAGE.format(status=status, message=message)
            return self._send_bytes(status, page.encode(), "text/html", fault.headers)
        if fault.shape == "requesty":
            body: object = {"error": {"origin": "provider", "message": message}}
        elif fault.shape == "string":
            body = {"error": message}
        else:
            body = {"error": {"message": message, "type": fault.error_type, "param": None,
                              "code": fault.code}}
        self._send_json(status, body, fault.headers)

    def _send_huge(self, size: int) -> None:
        prefix = b'{"created": 1700000000, "data": [{"b64_json": "'
        self._send_head(200, "application/json", size)
        self.wfile.write(prefix)
        remaining, block = size - len(prefix), b"A" * 65536
        while remaining > 0 and not self.fake.closing.is_set():
            self.wfile.write(block[: min(remaining, len(block))])
            remaining -= len(block)
        self.close_connection = True

    # --- Writing -------------------------------------------------------------------------------

    def _send_error(self, error: ApiError) -> None:
        self._send_json(error.status, error.body())

    def _send_json(self, status: int, document: object, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self._send_bytes(status, json.dumps(document).encode(), "application/json", headers)

    def _send_bytes(self, status: int, body: bytes, content_type: str,
                    headers: tuple[tuple[str, str], ...] = ()) -> None:
        self._send_head(status, content_type, len(body), headers)
        if self.fault is not None and self.fault.kind == "drop" and self.fault.mid_body:
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def _send_head(self, status: int, content_type: str, length: int | None,
                   headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("x-request-id", self.request_id)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Content-Length", str(length))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _start_chunks(self, content_type: str) -> None:
        self._send_head(200, content_type, None)

    def _event(self, name: str, payload: object) -> None:
        data = f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
