from matching.app import build_app
from matching.config import MatchingSettings
from testkit.harness.fixtures import reader_fixture, service_fixture

from .matching_support import FAST

# A fresh service (database and topics) per test: continuous matching looks at every open
# place, so tests sharing one service would match each other's applications.
service = service_fixture(build_app, MatchingSettings, scope="function", **FAST)
matches = reader_fixture("matches", name="matches")
# Cohort mode: applications wait for a round (no instant proposal), as ranked rounds expect.
cohort = service_fixture(build_app, MatchingSettings, scope="function", name="cohort",
                         continuous_matching=False, **FAST)
# Cohort mode with the match-day timer polling often (timetable tests).
timetabled = service_fixture(build_app, MatchingSettings, scope="function", name="timetabled",
                             continuous_matching=False, timer_poll_seconds=0.2, **FAST)
