"""The shapes Claude must answer in, and the checks an answer passes before anyone sees it.

One pydantic model per task is both the JSON schema sent with the request (tool ``input_schema`` or
structured-output format) and the validator of what comes back. On top of the shape, the prose may quote
only numbers the local models produced: Claude explains, it does not invent figures. An answer that fails
any check is not shown; the caller falls back to the local explanation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

POSITION_PATTERN = r"^[A-J](?:[1-9]|1[0-9]|20)$"  # rows A–J, columns 1–20: the largest cabinet we process


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    def prose(self) -> list[str]:
        """Every piece of text a reader will see (checked for invented numbers)."""
        texts: list[str] = []

        def walk(value: object) -> None:
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(self.model_dump())
        return texts


class SlotExplanation(Answer):
    explanation: str = Field(
        min_length=1, max_length=700, description="Two to four plain sentences on why the slot scores as it does."
    )
    suggestion: str = Field(default="", max_length=240, description="One concrete next step, or empty.")


class SlotLine(Answer):
    position: str = Field(pattern=POSITION_PATTERN, description="The slot, exactly as given in the facts.")
    explanation: str = Field(min_length=1, max_length=320, description="One or two plain sentences.")


class CabinetExplanations(Answer):
    slots: list[SlotLine] = Field(max_length=200, description="One entry per slot in the facts, same order.")


class ComparisonNarrative(Answer):
    headline: str = Field(min_length=1, max_length=140, description="One line a manager reads first.")
    narrative: str = Field(min_length=1, max_length=1500, description="A short paragraph comparing the two.")
    watch_points: list[str] = Field(default_factory=list, max_length=4, description="What to watch after the change.")


class WhatIfAnswer(Answer):
    answer: str = Field(min_length=1, max_length=2000, description="The answer to the question, in plain words.")
    assumptions: list[str] = Field(default_factory=list, max_length=5, description="Assumptions the answer rests on.")


class ComplianceFinding(Answer):
    position: str = Field(pattern=POSITION_PATTERN, description="The slot that differs from the planogram.")
    issue: Literal["wrong_product", "empty", "facing"]
    seen: str = Field(max_length=160, description="What the photo shows in that slot, in a few words.")


class ComplianceReport(Answer):
    differences: list[ComplianceFinding] = Field(max_length=200)


AnswerT = TypeVar("AnswerT", bound=Answer)


class AnswerRejected(ValueError):
    """An answer that may not be shown; the message says which check it failed (no answer text in it)."""


_NUMBER = re.compile(r"(?<![A-Za-z])[-+]?\$?\d[\d,]*(?:\.\d+)?%?")
_POSITION = re.compile(r"\b[A-Ja-j](?:[1-9]|1[0-9]|20)\b")
_PACK_SIZE = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:ml|cl|l|g|kg|oz|fl\.? ?oz|pk|pack)\b", re.IGNORECASE)
_SMALL_COUNT = 10  # "the top 2 rows", "3 slots": counting words, not figures


def _numbers_in(text: str) -> list[float]:
    found: list[float] = []
    for match in _NUMBER.finditer(_POSITION.sub(" ", text)):
        token = match.group(0).replace("$", "").replace(",", "").rstrip("%")
        try:
            found.append(float(token))
        except ValueError:
            continue
    return found


# Free text from catalogues and people (a product name may be hostile): figures written inside it are not
# figures of the analysis, so they never make a number in Claude's prose acceptable.
UNTRUSTED_FIELDS = frozenset({"name", "product_name", "location_name", "note", "notes", "comment"})


def _untrusted_texts(facts: Any) -> list[str]:
    found: list[str] = []

    def walk(value: Any, untrusted: bool) -> None:
        if isinstance(value, str):
            if untrusted and value.strip():
                found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, untrusted or key in UNTRUSTED_FIELDS)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, untrusted)

    walk(facts, False)
    return sorted(found, key=len, reverse=True)


def numbers_of(facts: Any) -> set[float]:
    """The analysis' numbers: its values, and figures written in its own sentences ("sells 3.20 a day").

    Untrusted free text (product names…) is skipped, and cut out of the sentences that quote it.
    """
    numbers: set[float] = set()
    untrusted = _untrusted_texts(facts)

    def walk(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            if math.isfinite(value):
                numbers.add(float(value))
        elif isinstance(value, str):
            for text in untrusted:
                value = value.replace(text, " ")
            numbers.update(_numbers_in(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in UNTRUSTED_FIELDS:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(facts)
    return numbers


def _supported(number: float, known: Iterable[float]) -> bool:
    if number.is_integer() and 0 <= number <= _SMALL_COUNT:
        return True
    for fact in known:
        for form in (fact, fact * 100, abs(fact), abs(fact) * 100):  # 0.92 may be written as 92%
            tolerance = max(0.011, abs(form) * 0.005)  # rounding to two decimals or to 0.5 %
            if abs(abs(number) - abs(form)) <= tolerance:
                return True
    return False


def unsupported_numbers(texts: Iterable[str], facts: Any) -> list[float]:
    """Numbers in ``texts`` that the facts do not hold.

    Product names quoted back ("Coca-Cola 330ml") and pack sizes ("500 ml") are names, not figures: they are
    cut out before the check.
    """
    known = numbers_of(facts)
    names = [re.compile(re.escape(name), re.IGNORECASE) for name in _untrusted_texts(facts)]
    invented: list[float] = []
    for text in texts:
        for name in names:
            text = name.sub(" ", text)
        text = _PACK_SIZE.sub(" ", text)
        invented += [number for number in _numbers_in(text) if not _supported(number, known)]
    return invented


def check_answer(shape: type[AnswerT], raw: object, facts: Any) -> AnswerT:
    """``raw`` as a checked ``shape``: right fields and lengths, and no number that the facts do not hold."""
    if not isinstance(raw, dict):
        raise AnswerRejected("the answer is not a JSON object")
    try:
        answer = shape.model_validate(raw)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in problem["loc"]) or "answer" for problem in error.errors()})
        raise AnswerRejected(f"the answer has the wrong shape ({', '.join(fields)})") from None
    invented = unsupported_numbers(answer.prose(), facts)
    if invented:
        raise AnswerRejected(f"the answer quotes {len(invented)} number(s) the analysis does not contain")
    return answer
