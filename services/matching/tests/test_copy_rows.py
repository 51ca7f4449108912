"""A round's rows go in by binary COPY (copy_rows), with header text made once per batch:
both must read back exactly as written one by one."""

import json
import uuid

import pytest
from matching import copy_rows
from matching.repository import outbox_rows
from shared.db import create_pool
from shared.outbox import Outbox, envelope_headers
from testkit.harness.postgres import create_database, drop_database

from contracts import NoMatchFound

FIELDS = (copy_rows.uuid_field, copy_rows.text_field, copy_rows.float8_field,
          copy_rows.jsonb_field, copy_rows.bytea_field)


@pytest.fixture
async def conn():
    dsn = await create_database("copyrows")
    pool = await create_pool(dsn)
    try:
        async with pool.acquire() as c:
            await c.execute("CREATE TABLE t (n BIGSERIAL, u UUID, s TEXT, f FLOAT8, j JSONB,"
                            " b BYTEA)")
            yield c
    finally:
        await pool.close()
        await drop_database(dsn)


async def test_binary_copy_rows_read_back_as_written_in_their_order(conn):
    rows = [(uuid.uuid4(), "ünïcode, \"quotes\"\ttab", 0.1 + 0.2, '{"a": [1, "é"]}',
             b"\x00\xff raw"),
            (uuid.uuid4(), "", -1e-300, "[]", b""),
            (None, None, None, None, None)]
    await conn.copy_to_table("t", source=memoryview(copy_rows.encode(rows, FIELDS)),
                             columns=["u", "s", "f", "j", "b"], format="binary")
    back = await conn.fetch("SELECT u, s, f, j, b FROM t ORDER BY n")
    assert [tuple(r) for r in back] == [
        (rows[0][0], rows[0][1], 0.1 + 0.2, {"a": [1, "é"]}, b"\x00\xff raw"),
        (rows[1][0], "", -1e-300, [], b""),
        (None, None, None, None, None)]


def test_a_batchs_header_text_is_what_each_event_alone_would_get():
    def no_match(cause=None):
        return NoMatchFound(producer="matching", correlation_id=uuid.uuid4(),
                            causation_id=cause, application_id=uuid.uuid4(),
                            applicant_id="a-1", scheme="industry")
    events = [no_match(), no_match(), no_match(uuid.uuid4()), no_match()]
    rows = list(outbox_rows(Outbox("p."), events))
    assert [r[5] for r in rows] == [json.dumps(envelope_headers(e)) for e in events]
