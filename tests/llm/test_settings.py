"""Typed, versioned settings in a JSON file under the user config dir; never a key in them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from designer.claude_tasks import DEFAULT_MODELS, AnswerFormat, Task
from storage.app_context import DataFolders
from storage.settings import SETTINGS_VERSION, AppSettings, SettingsProblem, SettingsStore


def test_settings_live_under_the_user_config_dir(tmp_path: Path) -> None:
    path = DataFolders.for_this_user().settings_file
    assert path.name == "settings.json" and "planogram-studio" in path.parts


def test_defaults_route_tasks_to_haiku_sonnet_and_opus() -> None:
    assert DEFAULT_MODELS[Task.SLOT_EXPLANATION].model == "claude-haiku-5-5"
    assert DEFAULT_MODELS[Task.SLOT_EXPLANATION].timeout_s == 2.0
    assert DEFAULT_MODELS[Task.ANALYSIS_NARRATIVE].model == "claude-sonnet-5-5"
    assert DEFAULT_MODELS[Task.ANALYSIS_NARRATIVE].timeout_s == 10.0
    assert DEFAULT_MODELS[Task.WHAT_IF].model == "claude-opus-5-5"
    assert DEFAULT_MODELS[Task.WHAT_IF].answer_format is AnswerFormat.JSON_SCHEMA


def test_saved_settings_come_back_as_they_were(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    models = dict(DEFAULT_MODELS)
    models[Task.SLOT_EXPLANATION] = dataclasses.replace(models[Task.SLOT_EXPLANATION], input_per_mtok=0.2)
    wanted = AppSettings(
        llm=dataclasses.replace(AppSettings().llm, models=models, monthly_cap_usd=7.5), labour_cost_per_slot=1.75
    )

    store.save(wanted)

    again = SettingsStore(tmp_path / "settings.json").current
    assert again == wanted
    raw = json.loads((tmp_path / "settings.json").read_text())
    assert raw["version"] == SETTINGS_VERSION
    assert "key" not in json.dumps(raw).lower().replace("max_output_tokens", "")


def test_an_older_or_partial_file_takes_defaults_for_what_it_lacks(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"llm": {"monthly_cap_usd": 3}, "future_field": 1}))
    settings = SettingsStore(path).current
    assert settings.llm.monthly_cap_usd == 3.0
    assert settings.llm.models == DEFAULT_MODELS
    assert settings.labour_cost_per_slot == 1.0


def test_a_damaged_file_is_set_aside_and_defaults_are_used(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ not json")
    store = SettingsStore(path)
    assert store.current == AppSettings()
    assert store.problem and "defaults are used" in store.problem
    assert (tmp_path / "settings.json.damaged").read_text() == "{ not json"


@pytest.mark.parametrize(
    "change",
    [
        lambda s: dataclasses.replace(s, labour_cost_per_slot=-1),
        lambda s: dataclasses.replace(s, llm=dataclasses.replace(s.llm, monthly_cap_usd=float("nan"))),
        lambda s: dataclasses.replace(
            s,
            llm=dataclasses.replace(
                s.llm,
                models={
                    **s.llm.models,
                    Task.WHAT_IF: dataclasses.replace(DEFAULT_MODELS[Task.WHAT_IF], model="two words"),
                },
            ),
        ),
    ],
)
def test_impossible_values_are_refused(tmp_path: Path, change) -> None:  # type: ignore[no-untyped-def]
    store = SettingsStore(tmp_path / "settings.json")
    with pytest.raises(SettingsProblem):
        store.save(change(AppSettings()))
    assert not (tmp_path / "settings.json").exists()
