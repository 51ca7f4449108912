"""Topic catalogue: names, owners, partitions. The topic bootstrap and every service read it."""

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    partitions: int = 3
    key: str = ""  # what the Kafka key is, for docs and the AsyncAPI document
    # Services that consume it (and dead-letter to its .dlq). Each service's ServiceSpec (its
    # app.py) is the source: tests/platform/test_subscriptions_agree.py fails when they differ.
    readers: tuple[str, ...] = ()

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


SERVICES: tuple[str, ...] = ("applicant", "matching", "approval", "notification", "monitor")
_APP = "application id"

PEOPLE_FACING = ("notification", "monitor")  # tell people about it, and show it to HR


def _topic(name: str, owner: str, key: str, *readers: str) -> TopicSpec:
    return TopicSpec(name, owner=owner, key=key, readers=readers)


# Readers are what the services' specs handle: matching reads `placements` for
# PlacementRejected (propose the next best) and PlacementConfirmed (capacity); notification
# reads `opportunities` only for titles and host names, so its messages can say them.
TOPICS: tuple[TopicSpec, ...] = (
    _topic("applications", "applicant", _APP + " (applicant id for ApplicantErased)",
           "matching", "approval", *PEOPLE_FACING),
    _topic("opportunities", "matching", "opportunity id", *PEOPLE_FACING),
    _topic("matches", "matching", _APP + " (round id for RoundMatched)", "applicant",
           "approval", *PEOPLE_FACING),
    _topic("approvals", "approval", _APP, "applicant", *PEOPLE_FACING),
    _topic("placements", "approval", _APP, "applicant", "matching", *PEOPLE_FACING),
    _topic("notifications", "notification", _APP + " (recipient id when none)", "monitor"),
)

DLQ_PARTITIONS = 1
# Services that read every `<topic>.dlq`: the monitor keeps and replays dead letters, the
# notification service tells HR about each one. Also checked against the specs.
DLQ_READERS: tuple[str, ...] = ("monitor", "notification")


def topic(name: str) -> TopicSpec:
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def all_topic_names() -> list[str]:
    """Every topic and its dead-letter twin."""
    return [n for t in TOPICS for n in (t.name, t.dlq)]
