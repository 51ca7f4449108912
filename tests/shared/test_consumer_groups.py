"""Plumbing that lets several systems share brokers: namespaced groups, cluster bootstraps."""

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


def test_a_comma_separated_cluster_bootstrap_reaches_faststream_as_one_address_per_broker():
    from shared.kafka import make_broker

    broker = make_broker("127.0.0.1:29092, 127.0.0.1:29192,127.0.0.1:29292", "approval")
    # A single string would be one unresolvable host name ("Name or service not known").
    assert broker._connection_kwargs["bootstrap_servers"] == [
        "127.0.0.1:29092", "127.0.0.1:29192", "127.0.0.1:29292"]
