"""Claude explains; local models decide. The one way the app talks to Claude, and what it does when it cannot.

Every request goes through the same guarded path (:meth:`ClaudeClient.ask`):

1. the facts are redacted and quoted as data (:mod:`ai.llm.prompts`); the task picks the model (Settings);
2. an identical earlier answer is served from the cache — no HTTP call, no cost;
3. otherwise the call must pass, in order: a key exists and was not refused, the circuit breaker is closed,
   the month's spending cap leaves room for the worst case, the user's per-minute rate limit;
4. the call runs with the task's time limit and bounded retries (SDK retries off: ours respect the deadline);
5. usage × list price goes to the ledger, the answer is checked (shape, no invented numbers) and cached;
6. every outcome — answer, cache hit, fallback and its reason — is written to ``audit_log``.

The ``explain_*`` methods never fail for want of Claude: they return the local explanation built from the
model's own factors, marked ``fallback`` with a plain-language notice. Numbers shown always come from the
local facts (``figures``); Claude supplies prose only.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2
import jiter

from ai.llm import fallback
from ai.llm.answers import (
    Answer,
    AnswerRejected,
    CabinetExplanations,
    ComparisonNarrative,
    SlotExplanation,
    WhatIfAnswer,
    check_answer,
)
from ai.llm.cache import AnswerCache, request_key
from ai.llm.costs import CostLine, Usage, cost_usd, worst_case_cost_usd
from ai.llm.errors import SERVICE_FAILURES, ClaudeCancelled, ClaudeUnavailable, Reason, from_sdk_error
from ai.llm.prompts import SPECS, Image, TaskSpec, build_request, estimated_input_tokens
from ai.llm.reliability import BreakerState, CircuitBreaker, Clock, RateLimiter, RetryPolicy, SystemClock
from designer.claude_tasks import AnswerFormat, ModelChoice, Task
from designer.roles import Action, PermissionDenied
from storage.keys import ApiKey, KeyStore
from storage.llm_ledger import CallRecord, LlmLedger
from storage.settings import SettingsStore
from storage.users import require_action

log = logging.getLogger(__name__)

TextSink = Callable[[str], None]
StopCheck = Callable[[], bool]

REALTIME_PER_MINUTE = 100  # the seed's limits per user: real-time explanations…
PREDICTIONS_PER_MINUTE = 20  # …and prediction-sized requests (narratives, what-if, batches, photos)
RETRIES: dict[Task, RetryPolicy] = {
    Task.SLOT_EXPLANATION: RetryPolicy(1),
    Task.CABINET_EXPLANATIONS: RetryPolicy(2),
    Task.ANALYSIS_NARRATIVE: RetryPolicy(2),
    Task.WHAT_IF: RetryPolicy(2),
    Task.PHOTO_COMPLIANCE: RetryPolicy(1),
}
# Fields that change on every run without changing the meaning (they would defeat the answer cache).
VOLATILE_FIELDS = frozenset({"response_time_ms", "success", "request_id", "timestamp", "generated_at"})
KEY_TEST_TIMEOUT_S = 10.0


def stable_facts(facts: Any) -> Any:
    """``facts`` without timing and status fields, so identical analyses make identical requests."""
    if isinstance(facts, Mapping):
        return {key: stable_facts(value) for key, value in facts.items() if key not in VOLATILE_FIELDS}
    if isinstance(facts, list | tuple):
        return [stable_facts(value) for value in facts]
    return facts


@dataclass(frozen=True, slots=True)
class Asked:
    """A checked answer from Claude (or from the cache) and what it cost."""

    answer: Answer
    model: str
    usage: Usage
    cost_usd: float
    cached: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """What the explain panel shows: local figures, prose (Claude's or the local one) and its cost."""

    task: Task
    title: str
    figures: tuple[str, ...]  # always from the local facts
    text: str
    extra: tuple[str, ...]  # suggestion, watch points or assumptions
    fallback: bool
    cost: CostLine
    reason: Reason | None = None
    notice: str | None = None
    model: str | None = None
    cached: bool = False


@dataclass(frozen=True, slots=True)
class CabinetExplanation:
    """One line per slot of a cabinet, from one batched call (or from the local factors)."""

    lines: dict[str, str]
    fallback: bool
    cost: CostLine
    reason: Reason | None = None
    notice: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class KeyCheck:
    ok: bool
    message: str


@dataclass
class _Attempt:
    usage: Usage = field(default_factory=Usage)
    attempts: int = 0


class ClaudeClient:
    """Routes each task to its model and guards every call; one instance per app, shared by all workers."""

    def __init__(
        self,
        settings: SettingsStore,
        keys: KeyStore,
        ledger: LlmLedger,
        *,
        user_id: int | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        cache: AnswerCache | None = None,
    ) -> None:
        self._settings = settings
        self._keys = keys
        self._ledger = ledger
        self.user_id = user_id
        self._clock = clock or SystemClock()
        self._base_url = base_url
        self.cache = cache or AnswerCache(ledger)
        self.breaker = CircuitBreaker(self._clock)
        self.realtime_limit = RateLimiter(self._clock, REALTIME_PER_MINUTE)
        self.predictions_limit = RateLimiter(self._clock, PREDICTIONS_PER_MINUTE)
        self._lock = threading.Lock()
        self._sdk: anthropic.Anthropic | None = None
        self._sdk_key: ApiKey | None = None
        self._rejected_key: ApiKey | None = None

    # --- what the GUI calls ------------------------------------------------------------------------

    def explain_slot(
        self,
        facts: Mapping[str, Any],
        slot_label: str,
        product_name: str,
        *,
        on_text: TextSink | None = None,
        should_stop: StopCheck | None = None,
        analysis_id: str | None = None,
    ) -> Explanation:
        """Why ``product_name`` scores as it does in ``slot_label``; ``facts`` is the realtime-analysis answer."""
        data = {"slot": slot_label, "product_name": product_name, "analysis": stable_facts(facts)}
        title = f"{slot_label} · {product_name}"
        figures = tuple(fallback.slot_figures(facts))
        try:
            asked = self.ask(
                Task.SLOT_EXPLANATION, data, on_text=on_text, should_stop=should_stop, analysis_id=analysis_id
            )
        except ClaudeUnavailable as why:
            text, suggestion = fallback.slot_explanation(facts, slot_label, product_name)
            return self._fallen_back(Task.SLOT_EXPLANATION, title, figures, text, (suggestion,), why)
        assert isinstance(asked.answer, SlotExplanation)
        extra = (asked.answer.suggestion,) if asked.answer.suggestion else ()
        return self._answered(Task.SLOT_EXPLANATION, title, figures, asked.answer.explanation, extra, asked)

    def explain_comparison(
        self,
        facts: Mapping[str, Any],
        *,
        on_text: TextSink | None = None,
        should_stop: StopCheck | None = None,
        analysis_id: str | None = None,
    ) -> Explanation:
        """A narrative of a revenue comparison; ``facts`` is the predict-revenue answer."""
        figures = tuple(fallback.comparison_figures(facts))
        try:
            asked = self.ask(
                Task.ANALYSIS_NARRATIVE,
                stable_facts(facts),
                on_text=on_text,
                should_stop=should_stop,
                analysis_id=analysis_id,
            )
        except ClaudeUnavailable as why:
            headline, narrative, watch = fallback.comparison_narrative(facts)
            return self._fallen_back(Task.ANALYSIS_NARRATIVE, headline, figures, narrative, tuple(watch), why)
        answer = asked.answer
        assert isinstance(answer, ComparisonNarrative)
        return self._answered(
            Task.ANALYSIS_NARRATIVE, answer.headline, figures, answer.narrative, tuple(answer.watch_points), asked
        )

    def answer_what_if(
        self,
        question: str,
        facts: Mapping[str, Any],
        *,
        on_text: TextSink | None = None,
        should_stop: StopCheck | None = None,
        analysis_id: str | None = None,
    ) -> Explanation:
        """A free what-if question about the facts (Opus); the question travels as data, like a product name."""
        data = {"question": question, "facts": stable_facts(facts)}
        figures = tuple(fallback.comparison_figures(facts) or fallback.slot_figures(facts))
        try:
            asked = self.ask(Task.WHAT_IF, data, on_text=on_text, should_stop=should_stop, analysis_id=analysis_id)
        except ClaudeUnavailable as why:
            return self._fallen_back(Task.WHAT_IF, "What if…", figures, fallback.WHAT_IF_FALLBACK, (), why)
        answer = asked.answer
        assert isinstance(answer, WhatIfAnswer)
        return self._answered(Task.WHAT_IF, "What if…", figures, answer.answer, tuple(answer.assumptions), asked)

    def explain_cabinet(
        self, slots: list[Mapping[str, Any]], cabinet: Mapping[str, Any], *, analysis_id: str | None = None
    ) -> CabinetExplanation:
        """Every slot of a cabinet in one Haiku call (cheaper than one call per slot: the prompt is paid once).

        ``slots``: ``{"slot": "A1", "product_name": …, "analysis": realtime-analysis answer}`` per slot.
        """
        entries = [
            {"slot": str(entry["slot"]), "product_name": entry.get("product_name", ""), "analysis": entry["analysis"]}
            for entry in slots
        ]
        data = {"cabinet": stable_facts(cabinet), "slots": stable_facts(entries)}
        wanted = [entry["slot"] for entry in entries]

        def same_slots(answer: Answer) -> None:
            assert isinstance(answer, CabinetExplanations)
            if [line.position for line in answer.slots] != wanted:
                raise AnswerRejected("the answer does not cover exactly the cabinet's slots, in order")

        try:
            asked = self.ask(Task.CABINET_EXPLANATIONS, data, extra_check=same_slots, analysis_id=analysis_id)
        except ClaudeUnavailable as why:
            return CabinetExplanation(
                dict(fallback.cabinet_explanations(entries)), True, self.cost_line(0.0), why.reason, why.notice
            )
        assert isinstance(asked.answer, CabinetExplanations)
        lines = {line.position: line.explanation for line in asked.answer.slots}
        return CabinetExplanation(lines, False, self.cost_line(asked.cost_usd), model=asked.model)

    def test_key(self, key: ApiKey) -> KeyCheck:
        """Send a one-token request with ``key`` (Settings → Test); no retries, no cache, audited."""
        choice = self._settings.current.llm.model_for(Task.SLOT_EXPLANATION)
        started = self._clock.monotonic()
        sdk = anthropic.Anthropic(api_key=key.reveal(), base_url=self._base_url, max_retries=0)
        try:
            message = sdk.messages.create(
                model=choice.model,
                max_tokens=1,
                thinking={"type": "disabled"},
                messages=[{"role": "user", "content": "Reply with OK."}],
                timeout=KEY_TEST_TIMEOUT_S,
            )
        except (anthropic.AnthropicError, httpx2.HTTPError) as error:
            failure = _translate(error)
            self._audit("llm.key_test", {"ok": False, "reason": failure.reason.value, "model": choice.model})
            if failure.reason is Reason.KEY_REJECTED:
                return KeyCheck(False, "Anthropic refused this key. Check that it was copied whole.")
            return KeyCheck(False, f"The key could not be tested: {failure.notice.split(';')[0]}.")
        finally:
            sdk.close()
        usage = Usage.from_sdk(message.usage)
        cost = cost_usd(usage, choice)
        self._record("key_test", choice.model, "answered", None, usage, cost, started)
        self._audit("llm.key_test", {"ok": True, "model": choice.model, "cost_usd": round(cost, 8)})
        with self._lock:
            if self._rejected_key == key:
                self._rejected_key = None
        return KeyCheck(True, "The key works: Anthropic answered.")

    def month_spent(self) -> float:
        return self._ledger.month_spent(self._clock.now())

    def analysis_spent(self, analysis_id: str) -> float:
        return self._ledger.analysis_spent(analysis_id)

    def close(self) -> None:
        with self._lock:
            if self._sdk is not None:
                self._sdk.close()
            self._sdk = None
            self._sdk_key = None

    # --- the guarded path ----------------------------------------------------------------------------

    def ask(
        self,
        task: Task,
        facts: Any,
        *,
        images: tuple[Image, ...] = (),
        on_text: TextSink | None = None,
        should_stop: StopCheck | None = None,
        extra_check: Callable[[Answer], None] | None = None,
        analysis_id: str | None = None,
    ) -> Asked:
        """A checked answer to ``task`` about ``facts``, or :class:`ClaudeUnavailable` saying why not."""
        settings = self._settings.current.llm
        spec = SPECS[task]
        choice = settings.model_for(task)
        started = self._clock.monotonic()
        try:
            if not settings.enabled:
                raise ClaudeUnavailable(Reason.DISABLED)
            self._require_ai_role()
            request, safe_facts = build_request(spec, choice, facts, images)
            key_hash = request_key(request)
            hit = self._cached(spec, key_hash, safe_facts)
            if hit is not None:
                if on_text is not None:
                    _show_partial(spec, hit.model_dump(), on_text)
                self._audit("llm.cache_hit", {"task": task.value, "model": choice.model})
                return Asked(hit, choice.model, Usage(), 0.0, True)
            key = self._admit(task, choice, request, settings.monthly_cap_usd)
            attempt = _Attempt()
            try:
                message = self._call_with_retries(spec, choice, key, request, attempt, on_text, should_stop)
            except ClaudeCancelled:
                partial = cost_usd(attempt.usage, choice)
                self._record(task.value, choice.model, "cancelled", analysis_id, attempt.usage, partial, started)
                raise
            usage = Usage.from_sdk(message.usage)
            cost = cost_usd(usage, choice)
            try:
                raw = _raw_answer(spec, choice, message)
                answer = check_answer(spec.shape, raw, safe_facts)
                if extra_check is not None:
                    extra_check(answer)
            except AnswerRejected as rejected:
                self._record(task.value, choice.model, "malformed", analysis_id, usage, cost, started)
                raise ClaudeUnavailable(Reason.MALFORMED_ANSWER, str(rejected)) from None
            self._record(task.value, choice.model, "answered", analysis_id, usage, cost, started)
            self.cache.put(key_hash, task.value, choice.model, answer.model_dump(), self._clock.now(), self.user_id)
            self._audit(
                "llm.answer",
                {
                    "task": task.value,
                    "model": choice.model,
                    "attempts": attempt.attempts,
                    "duration_ms": self._elapsed_ms(started),
                    **_usage_details(usage, cost),
                },
            )
            return Asked(answer, choice.model, usage, cost, False)
        except ClaudeUnavailable as why:
            self._audit(
                "llm.fallback",
                {
                    "task": task.value,
                    "model": choice.model,
                    "reason": why.reason.value,
                    "duration_ms": self._elapsed_ms(started),
                },
            )
            log.info("Claude unavailable for %s: %s", task.value, why.reason.value)
            raise
        except ClaudeCancelled:
            self._audit("llm.cancelled", {"task": task.value, "model": choice.model})
            raise

    def _cached(self, spec: TaskSpec, key_hash: str, safe_facts: Any) -> Answer | None:
        """A stored answer for this exact request, re-checked (a damaged cache entry is simply a miss)."""
        stored = self.cache.get(key_hash, self._clock.now())
        if stored is None:
            return None
        try:
            return check_answer(spec.shape, stored, safe_facts)
        except AnswerRejected:
            log.warning("a cached %s answer no longer passes the checks; asking again", spec.task.value)
            return None

    def _admit(self, task: Task, choice: ModelChoice, request: dict[str, Any], cap_usd: float) -> ApiKey:
        """The key to call with, if the call may go out now; else why not (checked cheapest first)."""
        key = self._keys.load()
        if key is None:
            raise ClaudeUnavailable(Reason.NO_KEY)
        with self._lock:
            if self._rejected_key == key:
                raise ClaudeUnavailable(Reason.KEY_REJECTED, "refused earlier this session")
        if self.breaker.state is BreakerState.OPEN:
            raise ClaudeUnavailable(Reason.CIRCUIT_OPEN, f"retrying in {self.breaker.seconds_until_retry():.0f} s")
        spent = self.month_spent()
        if spent + worst_case_cost_usd(estimated_input_tokens(request), choice) > cap_usd:
            raise ClaudeUnavailable(Reason.SPENDING_CAP, f"${spent:.2f} of ${cap_usd:.2f} spent")
        limiter = self.realtime_limit if task is Task.SLOT_EXPLANATION else self.predictions_limit
        wait = limiter.try_acquire(self.user_id)
        if wait > 0:
            raise ClaudeUnavailable(
                Reason.LOCAL_RATE_LIMIT, f"{limiter.limit} a minute; free again in {wait:.0f} s", wait
            )
        if not self.breaker.allow():
            raise ClaudeUnavailable(Reason.CIRCUIT_OPEN, "a trial call is already running")
        return key

    def _call_with_retries(
        self,
        spec: TaskSpec,
        choice: ModelChoice,
        key: ApiKey,
        request: dict[str, Any],
        attempt: _Attempt,
        on_text: TextSink | None,
        should_stop: StopCheck | None,
    ) -> Any:
        policy = RETRIES[spec.task]
        deadline = self._clock.monotonic() + choice.timeout_s
        while True:
            attempt.attempts += 1
            remaining = deadline - self._clock.monotonic()
            try:
                if remaining <= 0:
                    raise ClaudeUnavailable(Reason.TIMEOUT)
                message = self._send(spec, key, request, remaining, attempt, on_text, should_stop)
            except ClaudeCancelled:
                self.breaker.release_trial()
                raise
            except ClaudeUnavailable as failure:
                if failure.reason in SERVICE_FAILURES:
                    self.breaker.record_failure()
                else:
                    self.breaker.release_trial()
                if failure.reason is Reason.KEY_REJECTED:
                    with self._lock:
                        self._rejected_key = key
                retry = failure.reason in SERVICE_FAILURES and attempt.attempts <= policy.retries
                delay = policy.delay(attempt.attempts, failure.retry_after_s)
                time_left = deadline - self._clock.monotonic()
                if not retry or delay >= time_left or self.breaker.state is not BreakerState.CLOSED:
                    raise
                if should_stop is not None and should_stop():
                    raise ClaudeCancelled() from None
                self._clock.sleep(delay)
                if not self.breaker.allow():
                    raise
                continue
            self.breaker.record_success()
            return message

    def _send(
        self,
        spec: TaskSpec,
        key: ApiKey,
        request: dict[str, Any],
        timeout_s: float,
        attempt: _Attempt,
        on_text: TextSink | None,
        should_stop: StopCheck | None,
    ) -> Any:
        """One HTTP request; SDK and transport errors become :class:`ClaudeUnavailable` without their text."""
        sdk = self._sdk_for(key)
        try:
            if on_text is None and should_stop is None:
                return sdk.messages.create(**request, timeout=timeout_s)
            prose = _ProseStream(spec, on_text) if on_text is not None else None
            with sdk.messages.stream(**request, timeout=timeout_s) as stream:
                for event in stream:
                    if should_stop is not None and should_stop():
                        snapshot = _snapshot_usage(stream)
                        attempt.usage = snapshot
                        raise ClaudeCancelled()
                    if prose is not None:
                        prose.feed(event)
                return stream.get_final_message()
        except (anthropic.AnthropicError, httpx2.HTTPError) as error:
            raise _translate(error) from None

    def _sdk_for(self, key: ApiKey) -> anthropic.Anthropic:
        with self._lock:
            if self._sdk is None or self._sdk_key != key:
                if self._sdk is not None:
                    self._sdk.close()
                self._sdk = anthropic.Anthropic(api_key=key.reveal(), base_url=self._base_url, max_retries=0)
                self._sdk_key = key
            return self._sdk

    def _require_ai_role(self) -> None:
        """The service-layer role check: a menu disabled in the window is not the only guard."""
        if self.user_id is None:
            return
        try:
            require_action(self._ledger.engine, self.user_id, Action.RUN_AI)
        except PermissionDenied as denied:
            self._audit("llm.refused", {"reason": Reason.NOT_PERMITTED.value, "role": denied.role.value})
            raise ClaudeUnavailable(Reason.NOT_PERMITTED, str(denied)) from None

    # --- results, ledger, audit -------------------------------------------------------------------

    def cost_line(self, this_call: float) -> CostLine:
        """The cost line for a call of ``this_call`` dollars, with this month's spending and the cap."""
        return CostLine(this_call, self.month_spent(), self._settings.current.llm.monthly_cap_usd)

    def _answered(
        self, task: Task, title: str, figures: tuple[str, ...], text: str, extra: tuple[str, ...], asked: Asked
    ) -> Explanation:
        return Explanation(
            task,
            title,
            figures,
            text,
            extra,
            False,
            self.cost_line(asked.cost_usd),
            model=asked.model,
            cached=asked.cached,
        )

    def _fallen_back(
        self,
        task: Task,
        title: str,
        figures: tuple[str, ...],
        text: str,
        extra: tuple[str, ...],
        why: ClaudeUnavailable,
    ) -> Explanation:
        extra = tuple(item for item in extra if item)
        return Explanation(task, title, figures, text, extra, True, self.cost_line(0.0), why.reason, why.notice)

    def _record(
        self, task: str, model: str, outcome: str, analysis_id: str | None, usage: Usage, cost: float, started: float
    ) -> None:
        self._ledger.record_call(
            CallRecord(
                created_at=self._clock.now(),
                user_id=self.user_id,
                task=task,
                model=model,
                outcome=outcome,
                analysis_id=analysis_id,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_write_tokens=usage.cache_write_tokens,
                cache_read_tokens=usage.cache_read_tokens,
                cost_usd=cost,
                duration_ms=self._elapsed_ms(started),
            )
        )

    def _audit(self, action: str, details: dict[str, Any]) -> None:
        try:
            self._ledger.audit(self.user_id, action, details, self._clock.now())
        except Exception:  # an audit row must never turn an answer into a failure
            log.exception("could not write the audit row for %s", action)

    def _elapsed_ms(self, started: float) -> int:
        return int((self._clock.monotonic() - started) * 1000)


def _translate(error: Exception) -> ClaudeUnavailable:
    if isinstance(error, anthropic.AnthropicError):
        return from_sdk_error(error)
    if isinstance(error, httpx2.TimeoutException):
        return ClaudeUnavailable(Reason.TIMEOUT)
    return ClaudeUnavailable(Reason.OFFLINE)


def _usage_details(usage: Usage, cost: float) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cost_usd": round(cost, 8),
    }


