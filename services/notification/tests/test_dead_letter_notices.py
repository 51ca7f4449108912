"""HR's dead-letter notices against the real broker and database: a notice whose transaction
fails is read again, never acknowledged past and lost."""

from aiokafka import AIOKafkaProducer
from testkit.harness.events import eventually

# Fails the first insert of a dead-letter notice, as a serialization failure or a dropped
# connection would. A sequence, because it is not rolled back with the failed transaction.
FAIL_ONCE = """
CREATE SEQUENCE test_notice_faults;
CREATE FUNCTION test_fail_first_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.source_event_type = 'DeadLetter' AND nextval('test_notice_faults') = 1 THEN
        RAISE EXCEPTION 'injected: could not serialize access' USING ERRCODE = '40001';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_fail_first_notice BEFORE INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION test_fail_first_notice();
"""


def dead_letter_headers(offset: int) -> list[tuple[str, bytes]]:
    return [("x-dlq-reason", b"invalid_message"), ("x-dlq-error", b"malformed JSON"),
            ("x-dlq-consumer", b"matching"), ("x-dlq-original-topic", b"applications"),
            ("x-dlq-original-partition", b"0"), ("x-dlq-original-offset", str(offset).encode())]


async def test_a_notice_that_fails_once_is_recorded_after_a_retry_and_its_successor_too(
        service):
    s, pool = service.settings, service.runtime.pool
    await pool.execute(FAIL_ONCE)
    dlq = s.topic("applications.dlq")
    # Two letters in one partition: the second must not carry the first one's offset away.
    producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        for offset in (41, 42):
            await producer.send_and_wait(dlq, b"{not json", key=b"k",
                                         headers=dead_letter_headers(offset))
    finally:
        await producer.stop()

    async def noticed() -> set[str]:
        rows = await pool.fetch("SELECT DISTINCT payload->'event'->>'offset' AS o FROM messages"
                                " WHERE source_event_type = 'DeadLetter'")
        return {r["o"] for r in rows}

    async def both() -> bool:
        return await noticed() == {"41", "42"}

    await eventually(both, timeout=60)
    # The trigger did fail the first attempt (the sequence moved past 1 on the retry).
    assert await pool.fetchval("SELECT last_value FROM test_notice_faults") >= 2
