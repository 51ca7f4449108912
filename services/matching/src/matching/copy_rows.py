"""A round's bulk rows in PostgreSQL's binary COPY format. Pure, no I/O.

`COPY ... FROM STDIN (FORMAT binary)` is PostgreSQL's cheapest way in for tens of thousands of
rows: no arrays to build and unnest, no sort, no per-row speculative insertion. asyncpg's own
`copy_records_to_table` cannot be used here: the services decode json/jsonb with text codecs,
which have no binary encoder. The format is small (a header, then per row a field count and
each field as length + bytes, then a trailer), and the fields a round writes are few kinds,
so its rows are encoded here, in the worker thread that builds them.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)  # signature, flags, no extension
TRAILER = struct.pack("!h", -1)
NULL = struct.pack("!i", -1)
_LENGTH = struct.Struct("!i").pack
_DOUBLE = struct.Struct("!d").pack

Field = Callable[[Any], bytes]


def uuid_field(value: uuid.UUID) -> bytes:
    return value.bytes


def text_field(value: str) -> bytes:
    return value.encode()


def float8_field(value: float) -> bytes:
    return _DOUBLE(value)


def jsonb_field(text: str | bytes) -> bytes:
    """JSON text (or its UTF-8 bytes) as jsonb's binary input: format version 1, then the
    text."""
    return b"\x01" + (text if isinstance(text, bytes) else text.encode())


def bytea_field(value: bytes) -> bytes:
    return value


def encode(rows: Iterable[Sequence[Any]], fields: Sequence[Field]) -> bytes:
    """The rows (each one value per field, None for NULL) as one binary COPY stream."""
    out = [HEADER]
    count = struct.pack("!h", len(fields))
    append = out.append
    for row in rows:
        append(count)
        for value, field in zip(row, fields, strict=True):
            if value is None:
                append(NULL)
                continue
            data = field(value)
            append(_LENGTH(len(data)))
            append(data)
    append(TRAILER)
    return b"".join(out)
