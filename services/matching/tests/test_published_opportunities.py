"""The applicant-facing list: open places only, public fields only, filters and pages."""

from .matching_support import opportunity_body, post_opportunity, unique_org


async def test_an_applicant_sees_open_opportunities_with_public_fields_only(service):
    org = unique_org()
    mine = await post_opportunity(service, org, capacity=3)
    closed = await post_opportunity(service, org)
    await service.client.post(f"/opportunities/{closed['opportunity_id']}/close",
                              headers=service.auth(f"user-{org}", "host", org=org))
    response = await service.client.get("/published-opportunities",
                                        headers=service.auth("someone", "applicant"))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 1
    [item] = page["items"]
    assert item["opportunity_id"] == mine["opportunity_id"] and item["places_left"] == 3
    assert item["fields"]["title"] == opportunity_body()["title"]
    # the host's own identifiers and size never leave the service
    assert "host_staff_count" not in item["fields"] and "host_org_id" not in item
    assert org not in response.text
    one = await service.client.get(f"/published-opportunities/{mine['opportunity_id']}",
                                   headers=service.auth("someone", "applicant"))
    assert one.status_code == 200 and one.json()["places_left"] == 3
    gone = await service.client.get(f"/published-opportunities/{closed['opportunity_id']}",
                                    headers=service.auth("someone", "applicant"))
    assert gone.status_code == 404


async def test_filters_and_pages_narrow_the_published_list(service):
    org = unique_org()
    await post_opportunity(service, org, sector="life_sciences", region="Scotland")
    london = await post_opportunity(service, org, region="London",
                                    start_window_from="2027-05-01")
    await post_opportunity(service, org, region="Wales")
    who = service.auth("someone", "applicant")
    by_region = await service.client.get("/published-opportunities",
                                         params={"region": "London"}, headers=who)
    assert [i["opportunity_id"] for i in by_region.json()["items"]] == [
        london["opportunity_id"]]
    by_sector = await service.client.get(
        "/published-opportunities", params={"sector": "life_sciences", "scheme": "industry"},
        headers=who)
    assert by_sector.json()["total"] == 1
    late = await service.client.get("/published-opportunities",
                                    params={"starts_before": "2027-04-01"}, headers=who)
    assert late.json()["total"] == 2
    paged = await service.client.get("/published-opportunities",
                                     params={"limit": 2, "offset": 2}, headers=who)
    assert paged.json()["total"] == 3 and len(paged.json()["items"]) == 1
    bad = await service.client.get("/published-opportunities",
                                   params={"sector": "mining"}, headers=who)
    assert bad.status_code == 422


async def test_the_published_list_needs_a_signed_in_caller(service):
    response = await service.client.get("/published-opportunities")
    assert response.status_code == 401
