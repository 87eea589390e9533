"""The input gate: what a request or imported file may hold, refused by place and limit before any work."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.command_outcomes import RequestInvalid, error_body, write_json
from designer.input_gate import (
    MAX_BATCH,
    MAX_DEPTH,
    MAX_ECHO_CHARS,
    MAX_ID,
    MAX_ITEMS,
    MAX_REQUEST_BYTES,
    MAX_TEXT_CHARS,
    InputRefused,
    Limits,
    clip,
    gate_request,
    id_problem,
    load_json,
    nesting_depth,
    number_problem,
    read_limited,
    repeated_problems,
    slot_entry_problems,
)


def refusal(text: str | bytes, *, batch: bool = True) -> str:
    with pytest.raises(InputRefused) as refused:
        gate_request(text, batch=batch)
    return str(refused.value)


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_nesting_past_the_limit_is_refused_before_parsing(opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    deep = opening * 10_000 + ("1" if opening != "[" else "") + closing * 10_000
    assert "10,000 deep; the limit is 20 (MAX_DEPTH)" in refusal(deep)
    just_inside = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert gate_request(just_inside, batch=True) is not None
    assert "21 deep" in refusal("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_unclosed_or_mismatched_nesting_is_refused_without_recursion() -> None:
    assert "deep" in refusal("[" * 10_000)
    assert "deep" in refusal("[" * 10_000 + "}")


@pytest.mark.parametrize(
    "text, depth",
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": 2}]}', 3),
        ('["[[[[", "]]"]', 1),
        ('["\\"[[[", {"x": "\\\\"}]', 2),
        ('[{"é[": ["ü{"]}]', 3),
        ('"[[[', 0),
    ],
)
def test_depth_counts_brackets_outside_strings(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5), lambda c: st.lists(c) | st.dictionaries(st.text(max_size=3), c)
    )
)
@settings(max_examples=200)
def test_depth_matches_the_parsed_document(document: object) -> None:
    def depth(value: object) -> int:
        if isinstance(value, list):
            return 1 + max(map(depth, value), default=0)
        if isinstance(value, dict):
            return 1 + max(map(depth, value.values()), default=0)
        return 0

    assert nesting_depth(json.dumps(document)) == depth(document)


@pytest.mark.parametrize(
    "token, said",
    [
        ("NaN", "NaN is not a number JSON allows"),
        ("Infinity", "Infinity is not a number JSON allows"),
        ("-Infinity", "-Infinity is not a number JSON allows"),
        ("1e309", "1e309 is too large for a number (it overflows to infinity)"),
        ("1" + "0" * 40, "41 digits, beyond ±9,223,372,036,854,775,807"),
        ("7" * 5000, "5,000 digits"),
        (str(MAX_ID + 1), "beyond ±9,223,372,036,854,775,807"),
        (str(-MAX_ID - 1), "beyond ±9,223,372,036,854,775,807"),
    ],
)
def test_numbers_json_or_sqlite_cannot_hold_are_refused_by_field(token: str, said: str) -> None:
    message = refusal('{"device_id": 1, "slots": [{"capacity": TOKEN}]}'.replace("TOKEN", token))
    assert message.startswith("slots[0].capacity ") and said in message
    assert len(message) < 300  # a 5,000-digit number is not echoed whole


def test_the_largest_sqlite_integers_and_floats_pass() -> None:
    document = gate_request(f'{{"a": {MAX_ID}, "b": {-MAX_ID}, "c": 1e308, "d": 5e-324}}', batch=False)
    assert document == {"a": MAX_ID, "b": -MAX_ID, "c": 1e308, "d": 5e-324}


def test_texts_lists_batches_and_keys_are_bounded() -> None:
    assert f"is 10,000 characters long ('{'x' * 39}… (9,962 more characters)); the limit is {MAX_TEXT_CHARS}" in (
        refusal(json.dumps({"name": "x" * 10_000}))
    )
    assert "a field name in the request is 201 characters" in refusal(json.dumps({"k" * 201: 1}))
    assert f"products has 1,001 entries; the limit is {MAX_ITEMS:,} (MAX_ITEMS)" in refusal(
        json.dumps({"products": list(range(1001))})
    )
    assert f"a batch of 1,000,000 requests; the limit is {MAX_BATCH:,} (MAX_BATCH)" in refusal(
        "[" + ",".join(["{}"] * 1_000_000) + "]"
    )
    assert "names 'a' more than once" in refusal('{"a": 1, "b": 2, "a": 3}')
    assert "lone surrogate" in refusal('{"name": "\\ud800"}')


def test_an_array_is_refused_where_one_request_is_answered() -> None:
    assert "answers one request" in refusal("[{}]", batch=False)
    assert gate_request("[{}]", batch=True) == [{}]


def test_the_body_is_read_and_refused_by_its_byte_size() -> None:
    stream = io.TextIOWrapper(io.BytesIO(b" " * (MAX_REQUEST_BYTES * 3)))
    raw = read_limited(stream)
    assert len(raw) == MAX_REQUEST_BYTES + 1  # never the whole of a huge input
    assert f"more than {MAX_REQUEST_BYTES:,} bytes, the limit (MAX_REQUEST_BYTES)" in refusal(raw)
    assert "not UTF-8 text (byte 1 cannot be read)" in refusal(b"{\xff}")
    assert read_limited(None) == b""  # python started with standard input closed
    assert gate_request("\ufeff{}".encode(), batch=False) == {}  # a byte-order mark is not the request's
    many_bytes = "é" * (MAX_REQUEST_BYTES // 2 + 1)  # fewer characters than the limit, more bytes
    assert "more than" in refusal(json.dumps(many_bytes, ensure_ascii=False))


def test_malformed_json_keeps_the_decoders_own_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        gate_request("{not json", batch=False)


def test_a_file_has_its_own_limits_and_wording() -> None:
    limits = Limits(max_bytes=100, what="the file", bytes_limit="MAX_FILE_BYTES")
    with pytest.raises(InputRefused, match=r"the file is more than 100 bytes, the limit \(MAX_FILE_BYTES\)"):
        load_json("[" + "1," * 100 + "1]", limits)


def test_every_problem_of_a_request_is_counted_and_the_first_named() -> None:
    with pytest.raises(InputRefused) as raised:
        gate_request(json.dumps([{"x": "y" * 300}] * 500), batch=True)
    refused = raised.value
    assert len(refused.problems) == 101  # the walk stops after 100 and says so
    message = str(refused)
    assert message.count("characters long") == 10 and message.endswith("; and 91 more problems")
    assert isinstance(refused, RequestInvalid)


def test_range_helpers_name_the_field_and_the_range() -> None:
    assert id_problem(1, "device_id") is None and id_problem(MAX_ID, "device_id") is None
    assert id_problem(0, "device_id") == (
        "device_id 0 is out of range. Fix: send a whole number from 1 to 9,223,372,036,854,775,807, e.g. 1"
    )
    assert "True is not a whole number" in str(id_problem(True, "device_id"))
    assert "3.0 is not a whole number" in str(id_problem(3.0, "device_id"))
    assert number_problem(-5000, "expected_attendance", 0, 1e7) == (
        "expected_attendance -5000 is out of range. Fix: send a number from 0 to 10,000,000.0"
    )
    assert "nan is not a number" in str(number_problem(float("nan"), "temperature_c", -60, 60))
    assert number_problem(21.5, "temperature_c", -60, 60) is None


def test_repeats_are_named_where_they_stand() -> None:
    assert repeated_problems([3, 7, 3], "products", "product ") == [
        "product 3 is listed 2 times (products[0], products[2]). Fix: list it once"
    ]
    many = repeated_problems([5] * 10_000, "products")
    assert many == ["5 is listed 10,000 times (products[0], products[1], products[2], products[3], products[4] "
                    "and 9,995 more). Fix: list it once"]  # fmt: skip


def test_slot_entries_beyond_the_designers_numbers_and_twice_listed_slots() -> None:
    entries = [
        {"position": "A1", "product_id": 3, "capacity": 10},
        {"position": " a1", "quantity": 1001},
        {"position": 7},
        "not an object",
        {"position": "B2", "product_id": 0, "par_level": -1},
    ]
    assert slot_entry_problems(entries, "slots") == [  # negatives and unknown products: the designer's words
        "slots[1].quantity 1,001 is more than 1,000. Fix: send 0 to 1,000",
        "slot 'A1' is listed 2 times (slots[0], slots[1]). Fix: list it once",
    ]


def test_echoes_are_clipped() -> None:
    assert clip("x" * 1000) == repr("x" * 1000)[:MAX_ECHO_CHARS] + "… (802 more characters)"
    assert clip([1, 2]) == "[1, 2]"


def test_errors_are_cut_and_json_is_strict() -> None:
    assert len(error_body("x" * 50_000)["error"]) < 2_100
    written = io.StringIO()
    write_json({"a": float("nan"), "b": [float("inf"), 1.5], "c": (float("-inf"),)}, to=written)
    assert json.loads(written.getvalue(), parse_constant=lambda token: pytest.fail(token)) == {
        "a": None,
        "b": [None, 1.5],
        "c": [None],
    }
