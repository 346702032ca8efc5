"""The multipart/form-data body of a browser POST upload, read as a stream.

The small fields come first and are held (up to :data:`MAX_FIELD_BYTES`); the ``file``
part may be gigabytes, so it is handed on as a stream that parses the body only as fast
as the writer takes it. As in S3, whatever follows the file part is read and dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from welkin.core import errors as core
from welkin.obs import errors

MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class PostForm:
    fields: dict[str, str]  # lower-case names of the fields before the file
    filename: str
    file_content_type: str | None
    file: AsyncIterator[bytes]


class _Parts:
    """Collects what the parser reports; the file's bytes wait in ``pending`` to be taken."""

    def __init__(self, boundary: bytes) -> None:
        self.fields: dict[str, str] = {}
        self.pending: deque[bytes] = deque()
        self.filename = ""
        self.file_content_type: str | None = None
        self.file_started = False
        self.file_done = False
        self._held = 0
        self._headers: dict[str, str] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._value = bytearray()
        self._name = ""
        self._in_file = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def write(self, chunk: bytes) -> None:
        if self.file_done:
            return
        try:
            self.parser.write(chunk)
        except MultipartParseError:
            raise errors.MalformedPOSTRequest(
                "The body of your POST request is not well-formed multipart/form-data."
            ) from None

    def _hold(self, size: int) -> None:
        if not self.file_started:
            self._held += size
            if self._held > MAX_FIELD_BYTES:
                raise errors.MaxPostPreDataLengthExceededError(
                    "Your POST request fields preceding the upload file were too large."
                )

    def _part_begin(self) -> None:
        self._headers = {}
        self._value = bytearray()
        self._name = ""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._hold(end - start)
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._hold(end - start)
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode("utf-8", "replace").strip()
        self._header_name, self._header_value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        kind, options = parse_options_header(self._headers.get("content-disposition", ""))
        name = options.get(b"name")
        if kind != b"form-data" or name is None:
            raise errors.MalformedPOSTRequest("Each part of a POST form needs a form-data name.")
        self._name = name.decode("utf-8", "replace").lower()
        if self._name == "file" and not self.file_done:
            self._in_file = self.file_started = True
            self.filename = options.get(b"filename", b"").decode("utf-8", "replace")
            self.file_content_type = self._headers.get("content-type")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.pending.append(bytes(data[start:end]))
        elif not self.file_started:
            self._hold(end - start)
            self._value += data[start:end]

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file, self.file_done = False, True
        elif not self.file_started:
            self.fields[self._name] = self._value.decode("utf-8", "replace")


def form_boundary(content_type: str) -> bytes:
    """The boundary of a multipart/form-data body; PreconditionFailed for any other body."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind.lower() != b"multipart/form-data" or not boundary:
        raise errors.PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold: "
            "Bucket POST must be of the enclosure-type multipart/form-data"
        )
    return boundary


async def read_post_form(stream: AsyncIterator[bytes], boundary: bytes) -> PostForm:
    """Read the fields up to the start of the file part; the rest is left on ``stream``."""
    parts = _Parts(boundary)
    while not parts.file_started:
        chunk = await anext(stream, None)
        if chunk is None:
            raise core.InvalidArgument("POST requires exactly one file upload per request.")
        parts.write(chunk)
    return PostForm(dict(parts.fields), parts.filename, parts.file_content_type, _file_data(parts, stream))


async def _file_data(parts: _Parts, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    while True:
        while parts.pending:
            yield parts.pending.popleft()
        if parts.file_done:
            break
        chunk = await anext(stream, None)
        if chunk is None:
            raise errors.IncompleteBody("The POST body ended inside the file part.")
        parts.write(chunk)
    # What follows the file is ignored, but read so that the connection stays usable.
    async for _ in stream:
        continue
