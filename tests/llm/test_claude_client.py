"""The Claude client with the real SDK against a local fake Messages API: answers, failures, fallbacks, costs."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ai.llm.client import ClaudeClient
from ai.llm.costs import Usage, cost_usd
from ai.llm.errors import Reason
from ai.llm.prompts import DATA_CLOSE, DATA_OPEN
from designer.claude_tasks import AnswerFormat, Task
from storage.keys import ApiKey, KeyStore
from storage.llm_ledger import LlmLedger
from storage.settings import SettingsStore
from tests.llm.fake_messages_api import FakeMessagesApi, Reply
from tests.llm.support import FAKE_KEY, FakeClock, fast_settings, revenue_facts, slot_facts


def audit_rows(database_url: str) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT action, details FROM audit_log ORDER BY id")).all()
    engine.dispose()
    return [(action, json.loads(details)) for action, details in rows]


# --- answers -------------------------------------------------------------------------------------------


def test_a_slot_is_explained_by_haiku_with_figures_from_the_local_facts(
    client: ClaudeClient, fake_api: FakeMessagesApi
) -> None:
    explanation = client.explain_slot(slot_facts(42), "B3", "Cola")

    assert not explanation.fallback
    assert explanation.model == "claude-haiku-5-5"
    assert explanation.figures == ("score 42/100", "confidence 81%", "zone value 1.50×", "better slots: A4, A5")
    assert "eye-level placement" in explanation.text
    assert explanation.extra == ("Consider placing near beverages",)
    (request,) = fake_api.requests
    assert request.path == "/v1/messages"
    assert request.body["model"] == "claude-haiku-5-5"
    assert request.body["tool_choice"] == {
        "type": "tool",
        "name": "give_slot_explanation",
        "disable_parallel_tool_use": True,
    }
    assert request.body["system"][0]["cache_control"] == {"type": "ephemeral"}


def test_each_task_goes_to_its_model(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    client.explain_slot(slot_facts(), "B3", "Cola")
    client.explain_comparison(revenue_facts())
    client.answer_what_if("What if the chips moved to row A?", revenue_facts())

    assert [request.body["model"] for request in fake_api.requests] == [
        "claude-haiku-5-5",
        "claude-sonnet-5-5",
        "claude-opus-5-5",
    ]
    opus = fake_api.requests[2].body
    assert "tool_choice" not in opus  # Opus 5.5 refuses forced tools: it answers through a JSON schema
    assert opus["output_config"]["format"]["type"] == "json_schema"


def test_a_comparison_narrative_streams_in_growing_pieces(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    pieces: list[str] = []

    narrative = client.explain_comparison(revenue_facts(), on_text=pieces.append)

    assert fake_api.requests[0].body["stream"] is True
    assert len(pieces) > 5
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(pieces))
    assert pieces[-1] == narrative.text
    assert narrative.figures[:3] == ("today $145.50/day", "proposed $168.75/day", "lift +16.0%")


def test_a_what_if_answer_streams_through_structured_output_too(
    client: ClaudeClient, fake_api: FakeMessagesApi
) -> None:
    pieces: list[str] = []
    answer = client.answer_what_if("What if prices rose?", revenue_facts(), on_text=pieces.append)
    assert not answer.fallback
    assert pieces and pieces[-1] == answer.text


def test_a_cabinet_is_explained_in_one_batched_call(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    slots = [
        {"slot": f"{row}{column}", "product_name": f"Product {row}{column}", "analysis": slot_facts(40 + column)}
        for row in "AB"
        for column in (1, 2, 3)
    ]
    result = client.explain_cabinet(slots, {"rows": 2, "columns": 3, "temperature_zone": "ambient"})

    assert not result.fallback
    assert list(result.lines) == ["A1", "A2", "A3", "B1", "B2", "B3"]
    assert len(fake_api.requests) == 1


def test_a_batch_answer_missing_a_slot_falls_back_for_the_whole_cabinet(
    client: ClaudeClient, fake_api: FakeMessagesApi
) -> None:
    slots = [
        {"slot": "A1", "product_name": "Cola", "analysis": slot_facts()},
        {"slot": "A2", "product_name": "Chips", "analysis": slot_facts()},
    ]
    fake_api.queue(Reply(answer={"slots": [{"position": "A1", "explanation": "Good slot."}]}))

    result = client.explain_cabinet(slots, {"rows": 1, "columns": 2})

    assert result.fallback and result.reason is Reason.MALFORMED_ANSWER
    assert set(result.lines) == {"A1", "A2"}


# --- failures → the local explanation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply.error(401, "authentication_error"), Reason.KEY_REJECTED),
        (Reply.error(429, "rate_limit_error"), Reason.RATE_LIMITED),
        (Reply.error(529, "overloaded_error"), Reason.OVERLOADED),
        (Reply.error(500, "api_error"), Reason.SERVER_ERROR),
        (Reply.error(400, "invalid_request_error"), Reason.BAD_REQUEST),
    ],
)
def test_an_http_failure_gives_the_local_explanation_with_a_notice(
    client: ClaudeClient, fake_api: FakeMessagesApi, reply: Reply, reason: Reason
) -> None:
    fake_api.queue(reply, reply)

    explanation = client.explain_slot(slot_facts(42), "B3", "Cola")

    assert explanation.fallback
    assert explanation.reason is reason
    assert explanation.notice and "built-in explanation" in explanation.notice
    assert explanation.figures[0] == "score 42/100"
    assert explanation.text.startswith("Cola in B3 is a weak placement (42 of 100).")
    assert explanation.cost.this_call_usd == 0.0


def test_429_and_529_are_retried_once_within_the_time_limit(
    client: ClaudeClient, fake_api: FakeMessagesApi, clock: FakeClock
) -> None:
    fake_api.queue(Reply.error(529, "overloaded_error"))

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")

    assert not explanation.fallback
    assert len(fake_api.requests) == 2
    assert clock.slept == [0.25]


def test_a_refused_key_is_not_retried_and_not_tried_again_this_session(
    client: ClaudeClient, fake_api: FakeMessagesApi
) -> None:
    fake_api.queue(Reply.error(401, "authentication_error"))

    first = client.explain_slot(slot_facts(), "B3", "Cola")
    second = client.explain_slot(slot_facts(50), "B4", "Cola")

    assert first.reason is second.reason is Reason.KEY_REJECTED
    assert len(fake_api.requests) == 1


def test_no_key_falls_back_at_once_without_a_call(
    settings_store: SettingsStore, ledger: LlmLedger, fake_api: FakeMessagesApi, dict_keyring: object
) -> None:
    client = ClaudeClient(settings_store, KeyStore(), ledger, base_url=fake_api.url)

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")

    assert explanation.fallback and explanation.reason is Reason.NO_KEY
    assert "Add a key in Settings" in (explanation.notice or "")
    assert fake_api.requests == []


@pytest.mark.parametrize(
    ("role", "ai_on", "asked"), [("viewer", True, False), ("manager", False, False), ("manager", True, True)]
)
def test_claude_is_asked_only_for_a_user_whose_role_allows_ai_features(
    settings_store: SettingsStore, keys: KeyStore, ledger: LlmLedger, fake_api: FakeMessagesApi,
    role: str, ai_on: bool, asked: bool,
) -> None:  # fmt: skip
    from sqlalchemy.orm import Session

    from storage.tables import AuditLogRecord, User

    with Session(ledger.engine) as session, session.begin():
        user = User(username=f"someone-{role}", role=role, ai_features_enabled=ai_on)
        session.add(user)
        session.flush()
        user_id = user.id
    client = ClaudeClient(settings_store, keys, ledger, base_url=fake_api.url, user_id=user_id)

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")

    assert (len(fake_api.requests) == 1) is asked
    assert explanation.fallback is not asked
    if not asked:
        assert explanation.reason is Reason.NOT_PERMITTED and "role" in (explanation.notice or "")
        with Session(ledger.engine) as session:
            actions = session.query(AuditLogRecord.action).filter(AuditLogRecord.user_id == user_id).all()
        assert ("llm.refused",) in actions
    client.close()


def test_offline_gives_the_local_explanation(
    settings_store: SettingsStore, keys: KeyStore, ledger: LlmLedger, unused_port_url: str
) -> None:
    client = ClaudeClient(settings_store, keys, ledger, base_url=unused_port_url)

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")

    assert explanation.fallback and explanation.reason is Reason.OFFLINE
    client.close()


def test_a_slow_answer_times_out_within_the_task_limit(
    settings_store: SettingsStore, keys: KeyStore, ledger: LlmLedger, fake_api: FakeMessagesApi
) -> None:
    settings_store.save(fast_settings(slot_explanation=0.3))
    client = ClaudeClient(settings_store, keys, ledger, base_url=fake_api.url)  # the real clock
    fake_api.queue(Reply(delay_s=3.0), Reply(delay_s=3.0))

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")

    assert explanation.fallback and explanation.reason is Reason.TIMEOUT
    client.close()


@pytest.mark.parametrize(
    "reply",
    [
        Reply(content=[{"type": "text", "text": "B3 is fine."}]),  # no tool call at all
        Reply(answer={"explanation": ""}),  # empty prose
        Reply(answer={"explanation": "Fine.", "score": 99}),  # a field that is not in the schema
        Reply(answer={"explanation": "x" * 2000}),  # too long
        Reply(answer={"explanation": "This slot scores 97 and sells 55.5 a day."}),  # invented numbers
    ],
)
def test_a_malformed_answer_is_never_shown(client: ClaudeClient, fake_api: FakeMessagesApi, reply: Reply) -> None:
    fake_api.queue(reply)

    explanation = client.explain_slot(slot_facts(42), "B3", "Cola")

    assert explanation.fallback and explanation.reason is Reason.MALFORMED_ANSWER
    assert "97" not in explanation.text and "x" * 50 not in explanation.text
    assert len(fake_api.requests) == 1  # a malformed answer is not retried…
    assert client.breaker.state.value == "closed"  # …and says nothing about the service's health


def test_figures_quoted_from_the_facts_pass_the_number_check(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    fake_api.queue(Reply(answer={"explanation": "It scores 42 with 81% confidence, selling 3.2 a day; try A4."}))
    assert not client.explain_slot(slot_facts(42), "B3", "Cola").fallback


# --- circuit breaker, rate limits, spending cap ---------------------------------------------------------


def test_five_failures_open_the_breaker_and_later_calls_fall_back_without_waiting(
    client: ClaudeClient, fake_api: FakeMessagesApi, clock: FakeClock
) -> None:
    fake_api.answer_by_default(lambda body: Reply.error(500, "api_error"))
    for _ in range(3):
        client.explain_slot(slot_facts(), "B3", "Cola")  # each tries twice: 6 failures
    calls_so_far = len(fake_api.requests)
    assert client.breaker.state.value == "open"

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")

    assert explanation.reason is Reason.CIRCUIT_OPEN
    assert len(fake_api.requests) == calls_so_far == 5

    clock.advance(61)  # half-open: one trial goes through, and closes the breaker when it succeeds
    fake_api.answer_by_default(None)
    assert not client.explain_slot(slot_facts(), "B3", "Cola").fallback
    assert client.breaker.state.value == "closed"


def test_the_per_user_rate_limit_falls_back_after_100_explanations_a_minute(
    client: ClaudeClient, fake_api: FakeMessagesApi, clock: FakeClock
) -> None:
    for score in range(100):
        assert not client.explain_slot(slot_facts(float(score)), "B3", "Cola").fallback
    refused = client.explain_slot(slot_facts(100.0), "B3", "Cola")

    assert refused.reason is Reason.LOCAL_RATE_LIMIT
    assert len(fake_api.requests) == 100
    clock.advance(60)
    assert not client.explain_slot(slot_facts(100.0), "B3", "Cola").fallback


def test_narratives_have_the_prediction_limit_of_20_a_minute(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    facts = revenue_facts()
    for day in range(20):
        facts["predictions"]["baseline"]["daily_revenue"] = 100.0 + day  # a different request each time
        assert not client.explain_comparison(facts).fallback
    assert client.explain_comparison(revenue_facts()).reason is Reason.LOCAL_RATE_LIMIT


def test_the_monthly_cap_stops_calls_and_says_so(
    client: ClaudeClient, fake_api: FakeMessagesApi, settings_store: SettingsStore
) -> None:
    client.explain_comparison(revenue_facts())
    spent = client.month_spent()
    current = settings_store.current
    settings_store.save(
        type(current)(llm=type(current.llm)(models=current.llm.models, monthly_cap_usd=spent + 0.00001))
    )

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")  # worst case would cross the cap

    assert explanation.fallback and explanation.reason is Reason.SPENDING_CAP
    assert "spending cap is reached" in (explanation.notice or "")
    assert len(fake_api.requests) == 1


# --- costs and the cache ---------------------------------------------------------------------------------


def test_cost_is_usage_times_list_price_with_cache_writes_and_reads(
    client: ClaudeClient, fake_api: FakeMessagesApi, ledger: LlmLedger
) -> None:
    first = client.explain_slot(slot_facts(40), "B3", "Cola")
    second = client.explain_slot(slot_facts(41), "B4", "Cola")  # same system prompt: read from the prompt cache

    write_call, read_call = ledger.calls()
    assert write_call.cache_write_tokens > 500 and write_call.cache_read_tokens == 0
    assert read_call.cache_read_tokens == write_call.cache_write_tokens and read_call.cache_write_tokens == 0
    haiku = fast_settings().llm.model_for(Task.SLOT_EXPLANATION)
    expected = (
        write_call.input_tokens * 0.10 + write_call.output_tokens * 0.50 + write_call.cache_write_tokens * 0.125
    ) / 1e6
    assert write_call.cost_usd == pytest.approx(expected)
    assert first.cost.this_call_usd == pytest.approx(expected)
    usage = Usage(read_call.input_tokens, read_call.output_tokens, 0, read_call.cache_read_tokens)
    assert second.cost.this_call_usd == pytest.approx(cost_usd(usage, haiku))
    assert second.cost.month_usd == pytest.approx(write_call.cost_usd + read_call.cost_usd)
    assert second.cost.this_call_usd < first.cost.this_call_usd
    assert second.cost.text().startswith("this explanation: $0.0")
    assert second.cost.text().endswith("of $20.00")


def test_an_identical_request_is_answered_from_the_cache_without_a_call(
    client: ClaudeClient, fake_api: FakeMessagesApi, clock: FakeClock
) -> None:
    first = client.explain_slot(slot_facts(), "B3", "Cola")
    second = client.explain_slot(slot_facts(response_time_ms=99), "B3", "Cola")  # timing is not meaning

    assert len(fake_api.requests) == 1
    assert second.cached and second.text == first.text and second.cost.this_call_usd == 0.0

    client.cache.clear_memory()  # a restart: the database table still has it
    assert client.explain_slot(slot_facts(), "B3", "Cola").cached
    assert len(fake_api.requests) == 1

    clock.advance(25 * 3600)  # past the 24-hour TTL
    client.cache.clear_memory()
    assert not client.explain_slot(slot_facts(), "B3", "Cola").cached
    assert len(fake_api.requests) == 2


def test_costs_add_up_per_analysis(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    a = client.explain_slot(slot_facts(30), "A1", "Cola", analysis_id="analysis-1")
    b = client.explain_comparison(revenue_facts(), analysis_id="analysis-1")
    client.explain_slot(slot_facts(31), "A2", "Cola", analysis_id="analysis-2")
    assert client.analysis_spent("analysis-1") == pytest.approx(a.cost.this_call_usd + b.cost.this_call_usd)


# --- audit ----------------------------------------------------------------------------------------------


def test_every_call_cache_hit_and_fallback_is_audited(
    client: ClaudeClient, fake_api: FakeMessagesApi, database_url: str
) -> None:
    client.explain_slot(slot_facts(), "B3", "Cola")
    client.explain_slot(slot_facts(), "B3", "Cola")
    fake_api.queue(Reply.error(401, "authentication_error"))
    client.explain_slot(slot_facts(60), "C1", "Cola")

    rows = audit_rows(database_url)
    assert [action for action, _ in rows] == ["llm.answer", "llm.cache_hit", "llm.fallback"]
    answer = rows[0][1]
    assert answer["model"] == "claude-haiku-5-5" and answer["cost_usd"] > 0 and answer["input_tokens"] > 0
    assert rows[2][1]["reason"] == "key_rejected"
    assert all("Cola" not in json.dumps(details) for _, details in rows)  # counts and reasons, no facts


# --- the key test ---------------------------------------------------------------------------------------


def test_testing_a_key_sends_one_token(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    check = client.test_key(ApiKey(FAKE_KEY))

    assert check.ok and "works" in check.message
    (request,) = fake_api.requests
    assert request.body["max_tokens"] == 1
    assert request.headers.get("Authorization") == f"Bearer {FAKE_KEY}" or request.headers.get("X-Api-Key") == FAKE_KEY


def test_testing_a_refused_key_says_so(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    fake_api.queue(Reply.error(401, "authentication_error"))
    check = client.test_key(ApiKey("sk-ant-wrong"))
    assert not check.ok and "refused" in check.message


def test_structured_output_can_be_chosen_for_any_task(
    client: ClaudeClient, fake_api: FakeMessagesApi, settings_store: SettingsStore
) -> None:
    import dataclasses

    current = settings_store.current
    models = dict(current.llm.models)
    models[Task.SLOT_EXPLANATION] = dataclasses.replace(
        models[Task.SLOT_EXPLANATION], answer_format=AnswerFormat.JSON_SCHEMA
    )
    settings_store.save(dataclasses.replace(current, llm=dataclasses.replace(current.llm, models=models)))

    explanation = client.explain_slot(slot_facts(), "B3", "Cola")

    assert not explanation.fallback
    assert "tools" not in fake_api.requests[0].body


def test_the_facts_travel_only_inside_the_data_block(client: ClaudeClient, fake_api: FakeMessagesApi) -> None:
    client.explain_slot(slot_facts(), "B3", "Cola")
    body = fake_api.requests[0].body
    instruction, block = body["messages"][0]["content"]
    assert DATA_OPEN not in instruction["text"]
    assert block["text"].startswith(DATA_OPEN) and block["text"].endswith(DATA_CLOSE)
