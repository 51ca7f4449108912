"""Topic catalogue: names, owners, partitions. The topic bootstrap and every service read it."""

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    partitions: int = 3
    key: str = ""  # what the Kafka key is, for docs and the AsyncAPI document
    readers: tuple[str, ...] = ()  # services that consume it (and dead-letter to its .dlq)

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


SERVICES: tuple[str, ...] = ("applicant", "matching", "approval", "notification", "monitor")
_APP = "application id"

WATCHERS = ("notification", "monitor")  # read every topic but their own


def _topic(name: str, owner: str, key: str, *readers: str) -> TopicSpec:
    return TopicSpec(name, owner=owner, key=key,
                     readers=(*readers, *(w for w in WATCHERS if w != owner)))


# Readers follow docs/architecture.md §3, plus matching on `placements`: it must see
# PlacementRejected (propose the next best) and PlacementConfirmed (capacity).
TOPICS: tuple[TopicSpec, ...] = (
    _topic("applications", "applicant", _APP + " (applicant id for ApplicantErased)",
           "matching", "approval"),
    _topic("opportunities", "matching", "opportunity id"),
    _topic("matches", "matching", _APP, "applicant", "approval"),
    _topic("approvals", "approval", _APP, "applicant", "matching"),
    _topic("placements", "approval", _APP, "applicant", "matching"),
    _topic("notifications", "notification", _APP + " (recipient id when none)"),
)

DLQ_PARTITIONS = 1


def topic(name: str) -> TopicSpec:
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def all_topic_names() -> list[str]:
    """Every topic and its dead-letter twin."""
    return [n for t in TOPICS for n in (t.name, t.dlq)]
