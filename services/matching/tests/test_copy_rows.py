"""A round's rows go in by binary COPY (copy_rows), with header text made once per batch:
both must read back exactly as written one by one."""

import json
import uuid

import pytest
from matching import copy_rows
from matching.round_events import HeaderText
from shared.db import create_pool
from shared.outbox import envelope_headers
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
    events = [no_match(), no_match(), no_match(), no_match()]
    headers = HeaderText(events[0])
    assert [headers.json(e.correlation_id) for e in events] == [
        json.dumps(envelope_headers(e)) for e in events]
    caused = [no_match(uuid.uuid4())]
    caused.append(caused[0].model_copy(update={"correlation_id": uuid.uuid4()}))
    headers = HeaderText(caused[0])  # not a round's event: built one by one, still the same
    assert [headers.json(e.correlation_id) for e in caused] == [
        json.dumps(envelope_headers(e)) for e in caused]
