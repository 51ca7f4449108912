"""Topic catalogue: names, owners, partitions. The topic bootstrap and every service read it."""

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    partitions: int = 3

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("applications", owner="applicant"),
    TopicSpec("opportunities", owner="matching"),
    TopicSpec("matches", owner="matching"),
    TopicSpec("approvals", owner="approval"),
    TopicSpec("placements", owner="approval"),
    TopicSpec("notifications", owner="notification"),
)

DLQ_PARTITIONS = 1


def all_topic_names() -> list[str]:
    """Every topic and its dead-letter twin."""
    return [n for t in TOPICS for n in (t.name, t.dlq)]
