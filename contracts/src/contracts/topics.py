"""Topic catalogue: names, owners, partitions, retention. The topic bootstrap, the Helm
chart's KafkaTopics and every service read it."""

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"
DAY_MS = 24 * 60 * 60 * 1000
# A consumer group runs at most one busy member per partition, so 12 lets a service scale to
# 12 replicas. Chosen up front: partitions can be added later but never removed, and adding
# them moves keys to other partitions (an application's events would lose their order).
PARTITIONS = 12
# How long a record stays readable: a consumer that was down (a long weekend) catches up, and
# an operator can rewind a group to replay recent events. The consumers' inboxes keep their
# rows at least this long (shared.inbox_purge), so a redelivery is still recognised.
RETENTION_MS = 7 * DAY_MS


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    partitions: int = PARTITIONS
    retention_ms: int = RETENTION_MS
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
# Dead letters wait for a person: time to notice one, fix the cause and replay it (a replay
# republishes the original event, so the inboxes keep their rows this long too).
DLQ_RETENTION_MS = 30 * DAY_MS
# Services that read every `<topic>.dlq`: the monitor keeps and replays dead letters, the
# notification service tells HR about each one. Also checked against the specs.
DLQ_READERS: tuple[str, ...] = ("monitor", "notification")


def topic(name: str) -> TopicSpec:
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def longest_retention_ms() -> int:
    """How long any catalogue event can still come back: its topic's retention, or a dead
    letter's replay window."""
    return max(DLQ_RETENTION_MS, *(t.retention_ms for t in TOPICS))


def all_topic_names() -> list[str]:
    """Every topic and its dead-letter twin."""
    return [n for t in TOPICS for n in (t.name, t.dlq)]
