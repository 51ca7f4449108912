"""Kafka over TLS on a private broker of its own (its own ports and data folder; the shared
broker is never touched), with a CA and certificates made by deploy/local/tls.py: all five
services run on its mutual-TLS listener given only their settings, and an application flows
through every one of them; SASL_SSL works too; a client that cannot verify the broker, or has
no certificate for a listener that requires one, is refused."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka.admin import NewTopic
from aiokafka.errors import KafkaConnectionError
from applicant.app import build_app
from applicant.config import ApplicantSettings
from bps_local import procs
from contracts.topics import DLQ_PARTITIONS, TOPICS
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLScram256
from pydantic import ValidationError
from shared.kafka import broker_security, make_admin, make_consumer, make_producer
from shared.settings import ServiceSettings
from testkit.harness.postgres import create_database
from testkit.harness.process import free_port
from testkit.harness.service import running_service, unique_prefix

from tests.e2e.actors import Users
from tests.e2e.conftest import Mailbox, World
from tests.e2e.system import SERVICES, System, stop_system
from tests.security import tls_broker
from tests.security.security_world import consume_until_seen, diplomat_applies
from tests.security.tls_broker import TlsBroker

pytestmark = pytest.mark.slow


def free_port_triple() -> int:
    """A port whose two neighbours (controller, SASL_SSL listener) are free too."""
    return procs.free_run(3, range(39950, 40250, 3))


@pytest.fixture(scope="module")
async def broker(tmp_path_factory) -> AsyncIterator[TlsBroker]:
    started = await tls_broker.start(tmp_path_factory.mktemp("tls") / "node", free_port_triple())
    try:
        yield started
    finally:
        await asyncio.to_thread(tls_broker.stop, started)


async def create_topics(broker: TlsBroker, prefix: str) -> None:
    admin = make_admin(broker.ssl_bootstrap, "tls-topics", broker.client_auth())
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(prefix + t.name, t.partitions, 1) for t in TOPICS]
            + [NewTopic(prefix + t.dlq, DLQ_PARTITIONS, 1) for t in TOPICS])
    finally:
        await admin.close()


def settings_over_ssl(broker: TlsBroker, **overrides) -> ServiceSettings:
    return ServiceSettings(kafka_bootstrap_servers=broker.ssl_bootstrap,
                           kafka_security_protocol="SSL", **overrides)


async def can_produce(settings: ServiceSettings) -> None:
    producer = make_producer(settings.kafka_bootstrap_servers, "tls-refused",
                             request_timeout_ms=5000, **settings.kafka_auth())
    try:
        await producer.start()
    finally:
        await producer.stop()


async def test_a_client_that_cannot_verify_the_broker_certificate_is_refused(broker):
    # No CA file: the system's CAs do not know our local CA, so the handshake fails.
    with pytest.raises(KafkaConnectionError):
        await can_produce(settings_over_ssl(broker))


async def test_a_client_without_a_certificate_is_refused_where_mutual_tls_is_required(broker):
    with pytest.raises(KafkaConnectionError):
        await can_produce(settings_over_ssl(broker, kafka_ssl_cafile=broker.certs.ca))
    # The same client holding a certificate from the broker's CA gets in.
    await can_produce(settings_over_ssl(broker, kafka_ssl_cafile=broker.certs.ca,
                                        kafka_ssl_certfile=broker.certs.client_cert,
                                        kafka_ssl_keyfile=broker.certs.client_key))


async def test_the_applicant_service_publishes_over_sasl_ssl(broker):
    prefix = unique_prefix()
    await create_topics(broker, prefix)
    settings = ApplicantSettings(
        kafka_bootstrap_servers=broker.sasl_bootstrap, kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="applicant", kafka_sasl_password=broker.scram["applicant"],
        kafka_ssl_cafile=broker.certs.ca, topic_prefix=prefix, environment="test",
        database_url=await create_database("tls_applicant"), outbox_poll_seconds=0.05)
    async with running_service(build_app, settings) as svc:
        sub = "tls-sasl-diplomat"
        application_id = await diplomat_applies(svc, sub, "Tls Person", "tls@fcdo.example")
        # Read back over the other (mutual TLS) listener: the outbox relay published it.
        consumer = make_consumer(prefix + "applications", bootstrap_servers=broker.ssl_bootstrap,
                                 auth=broker.client_auth(), auto_offset_reset="earliest",
                                 group_id=f"{prefix}tls-reader")
        await consume_until_seen(consumer, application_id, timeout=90)


@dataclass
class TlsSystem:
    system: System
    users: Users
    mail: Mailbox


@pytest.fixture(scope="module")
async def tls_system(broker: TlsBroker, tmp_path_factory) -> AsyncIterator[TlsSystem]:
    """The five services as processes, configured for the mutual-TLS listener only through
    their settings (tls.py's service_env)."""
    env: dict[str, str] = {}
    for name in SERVICES:
        env |= tls_broker.tls_module().service_env(name, broker.certs, broker.ssl_bootstrap)
    system = System(prefix=unique_prefix(), bootstrap=broker.ssl_bootstrap,
                    maildir=tmp_path_factory.mktemp("tls-mail"), smtp_port=free_port(),
                    extra_env=env)
    await create_topics(broker, system.prefix)
    try:
        for name in SERVICES:
            system.dsns[name] = await create_database(f"tls_{name}")
        system.smtp = subprocess.Popen(  # noqa: ASYNC220 - Popen only forks
            [sys.executable, "-m", "notification.devsmtp", "--port", str(system.smtp_port),
             "--maildir", str(system.maildir)])
        for name in SERVICES:  # every port first: services that call each other need them
            system.port_of(name)
        # start_service returns once /readyz answers 200, which needs Kafka reachable.
        await asyncio.gather(*(asyncio.to_thread(system.start_service, n) for n in SERVICES))
        async with Users.of(system) as users:
            yield TlsSystem(system, users, Mailbox(system))
    finally:
        await stop_system(system)


async def test_every_service_runs_over_mutual_tls_and_an_application_flows_through_all(
        tls_system: TlsSystem):
    users, world = tls_system.users, World(tls_system.users, 2098)
    for name, proc in tls_system.system.services.items():  # all five became ready on TLS
        assert proc.proc is not None and proc.proc.poll() is None, name
    host = world.host("tls-sme")
    await world.publish(host, "diplomatic", sector="creative_industries")
    applicant = world.applicant("diplomat")
    await applicant.diplomat(world.name("post"), preferred_countries=["FR"])
    application = await world.apply(applicant, "diplomatic")
    try:
        # applicant -> matching (MatchProposed) -> approval (a stage opened), all seen by the
        # monitor, which reads every topic; notification mails the applicant about both.
        seen = await users.hr().wait_monitor(application.id, "ApplicationSubmitted",
                                             "MatchProposed", "ApprovalStageOpened")
        assert seen["scheme"] == "diplomatic"
        await applicant.wait_status(application.id, "in_approval")
        await tls_system.mail.wait(f"{applicant.sub}@fcdo.example",
                                   "received your placement application",
                                   "found a possible placement")
    finally:
        await world.tidy()


# --- settings and client factories, without a broker ----------------------------------------

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tls_broker.tls_module().make_certs(tmp_path_factory.mktemp("certs"))


def test_tls_files_with_a_plaintext_protocol_are_refused_by_name(certs):
    # Ignoring them would quietly send everything in clear text.
    with pytest.raises(ValidationError, match="kafka_ssl_cafile set but kafka_security_protocol"):
        ServiceSettings(kafka_ssl_cafile=certs.ca)
    with pytest.raises(ValidationError, match="kafka_ssl_cafile"):
        ServiceSettings(kafka_security_protocol="SSL", kafka_ssl_cafile="/no/such/ca.pem")
    with pytest.raises(ValidationError, match="kafka_ssl_keyfile needs kafka_ssl_certfile"):
        ServiceSettings(kafka_security_protocol="SSL", kafka_ssl_keyfile=certs.client_key)


@pytest.mark.parametrize("protocol, security", [("SSL", BaseSecurity),
                                                ("SASL_SSL", SASLScram256)])
async def test_the_broker_and_every_client_get_one_verifying_ssl_context(certs, protocol, security):
    settings = ServiceSettings(kafka_security_protocol=protocol, kafka_ssl_cafile=certs.ca,
                               kafka_ssl_certfile=certs.client_cert,
                               kafka_ssl_keyfile=certs.client_key,
                               kafka_sasl_username="applicant", kafka_sasl_password="pw")
    auth = settings.kafka_auth()
    context = auth["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    made = broker_security(auth)
    assert type(made) is security and made.ssl_context is context
    assert parse_security(made)["security_protocol"] == protocol  # what FastStream hands aiokafka
    producer = make_producer("127.0.0.1:1", "x", **auth)  # the outbox relay's and DLQ's kind
    assert producer.client._ssl_context is context
    admin = make_admin("127.0.0.1:1", "x", auth)
    assert admin._client._ssl_context is context


def test_an_ssl_protocol_without_a_context_is_refused_before_start():
    with pytest.raises(ValueError, match="needs an ssl_context"):
        broker_security({"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256",
                         "sasl_plain_username": "u", "sasl_plain_password": "p"})
