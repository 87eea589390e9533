"""A local stand-in for Anthropic's Messages API (stdlib ``http.server`` on 127.0.0.1), for the real SDK to talk to.

It records every request (headers and JSON body), answers in the Messages API's shapes — plain JSON or the
SSE stream — and reports usage the way the API does, with token counts approximated as characters / 4 and a
prompt cache: the first request with a ``cache_control``-marked prefix (tools + system) at least
``cache_min_tokens`` long writes it, later identical prefixes read it. What it answers is scripted per test:
a queue of :class:`Reply` objects, or by default a realistic answer composed from the request's facts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Minimum cacheable prompt per model (Haiku 5.5: 512 tokens per its model page; others assumed 1024).
CACHE_MIN_TOKENS = {"claude-haiku-5-5": 512}
DEFAULT_CACHE_MIN_TOKENS = 1024
IMAGE_TOKENS = 1600


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes


@dataclass
class Reply:
    """One scripted answer: an answer object, an HTTP error, a delay, or raw content blocks."""

    answer: dict[str, Any] | None = None
    status: int = 200
    error_type: str = ""
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    content: list[dict[str, Any]] | None = None  # raw blocks instead of ``answer`` (malformed replies)
    output_tokens: int | None = None

    @classmethod
    def error(cls, status: int, error_type: str) -> Reply:
        return cls(status=status, error_type=error_type)


def _tokens(characters: int) -> int:
    return (characters + 3) // 4


def read_facts(body: dict[str, Any]) -> Any:
    """The JSON inside the request's ``<planogram_facts>`` block."""
    for block in body["messages"][0]["content"]:
        text = block.get("text", "")
        if "<planogram_facts>" in text:
            start = text.index("<planogram_facts>") + len("<planogram_facts>")
            return json.loads(text[start : text.rindex("</planogram_facts>")])
    raise ValueError("no facts block in the request")


def realistic_answer(body: dict[str, Any]) -> dict[str, Any]:
    """What a model would plausibly answer, in length and shape, using only the facts' own words."""
    facts = read_facts(body)
    tool = (body.get("tools") or [{}])[0].get("name") or _json_schema_title(body)
    if tool in ("give_slot_explanation", "SlotExplanation"):
        return _slot_answer(facts["slot"], facts["product_name"], facts["analysis"])
    if tool in ("give_slot_explanations", "CabinetExplanations"):
        lines = []
        for entry in facts["slots"]:
            answer = _slot_answer(entry["slot"], entry["product_name"], entry["analysis"])
            lines.append({"position": entry["slot"], "explanation": answer["explanation"][:300]})
        return {"slots": lines}
    if tool in ("give_comparison_narrative", "ComparisonNarrative"):
        predictions = facts.get("predictions", {})
        lift = predictions.get("proposed", {}).get("revenue_lift")
        risks = [risk.get("factor", "") for risk in predictions.get("risk_factors", [])]
        return {
            "headline": f"The proposed layout should lift revenue by about {lift}%",
            "narrative": (
                "Moving the best sellers to eye level and keeping complementary snacks next to the drinks is what "
                "drives the predicted gain. The prediction interval is fairly narrow, so the local model is "
                "reasonably sure of the direction, although the exact size of the gain will depend on how quickly "
                "regular customers find the products in their new slots. The labour of rearranging the cabinet is "
                "recovered within the first days, after which the extra revenue is profit. Keep an eye on the "
                "slots that received new products, since they have the least sales history behind them."
            ),
            "watch_points": [f"{risk}: check the first week's sales" for risk in risks][:3]
            or ["Check the first week's sales of the moved products"],
        }
    if tool in ("give_what_if_answer", "WhatIfAnswer"):
        return {
            "answer": "Based on the facts, the change would most likely help, but the estimate is uncertain.",
            "assumptions": ["Prices stay as they are"],
        }
    if tool in ("give_compliance_report", "ComplianceReport"):
        return {"differences": []}
    raise ValueError(f"no realistic answer for {tool!r}")


def _json_schema_title(body: dict[str, Any]) -> str:
    return body.get("output_config", {}).get("format", {}).get("schema", {}).get("title", "")


def _slot_answer(slot: str, name: str, analysis: dict[str, Any]) -> dict[str, Any]:
    feedback = analysis.get("feedback", {})
    pros = "; ".join(item.rstrip(".") for item in feedback.get("pros", [])[:2]).lower()
    cons = "; ".join(item.rstrip(".") for item in feedback.get("cons", [])[:1]).lower()
    reason = analysis.get("zone_analysis", {}).get("reason", "")
    text = f"This slot works for the product because of {pros or 'its position'}."
    if cons:
        text += f" What holds it back: {cons}."
    if reason:
        text += f" {reason.rstrip('.')}."
    suggestions = feedback.get("suggestions", [])
    return {"explanation": text[:690], "suggestion": (suggestions[0] if suggestions else "")[:230]}


@dataclass
class _State:
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    cached_prefixes: set[str] = field(default_factory=set)
    default: Callable[[dict[str, Any]], Reply] | None = None


