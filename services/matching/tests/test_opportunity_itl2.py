"""A host may name the ITL2 region (so open data can show e.g. Greater Manchester); the ITL1
region follows from it, and the two may not disagree."""

from testkit.harness.events import TopicReader

from .matching_support import opportunity_body, unique_org


async def test_an_opportunity_given_its_itl2_region_publishes_both_regions(service):
    org = unique_org()
    headers = service.auth("h", "host", org=org)
    made = await service.client.post("/opportunities", headers=headers, json=opportunity_body(
        region=None, itl2="TLD3"))
    assert made.status_code == 201, made.text
    clash = await service.client.post("/opportunities", headers=headers, json=opportunity_body(
        region="London", itl2="TLD3"))
    assert clash.status_code == 422 and "TLD3 lies in North West" in clash.json()["detail"]
    async with TopicReader(service.settings.kafka_bootstrap_servers,
                           service.settings.topic("opportunities")) as reader:
        await reader.wait_for(lambda _: any(e.host_org_id == org for e in reader.events()))
    [published] = [e for e in reader.events() if e.host_org_id == org]
    assert (published.region, published.itl2) == ("North West", "TLD3")
