"""Every copy of "who reads what" agrees with the services' specs (each `<name>/app.py`'s SPEC,
whose consumed topics are derived from the event types it handles): the topic catalogue's
`readers` and `DLQ_READERS`, the Kafka ACL plan, the AsyncAPI operations and the fault
reconciliation. contracts must not import services, so the agreement is checked here."""

from __future__ import annotations

import pytest
import yaml
from bps_local import kafka_sasl
from contracts.generate import ASYNCAPI_FILE, ROOT
from contracts.topics import DLQ_READERS, TOPICS
from shared.testing.specs import dead_letter_groups, service_specs

from tests.e2e.faults import reconcile

TOPIC_NAMES = {t.name for t in TOPICS}


def spec_readers(topic: str) -> set[str]:
    return {name for name, spec in service_specs().items() if topic in spec.consumes}


def spec_subscriptions() -> set[tuple[str, str]]:
    """(service, topic) for every topic and dead-letter topic a spec reads."""
    return {(name, topic) for name, spec in service_specs().items()
            for topic in (*spec.consumes, *spec.dead_letter_topics)}


def spec_dead_letter_readers() -> set[str]:
    return {name for name, spec in service_specs().items() if spec.dead_letters is not None}


def test_every_service_of_the_catalogue_has_a_spec_named_after_it():
    assert sorted(service_specs()) == sorted(s.name for s in service_specs().values())
    assert all(spec.consumes or spec.dead_letters for spec in service_specs().values())


@pytest.mark.parametrize("topic", sorted(TOPIC_NAMES))
def test_the_catalogue_readers_of_a_topic_are_the_services_whose_specs_handle_its_events(topic):
    catalogue = set(next(t for t in TOPICS if t.name == topic).readers)
    assert catalogue == spec_readers(topic), (
        f"contracts.topics readers of {topic} differ from the specs: fix topics.py or app.py")


def test_the_catalogue_dead_letter_readers_are_the_specs_with_a_dead_letter_handler():
    assert set(DLQ_READERS) == spec_dead_letter_readers() == {"monitor", "notification"}


def test_the_acl_plan_lets_each_service_read_exactly_what_its_spec_consumes():
    plan = kafka_sasl.acl_plan("")
    reads = {(principal.removeprefix("User:"), name) for principal, kind, _, name, op in plan
             if kind == "TOPIC" and op == "READ"}
    assert reads == spec_subscriptions()


def test_the_acl_plan_lets_each_consumer_write_the_dead_letters_of_what_it_reads():
    plan = set(kafka_sasl.acl_plan(""))
    for name, spec in service_specs().items():
        for dlq in spec.dead_letters_written:
            assert (f"User:{name}", "TOPIC", "LITERAL", dlq, "WRITE") in plan, (name, dlq)
        groups = {(kind, pattern, group) for principal, kind, pattern, group, op in plan
                  if principal == f"User:{name}" and kind == "GROUP" and op == "READ"}
        # One prefixed grant covers the consumer group and the dead-letter reader's group.
        assert groups == {("GROUP", "PREFIXED", spec.consumer_group)}
        assert spec.dead_letter_group.startswith(spec.consumer_group)


def _operations() -> dict:
    doc = yaml.safe_load((ROOT / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    addresses = {f"#/channels/{cid}": c["address"] for cid, c in doc["channels"].items()}
    return {op_id: (op["action"], op["tags"][0]["name"], addresses[op["channel"]["$ref"]])
            for op_id, op in doc["operations"].items()}


def test_the_asyncapi_receive_operations_are_the_specs_subscriptions():
    receives = {(who, where) for action, who, where in _operations().values()
                if action == "receive"}
    assert receives == spec_subscriptions()


def test_the_asyncapi_dead_letter_sends_are_the_consumers_of_each_topic():
    sends = {(who, where) for action, who, where in _operations().values()
             if action == "send" and where not in TOPIC_NAMES}
    assert sends == {(name, dlq) for name, spec in service_specs().items()
                     for dlq in spec.dead_letters_written}


@pytest.mark.parametrize("topic", sorted(TOPIC_NAMES))
def test_the_fault_reconciliation_waits_for_and_checks_the_readers_the_specs_declare(topic):
    assert reconcile.readers_of(topic) == spec_readers(topic)


def test_the_fault_reconciliation_waits_for_every_dead_letter_reader():
    assert set(dead_letter_groups()) == {service_specs()[n].dead_letter_group
                                         for n in spec_dead_letter_readers()}