class FakeMessagesApi:
    """``with FakeMessagesApi() as api: anthropic.Anthropic(base_url=api.url, …)``."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                api._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-messages-api", daemon=True
        )

    # --- test side -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeMessagesApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._state.replies.extend(replies)

    def answer_by_default(self, responder: Callable[[dict[str, Any]], Reply] | None) -> None:
        with self._lock:
            self._state.default = responder

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._state.requests)

    def forget_prompt_cache(self) -> None:
        with self._lock:
            self._state.cached_prefixes.clear()

    # --- server side ---------------------------------------------------------------------------------

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._state.replies:
                return self._state.replies.popleft()
            default = self._state.default
        if body.get("max_tokens") == 1:
            return Reply()  # a key test: the content is "OK"
        return default(body) if default is not None else Reply(answer=realistic_answer(body))

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length", "0"))
        raw = handler.rfile.read(length)
        body = json.loads(raw or b"{}")
        with self._lock:
            self._state.requests.append(Recorded(handler.path, dict(handler.headers.items()), body, raw))
        reply = self._next_reply(body)
        if reply.delay_s and self._stopping.wait(reply.delay_s):
            return
        if reply.status != 200:
            payload = {"type": "error", "error": {"type": reply.error_type, "message": "scripted failure"}}
            self._send_json(handler, reply.status, payload)
            return
        usage = self._usage(body)
        content = reply.content if reply.content is not None else self._content(body, reply.answer or {})
        output_text = json.dumps(content)
        usage["output_tokens"] = reply.output_tokens or _tokens(len(_answer_characters(content) or output_text))
        message = {
            "id": f"msg_fake_{next(self._ids)}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": content,
            "stop_reason": "tool_use" if any(block["type"] == "tool_use" for block in content) else "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }
        if body.get("stream"):
            self._stream(handler, message, reply.chunk_delay_s)
        else:
            self._send_json(handler, 200, message)

    def _content(self, body: dict[str, Any], answer: dict[str, Any]) -> list[dict[str, Any]]:
        if body.get("max_tokens") == 1:
            return [{"type": "text", "text": "OK"}]
        if body.get("tools"):
            name = body["tools"][0]["name"]
            return [{"type": "tool_use", "id": f"toolu_fake_{next(self._ids)}", "name": name, "input": answer}]
        return [{"type": "text", "text": json.dumps(answer)}]

    def _usage(self, body: dict[str, Any]) -> dict[str, int]:
        """Input, cache-write and cache-read tokens for ``body``, at about four characters a token."""
        system = body.get("system", [])
        system_blocks = system if isinstance(system, list) else [{"type": "text", "text": system}]
        prefix = json.dumps(body.get("tools", [])) + "".join(block.get("text", "") for block in system_blocks)
        rest = json.dumps(body.get("output_config", {})) if body.get("output_config") else ""
        images = 0
        for message in body.get("messages", []):
            content = message["content"]
            if isinstance(content, str):
                rest += content
                continue
            for block in content:
                if block.get("type") == "image":
                    images += 1
                rest += block.get("text", "")
        prefix_tokens = _tokens(len(prefix))
        rest_tokens = _tokens(len(rest)) + images * IMAGE_TOKENS
        marked = any("cache_control" in block for block in system_blocks)
        minimum = CACHE_MIN_TOKENS.get(body.get("model", ""), DEFAULT_CACHE_MIN_TOKENS)
        usage = {
            "input_tokens": prefix_tokens + rest_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 0,
        }
        if marked and prefix_tokens >= minimum:
            digest = hashlib.sha256(f"{body.get('model')}|{prefix}".encode()).hexdigest()
            with self._lock:
                seen = digest in self._state.cached_prefixes
                self._state.cached_prefixes.add(digest)
            usage["input_tokens"] = rest_tokens
            usage["cache_read_input_tokens" if seen else "cache_creation_input_tokens"] = prefix_tokens
        return usage

    def _send_json(self, handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream(self, handler: BaseHTTPRequestHandler, message: dict[str, Any], chunk_delay_s: float) -> None:
        usage = message["usage"]
        start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
        events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start})]
        for index, block in enumerate(message["content"]):
            if block["type"] == "tool_use":
                opening = {**block, "input": {}}
                text, delta_type, delta_key = json.dumps(block["input"]), "input_json_delta", "partial_json"
            else:
                opening = {"type": "text", "text": ""}
                text, delta_type, delta_key = block["text"], "text_delta", "text"
            events.append(
                ("content_block_start", {"type": "content_block_start", "index": index, "content_block": opening})
            )
            for position in range(0, len(text), 24):
                delta = {"type": delta_type, delta_key: text[position : position + 24]}
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                    "usage": {"output_tokens": usage["output_tokens"]},
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        try:
            handler.send_response(200)
            handler.send_header("content-type", "text/event-stream")
            handler.send_header("cache-control", "no-cache")
            handler.send_header("connection", "close")
            handler.end_headers()
            for name, data in events:
                handler.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                handler.wfile.flush()
                if chunk_delay_s and name == "content_block_delta" and self._stopping.wait(chunk_delay_s):
                    return
            handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass


def _answer_characters(content: list[dict[str, Any]]) -> str:
    parts = []
    for block in content:
        if block["type"] == "tool_use":
            parts.append(json.dumps(block["input"]))
        elif block["type"] == "text":
            parts.append(block["text"])
    return "".join(parts)


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
