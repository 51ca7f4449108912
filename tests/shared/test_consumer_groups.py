"""Consumer groups are namespaced like topics: systems sharing one broker never share a group."""

from shared.consumer import EventConsumer
from shared.service import ServiceRuntime
from shared.settings import ServiceSettings


def runtime(prefix: str) -> ServiceRuntime:
    settings = ServiceSettings(service_name="approval", topic_prefix=prefix)
    return ServiceRuntime(settings, pool=None, broker=None, dlq_producer=None, outbox=None,
                          relay=None, metrics=None)


def test_a_service_consumer_joins_a_group_named_after_its_topic_prefix_and_service():
    consumer = runtime("t1a2b3c4.").consumer()
    assert (consumer.name, consumer.group_id) == ("approval", "t1a2b3c4.approval")


def test_two_systems_on_one_broker_with_different_prefixes_use_different_groups():
    # One shared group would make a SIGKILL in one system stall the other's rebalance.
    assert runtime("ta.").consumer().group_id != runtime("tb.").consumer().group_id


def test_without_a_prefix_the_group_is_the_consumer_name_as_before():
    assert runtime("").consumer("monitor-log").group_id == "monitor-log"
    assert EventConsumer("x", pool=None, dlq_producer=None).group_id == "x"
