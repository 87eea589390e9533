"""The data-protection impact assessment, written from the data flows as this installation has them.

Every line quotes a fact read at the time it is written: the Claude tasks and the models the settings route them
to, what redaction removes before a request leaves (:mod:`ai.llm.redaction`), which columns are sealed at rest
and where their key is, the retention settings, how many rows each table holds, and which role reads what
(:mod:`designer.roles`). Nothing here is a fixed template of claims, so a changed setting changes the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from designer.data_protection import DataProtection
from designer.roles import MINIMUM_ROLE, Action


def assessment(facts: dict[str, Any]) -> str:
    """The DPIA as Markdown; ``facts`` come from :func:`gather_facts` (kept apart so tests can read both)."""
    keep: DataProtection = facts["data_protection"]
    rows: dict[str, int] = facts["rows"]
    lines = [
        "# Data-protection impact assessment — Planogram Studio",
        "",
        f"Written {facts['written_at']} for the database {facts['database']}.",
        "",
        "## 1. What is processed, and why",
        "- Sales, planograms, machines and products: to design planograms and predict revenue and demand. Sales"
        " carry no customer identity (baskets are anonymous transaction ids).",
        f"- Users: {rows['users']} in this database, {rows['users_with_password_hash']} with a CVD password hash"
        " (copied from CVD at each pull; never a password).",
        f"- AI data about a person's requests: {rows['ai_predictions']} predictions, {rows['ai_feedback']} feedback"
        f" rows, {rows['ai_experiments']} experiments, {rows['llm_calls']} Claude usage rows, {rows['llm_cache']}"
        " cached Claude answers.",
        f"- Audit log: {rows['audit_log']} rows (who did what, when; counts and ids, never request contents).",
        "",
        "## 2. What is sent to Claude (Anthropic)",
    ]
    if facts["llm_enabled"]:
        lines.append(f"Claude is switched on; monthly spending cap {facts['llm_cap_usd']:.2f} USD. Tasks and models:")
        lines += [f"- {task}: {model}" for task, model in facts["llm_models"].items()]
    else:
        lines.append("Claude is switched off in Settings: nothing is sent.")
    lines += [
        "",
        "Each request carries the planogram facts of its task (products, positions, prices, sales figures, scores) "
        "as quoted data, and the photo for a compliance check (kept in memory only). No user name, email or id is "
        "sent. Before a request is built, redaction replaces in every string: "
        + ", ".join(facts["redacted_kinds"])
        + "; and every value under a key naming personal data ("
        + ", ".join(facts["sensitive_keys"])
        + ").",
        "",
        "## 3. What is stored, where, and how long",
        f"- Sealed at rest (AES-256-GCM per value): {', '.join(facts['sealed_columns'])}.",
        f"- The key: {facts['key_location']} (one per user account; a lost key: `python main.py privacy "
        "reset-ai-data`, and the AI data is rebuilt from the sales).",
        f"- Predictions and the feedback on them are kept {keep.predictions_days} days; Claude's usage log and "
        f"cached answers {keep.llm_log_days} days; older rows are purged each time the app starts.",
        "- Saved models: in the user's data folder, each with an HMAC from the same key; a modified or foreign file"
        " is refused, audited and retrained.",
        "- Sign-in failures and rate-limit counts: a small file on this machine (access.sqlite), never in CVD.",
        f"- An idle designer locks after {keep.idle_lock_minutes} minutes on a protected database (0: never).",
        "",
        "## 4. Who can read it",
    ]
    lines += [f"- {action.value}: {role.value} and above" for action, role in MINIMUM_ROLE.items()]
    lines += [
        f"- A person's data: themselves (`privacy export-user`), or an {MINIMUM_ROLE[Action.MANAGE_USERS].value}; "
        "only an admin deletes it (`privacy delete-user`, also Tools → Users…).",
        "- On a PostgreSQL server the server's grants are the hard limit (storage/postgres_grants.sql): only "
        "cvd_admin reads emails and password hashes.",
        "",
        "## 5. Risks and measures",
        "- Someone at an unlocked laptop: password sign-in on protected databases, idle lock, admin actions ask the"
        " password again.",
        "- A copied database file: the AI payloads are sealed; the key is not in the file.",
        "- A tampered model: refused by its HMAC.",
        "- Personal data sent to a processor: redaction before every request, no user identity in requests.",
        "- Keeping data too long: retention settings with a purge at start; erasure on request.",
    ]
    return "\n".join(lines) + "\n"


def gather_facts(engine: Any, database: str, keep: DataProtection, llm: Any, now: datetime) -> dict[str, Any]:
    """The facts the assessment quotes, read now from the database, the settings and the code's own tables."""
    from ai.llm import redaction
    from storage.personal_data import held_rows, sealed_column_names
    from storage.sealed_columns import ai_data_key_location

    return {
        "written_at": now.isoformat(timespec="seconds"),
        "database": database,
        "rows": held_rows(engine),
        "data_protection": keep,
        "llm_enabled": bool(llm.enabled),
        "llm_cap_usd": float(llm.monthly_cap_usd),
        "llm_models": {task.value: choice.model for task, choice in llm.models.items()},
        "redacted_kinds": [
            "email addresses",
            "phone numbers",
            "card numbers (Luhn-checked)",
            "SSNs",
            "passwords, PINs, API keys and tokens written as 'password: …'",
        ],
        "sensitive_keys": sorted(redaction._SENSITIVE_WORDS),
        "sealed_columns": sealed_column_names(),
        "key_location": ai_data_key_location(),
    }
