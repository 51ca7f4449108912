"""The look-ups made once per applicant, per approval reminder or per metrics refresh read an
index, not the whole messages table: as table scans they slowed delivery as the table grew
(about 0.3 s each at 70,000 messages). With sequential scans priced out, a query that still
plans one has no index it can use. Real database."""

import json

import pytest
from notification import repository as repo
from notification.domain import PENDING_APPLICANT, PENDING_NAME

LOOKUPS = {
    "fill_in_name": (repo.FILL_IN_NAME_SQL,
                     ("applicant-1", PENDING_NAME, "Ada Lovelace", PENDING_APPLICANT)),
    "stage_recipient": (repo.STAGE_RECIPIENT_SQL, ("8f0c1b8e-case", "first")),
    "pending_deliveries": (repo.PENDING_SQL, ()),
}


def scans(plan: dict) -> list[str]:
    """Every node type in a JSON plan, depth first."""
    found = [plan["Node Type"] + (f" on {plan['Relation Name']}" if "Relation Name" in plan
                                  else "")]
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


@pytest.mark.parametrize("name", sorted(LOOKUPS))
async def test_the_lookup_reads_an_index_not_the_whole_messages_table(service, name):
    sql, args = LOOKUPS[name]
    async with service.runtime.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        explained = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    nodes = scans(plan)
    assert "Seq Scan on messages" not in nodes, f"{name} scans the whole table: {nodes}"
    assert any("messages" in n for n in nodes), nodes
