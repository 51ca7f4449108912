"""The monitor's own `/` no longer is the HR page: central HR uses it on the web service
(/hr/monitor), which calls this API with the person's session token server-side. The old
page's `#token=` sign-in is gone with its script."""


async def test_the_root_page_sends_hr_to_the_web_service_and_takes_no_token(service):
    response = await service.client.get("/")

    assert response.status_code == 200
    assert "/hr/monitor" in response.text
    assert "<script" not in response.text and "token" not in response.text.lower()
    assert (await service.client.get("/static/monitor.js")).status_code == 404
