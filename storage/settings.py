"""The user's settings: typed, versioned, in one JSON file under the user config dir — and never a secret.

Settings that several layers read (the Claude model table and spending cap for the LLM client, the labour
cost per changed slot for revenue break-even) live here rather than in ``ai/llm`` so that storage owns every
file the app writes; the model table's value types (``Task``, ``ModelChoice``) are the domain's
(:mod:`designer.claude_tasks`), shared with the client and the Settings dialog. The Anthropic API key is
deliberately *not* a field: it lives only in the OS keyring (``storage.keys``), so no code path can write it here.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine


from designer.claude_tasks import DEFAULT_MODELS, DEFAULT_MONTHLY_CAP_USD, AnswerFormat, LlmSettings, ModelChoice, Task
from designer.data_protection import DataProtection
from designer.rate_limits import RateLimits

SETTINGS_VERSION = 2  # 2: the export folder; a version-1 file loads with it unset
SETTINGS_FILE = "settings.json"
DEFAULT_LABOUR_COST_PER_SLOT = 1.00  # US dollars to change one slot on a visit (revenue break-even)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AppSettings:
    llm: LlmSettings = field(default_factory=LlmSettings)
    labour_cost_per_slot: float = DEFAULT_LABOUR_COST_PER_SLOT
    export_folder: str | None = None  # where the last export went, offered first next time (None: not yet)
    rate_limits: RateLimits = field(default_factory=RateLimits)  # per user, at `serve` (the seed's numbers)
    data_protection: DataProtection = field(default_factory=DataProtection)  # retention and idle lock (issue 22)
    version: int = SETTINGS_VERSION


class SettingsProblem(ValueError):
    """A value the settings cannot hold; the message names the field and what is allowed."""


def check(settings: AppSettings) -> AppSettings:
    """Refuse values that would break a call or a price: the dialog shows the message next to the field."""
    numbers = [settings.llm.monthly_cap_usd, settings.labour_cost_per_slot]
    for choice in settings.llm.models.values():
        numbers += [choice.input_per_mtok, choice.output_per_mtok, choice.timeout_s]
    if not all(math.isfinite(number) for number in numbers):
        raise SettingsProblem("prices, limits and costs must be ordinary numbers")
    for task, choice in settings.llm.models.items():
        if not choice.model.strip() or any(character.isspace() for character in choice.model.strip()):
            raise SettingsProblem(f"{task.value}: the model id must be one word, such as claude-haiku-5-5")
        if choice.input_per_mtok < 0 or choice.output_per_mtok < 0:
            raise SettingsProblem(f"{task.value}: prices cannot be negative")
        if not 0.1 <= choice.timeout_s <= 300:
            raise SettingsProblem(f"{task.value}: the time limit must be between 0.1 and 300 seconds")
        if not 1 <= choice.max_output_tokens <= 32_000:
            raise SettingsProblem(f"{task.value}: the answer length must be between 1 and 32000 tokens")
    if settings.llm.monthly_cap_usd < 0:
        raise SettingsProblem("the monthly spending cap cannot be negative (0 stops all Claude calls)")
    if settings.labour_cost_per_slot < 0:
        raise SettingsProblem("the labour cost per slot cannot be negative")
    limits_problem = settings.rate_limits.problem() or settings.data_protection.problem()
    if limits_problem is not None:
        raise SettingsProblem(limits_problem)
    return settings


def to_json(settings: AppSettings) -> dict[str, Any]:
    return {
        "version": SETTINGS_VERSION,
        "labour_cost_per_slot": settings.labour_cost_per_slot,
        "export_folder": settings.export_folder,
        "rate_limits": {
            "realtime_per_minute": settings.rate_limits.realtime_per_minute,
            "predictions_per_minute": settings.rate_limits.predictions_per_minute,
            "training_per_hour": settings.rate_limits.training_per_hour,
        },
        "data_protection": {
            "predictions_days": settings.data_protection.predictions_days,
            "llm_log_days": settings.data_protection.llm_log_days,
            "idle_lock_minutes": settings.data_protection.idle_lock_minutes,
        },
        "llm": {
            "enabled": settings.llm.enabled,
            "monthly_cap_usd": settings.llm.monthly_cap_usd,
            "models": {
                task.value: {
                    "model": choice.model,
                    "input_per_mtok": choice.input_per_mtok,
                    "output_per_mtok": choice.output_per_mtok,
                    "timeout_s": choice.timeout_s,
                    "max_output_tokens": choice.max_output_tokens,
                    "answer_format": choice.answer_format.value,
                }
                for task, choice in settings.llm.models.items()
            },
        },
    }


def changed_fields(before: AppSettings, after: AppSettings) -> list[str]:
    """Dotted names of the fields that differ (``llm.models.what_if.model``): what an audit row may say."""

    def flat(value: object, prefix: str = "") -> dict[str, object]:
        if isinstance(value, dict):
            return {k: v for key, item in value.items() for k, v in flat(item, f"{prefix}{key}.").items()}
        return {prefix.rstrip("."): value}

    old, new = flat(to_json(before)), flat(to_json(after))
    return sorted(name for name in old.keys() | new.keys() if name != "version" and old.get(name) != new.get(name))


def is_ai_setting(name: str) -> bool:
    """Claude's models, prices, cap and switch, and how long AI data is kept, are AI settings (admin only); the
    labour cost is not."""
    return name.startswith(("llm.", "data_protection."))


def from_json(raw: object) -> AppSettings:
    """Settings from a parsed file; unknown keys are ignored and missing ones take their defaults.

    A file written by a newer version keeps working for the fields this version knows.
    """
    if not isinstance(raw, dict):
        raise SettingsProblem("the settings file does not hold a JSON object")
    version = raw.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise SettingsProblem(f"unknown settings version {version!r}")
    export_folder = raw.get("export_folder")
    if not isinstance(export_folder, str):
        export_folder = None  # only remembered for convenience: a bad value is forgotten, never fatal
    llm_raw = raw.get("llm", {})
    if not isinstance(llm_raw, dict):
        raise SettingsProblem("'llm' must be an object")
    models = dict(DEFAULT_MODELS)
    models_raw = llm_raw.get("models", {})
    if not isinstance(models_raw, dict):
        raise SettingsProblem("'llm.models' must be an object")
    for name, row in models_raw.items():
        try:
            task = Task(name)
        except ValueError:
            continue  # a task of a newer version
        if not isinstance(row, dict):
            raise SettingsProblem(f"'llm.models.{name}' must be an object")
        default = DEFAULT_MODELS[task]
        try:
            models[task] = ModelChoice(
                model=str(row.get("model", default.model)),
                input_per_mtok=float(row.get("input_per_mtok", default.input_per_mtok)),
                output_per_mtok=float(row.get("output_per_mtok", default.output_per_mtok)),
                timeout_s=float(row.get("timeout_s", default.timeout_s)),
                max_output_tokens=int(row.get("max_output_tokens", default.max_output_tokens)),
                answer_format=AnswerFormat(row.get("answer_format", default.answer_format.value)),
            )
        except (TypeError, ValueError) as error:
            raise SettingsProblem(f"'llm.models.{name}': {error}") from None
    try:
        settings = AppSettings(
            llm=LlmSettings(
                models=models,
                monthly_cap_usd=float(llm_raw.get("monthly_cap_usd", DEFAULT_MONTHLY_CAP_USD)),
                enabled=bool(llm_raw.get("enabled", True)),
            ),
            labour_cost_per_slot=float(raw.get("labour_cost_per_slot", DEFAULT_LABOUR_COST_PER_SLOT)),
            export_folder=export_folder or None,
            rate_limits=_rate_limits(raw.get("rate_limits", {})),
            data_protection=_data_protection(raw.get("data_protection", {})),
        )
    except (TypeError, ValueError) as error:
        raise SettingsProblem(str(error)) from None
    return check(settings)


def _rate_limits(raw: object) -> RateLimits:
    if not isinstance(raw, dict):
        raise SettingsProblem("'rate_limits' must be an object")
    default = RateLimits()
    numbers = {name: raw.get(name, getattr(default, name)) for name in RateLimits.__dataclass_fields__}
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in numbers.values()):
        raise SettingsProblem("'rate_limits' holds whole numbers of requests")
    return RateLimits(**numbers)


def _data_protection(raw: object) -> DataProtection:
    if not isinstance(raw, dict):
        raise SettingsProblem("'data_protection' must be an object")
    default = DataProtection()
    return DataProtection(
        **{name: raw.get(name, getattr(default, name)) for name in DataProtection.__dataclass_fields__}
    )


class SettingsStore:
    """Loads the settings once, hands out the current value to any thread, and saves atomically.

    A damaged file is set aside (``settings.json.damaged``) and the defaults are used, with ``problem``
    saying so, rather than refusing to start.
    """

    def __init__(self, path: Path) -> None:
        self.path = path  # the application context says where (storage.app_context.DataFolders)
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._current = self._load()

    @property
    def current(self) -> AppSettings:
        with self._lock:
            return self._current

    def save_as(self, settings: AppSettings, user_id: int | None, engine: Engine) -> AppSettings:
        """Save for a signed-in user: AI settings need an admin; the changed field names (never values) are audited."""
        from designer.roles import Action
        from storage.audit import record_now
        from storage.users import require_action

        changed = changed_fields(self.current, settings)
        if any(is_ai_setting(name) for name in changed):
            require_action(engine, user_id, Action.AI_SETTINGS)
        saved = self.save(settings)
        if changed:
            record_now(engine, user_id, "settings.changed", {"fields": changed}, resource_type="settings")
        return saved

    def save(self, settings: AppSettings) -> AppSettings:
        check(settings)
        settings = replace(settings, version=SETTINGS_VERSION)
        text = json.dumps(to_json(settings), indent=2, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        with self._lock:
            self._current = settings
        return settings

    def _load(self) -> AppSettings:
        if not self.path.exists():
            return AppSettings()
        try:
            return from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, SettingsProblem) as error:
            damaged = self.path.with_name(self.path.name + ".damaged")
            try:
                os.replace(self.path, damaged)
            except OSError:
                damaged = self.path
            self.problem = f"The settings file could not be read ({error}); defaults are used. It was kept as {damaged}"
            log.warning("settings file unreadable, defaults used: %s", error)
            return AppSettings()