def _raw_answer(spec: TaskSpec, choice: ModelChoice, message: Any) -> object:
    """The answer object inside the reply: the forced tool's input, or the structured-output JSON text."""
    if choice.answer_format is AnswerFormat.FORCED_TOOL:
        for block in message.content:
            if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == spec.tool_name:
                return block.input
        raise AnswerRejected("the reply holds no answer through the tool")
    text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise AnswerRejected("the reply is not the JSON that was asked for") from None


class _ProseStream:
    """Pass the growing prose field of a streaming answer to ``on_text``, word by word as it arrives.

    The SDK's own snapshot of a tool's input leaves out a string until it is complete, so the JSON is
    re-read here with trailing strings kept.
    """

    def __init__(self, spec: TaskSpec, on_text: TextSink) -> None:
        self._spec = spec
        self._on_text = on_text
        self._tool_json = ""
        self._last = ""

    def feed(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "input_json":
            self._tool_json += event.partial_json
            self._show(self._tool_json)
        elif kind == "text":
            self._show(event.snapshot)

    def _show(self, text: str) -> None:
        try:
            partial = jiter.from_json(text.encode("utf-8"), partial_mode="trailing-strings")
        except ValueError:
            return
        if isinstance(partial, dict):
            value = partial.get(self._spec.stream_field)
            if isinstance(value, str) and value and value != self._last:
                self._last = value
                self._on_text(value)


def _show_partial(spec: TaskSpec, partial: object, on_text: TextSink) -> None:
    if isinstance(partial, dict):
        value = partial.get(spec.stream_field)
        if isinstance(value, str) and value:
            on_text(value)


def _snapshot_usage(stream: Any) -> Usage:
    try:
        return Usage.from_sdk(stream.current_message_snapshot.usage)
    except (AssertionError, AttributeError, RuntimeError):
        return Usage()
