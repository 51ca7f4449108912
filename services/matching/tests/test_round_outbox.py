"""A round builds its events without validating each through its contract model
(round_events): every outbox row it writes must still be the event exactly as the model
writes it, agreeing with the round's proposals and the stored applications."""

import random
import uuid

import pytest
from matching import cohort as cohort_module
from matching import round_events
from shared.outbox import Outbox, envelope_headers

from contracts import MatchProposed, NoMatchFound

from .matching_support import unique_org
from .ranking_support import host_rank, opportunities, rank, run_round, waiting_applicants

MODELS = {"MatchProposed": MatchProposed, "NoMatchFound": NoMatchFound}
TRACE = ("traceparent", "tracestate")  # the round's request context, not the event's


@pytest.fixture
def small_batches(monkeypatch):
    """Several batches even in a small round: only each batch's first event is also built
    through the model, so the others must be checked here."""
    monkeypatch.setattr(cohort_module, "FIRST_BATCH", 2)
    monkeypatch.setattr(cohort_module, "BATCH", 3)


async def _ranked_round(svc) -> tuple[dict, list]:
    rnd = random.Random(21)
    org = unique_org()
    opps = [o for n in range(4) for o in await opportunities(svc, org, 1,
                                                              capacity=rnd.randint(1, 2))]
    apps = await waiting_applicants(svc, 12)
    rankers: dict[str, list] = {}
    for app in apps[:10]:  # two applicants rank nothing: unmatched without a list
        wanted = rnd.sample(opps, rnd.randint(1, 3))
        assert (await rank(svc, app, wanted)).status_code == 200
        for o in wanted:
            rankers.setdefault(o, []).append(app)
    for o, who in rankers.items():
        assert (await host_rank(svc, org, o, rnd.sample(who, len(who)))).status_code == 200
    return await run_round(svc), apps


async def test_every_outbox_row_of_a_round_is_its_event_as_the_contract_model_writes_it(
        cohort, small_batches):
    round_, apps = await _ranked_round(cohort)
    pool = cohort.runtime.pool
    rows = await pool.fetch("SELECT * FROM outbox WHERE event_type = ANY($1::text[])"
                            " ORDER BY id", list(MODELS))
    proposals = {r["match_id"]: r for r in await pool.fetch("SELECT * FROM proposals")}
    stored = {r["application_id"]: r for r in await pool.fetch("SELECT * FROM applications")}
    assert len(rows) == len(apps) and {r["event_type"] for r in rows} == set(MODELS)
    for row in rows:
        event = MODELS[row["event_type"]].model_validate_json(row["payload"])
        assert bytes(row["payload"]) == event.model_dump_json().encode()
        assert (row["event_id"], row["key"], row["topic"]) == (
            event.event_id, str(event.application_id), cohort.settings.topic("matches"))
        headers = {k: v for k, v in row["headers"].items() if k not in TRACE}
        assert headers == {k: v for k, v in envelope_headers(event).items() if k not in TRACE}
        app = stored[event.application_id]
        assert (event.applicant_id, event.correlation_id, str(event.round_id)) == (
            app["applicant_id"], app["correlation_id"], round_["round_id"])
        if isinstance(event, MatchProposed):
            proposal = proposals[event.match_id]
            assert (proposal["application_id"], proposal["opportunity_id"]) == (
                event.application_id, event.opportunity_id)
            assert event.organisation_id == app["data"]["organisation_id"]
            assert event.explanation.model_dump(mode="json") == {
                k: proposal["explanation"][k] for k in ("factors", "filters_checked")}
            assert event.round_list and event.opportunity_id in {
                c.opportunity_id for c in event.round_list}
        else:
            assert event.reasons
    assert sum(r["event_type"] == "MatchProposed" for r in rows) == len(proposals) > 0


def test_a_round_event_that_differs_from_its_contract_model_fails_the_batch():
    first = NoMatchFound(producer="matching", correlation_id=uuid.uuid4(),
                         application_id=uuid.uuid4(), applicant_id="a-1", scheme="industry")
    fields = first.model_dump()
    assert round_events.outbox_rows(Outbox("p."), [(fields, None)], first)[0][4] == (
        first.model_dump_json().encode())
    with pytest.raises(ValueError, match="NoMatchFound differs from its contract model"):
        round_events.outbox_rows(Outbox("p."), [({**fields, "reasons": ("other",)}, None)],
                                  first)
