import asyncio

from contracts import ApplicationWithdrawn, MatchProposed, Sector, UKRegion

from .conftest import next_event, publish_events, sse_stream, submitted


async def test_published_events_appear_on_the_stream_in_order_with_pii_redacted(service, hr):
    first = submitted()
    # One topic and key keep a strict order; the match, on another topic, may land anywhere.
    same_key = [first, *(next_event(ApplicationWithdrawn, first, reason=f"r{i}")
                         for i in range(4))]
    match = next_event(MatchProposed, first)
    journey = [*same_key[:2], match, *same_key[2:]]
    async with sse_stream(service, hr, correlation_id=str(first.correlation_id),
                          backlog=0) as reader:
        await reader.wait_ready()
        await publish_events(service, *journey)
        items = await asyncio.wait_for(reader.items(len(journey)), 20)

    assert sorted(i["event_id"] for i in items) == sorted(str(e.event_id) for e in journey)
    on_applications = [i["event_id"] for i in items if i["topic"] == "applications"]
    assert on_applications == [str(e.event_id) for e in same_key]
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    submitted_payload = next(i["payload"] for i in items
                             if i["event_type"] == "ApplicationSubmitted")
    assert "applicant_name" not in submitted_payload
    assert "applicant_email" not in submitted_payload
    assert first.applicant_name not in str(items) and first.applicant_email not in str(items)
    assert submitted_payload["applicant_id"] == first.applicant_id
    # A withdrawal says nothing of sector; once the match is logged, the log fills it in.
    after_match = [i for i in items if i["id"] > next(
        j["id"] for j in items if j["event_type"] == "MatchProposed")]
    assert all(i["sector"] == match.sector.value for i in after_match)


async def test_resuming_with_last_event_id_loses_nothing(service, hr):
    first = submitted()
    # One topic and key, so the log's order is the publish order.
    journey = [first, *(next_event(ApplicationWithdrawn, first, reason=f"r{i}")
                        for i in range(5))]
    cid = str(first.correlation_id)
    async with sse_stream(service, hr, correlation_id=cid, backlog=0) as reader:
        await reader.wait_ready()
        await publish_events(service, *journey[:2])
        seen = await asyncio.wait_for(reader.items(2), 20)
    # Disconnected: the rest is published while nobody listens.
    await publish_events(service, *journey[2:])
    headers = {**hr, "Last-Event-ID": str(seen[-1]["id"])}
    async with sse_stream(service, headers, correlation_id=cid) as reader:
        rest = await asyncio.wait_for(reader.items(4), 20)

    assert [i["event_id"] for i in seen + rest] == [str(e.event_id) for e in journey]


async def test_filters_narrow_the_stream_by_type_sector_and_region(service, hr):
    first = submitted()
    match = next_event(MatchProposed, first, sector=Sector.LIFE_SCIENCES,
                       region=UKRegion.SCOTLAND)
    async with sse_stream(service, hr, type="MatchProposed,ApplicationWithdrawn",
                          sector="life_sciences", region="Scotland",
                          correlation_id=str(first.correlation_id), backlog=0) as reader:
        await reader.wait_ready()
        await publish_events(service, first, match)
        [item] = await asyncio.wait_for(reader.items(1), 20)
    assert item["event_id"] == str(match.event_id)


async def test_the_stream_rejects_unknown_filters_and_non_hr_callers(service, hr):
    bad = await service.client.get("/stream", headers=hr, params={"type": "Nope"})
    assert bad.status_code == 422 and bad.json()["field"] == "type"
    bad = await service.client.get("/stream", headers=hr, params={"region": "Atlantis"})
    assert bad.status_code == 422 and bad.json()["field"] == "region"
    host = service.auth("host-1", "host", org="org-windco")
    assert (await service.client.get("/stream", headers=host)).status_code == 403
    dept_hr = service.auth("hr-bob", "hr", org="dept-dbt")
    assert (await service.client.get("/kpis", headers=dept_hr)).status_code == 403
    assert (await service.client.get("/kpis")).status_code == 401


async def test_the_openapi_document_describes_every_endpoint(service):
    doc = (await service.client.get("/openapi.json")).json()
    for path in ("/stream", "/timeline/{application_id}", "/kpis", "/dead-letters",
                 "/dead-letters/{dead_letter_id}/replay", "/dead-letters/replay-all",
                 "/open-data.csv", "/open-data.json"):
        operations = doc["paths"][path].values()
        assert all(op.get("summary") for op in operations), path
