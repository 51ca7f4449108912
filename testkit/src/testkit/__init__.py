"""Dev and test only: one typed client for the services' public HTTP APIs.

    async with Api(urls) as api:
        alice = Caller(api, "alice", ("applicant",))
        await alice.save_profile(bodies.profile("civil_servant", "alice", "dept-dbt",
                                                line_manager_id="bob"))
        application = await alice.apply(bodies.application("industry", "2027-04-01"))

Request and response types are the services' own pydantic models (testkit.models).
"""

from testkit import bodies
from testkit.caller import Caller, Json, approver_for
from testkit.http import Api, ApiError, GaveUp, parse, urls_from_base_port
from testkit.wait import wait_for

__all__ = ["Api", "ApiError", "Caller", "GaveUp", "Json", "approver_for", "bodies", "parse",
           "urls_from_base_port", "wait_for"]
