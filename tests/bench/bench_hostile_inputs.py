"""Hostile requests to ``python main.py api ENDPOINT`` (issue 18): each a fresh process on a demo database.

    .venv/bin/python tests/bench/bench_hostile_inputs.py                     builds a demo database (not timed)
    .venv/bin/python tests/bench/bench_hostile_inputs.py --db /tmp/g.sqlite --only D2 --markdown

For every case it prints the exit status, the first words of the answer's ``error`` (or of what the process
wrote), the answer's size, the wall time, the peak memory of the process, whether stdout was strict JSON
(no NaN/Infinity tokens) and whether the database's data tables changed (the audit log, which records
failed calls by id, is left out). Budgets (README "Input limits"): exit 0 or 2, strict JSON, an error of at most
1 KB, at most 10 s and 500 MB for a rejected request. A case over its ``--timeout`` is killed and shown so.
The database is a copy; the user folders are a private temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_commands import private_environment, requests

PROJECT = Path(__file__).resolve().parents[2]
REJECTED_SECONDS_BUDGET = 10.0
REJECTED_MEMORY_BUDGET_MB = 500.0
ERROR_BYTES_BUDGET = 1024


@dataclass(frozen=True)
class Case:
    label: str
    endpoint: str
    body: Callable[[], str | bytes]
    """Built only when the case runs (some are tens of megabytes)."""


def _strict(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def cases(valid: dict[str, dict[str, object]], first_day: str) -> Iterator[Case]:
    """The issue's cases D1, D2, D7, D8 and the echoed errors, on the demo database's own ids.

    ``first_day`` is device 1's first forecast day (the day after its latest sale).
    """

    def with_(endpoint: str, **changes: object) -> Callable[[], str]:
        return lambda: json.dumps({**valid[endpoint], **changes})

    def raw(endpoint: str, field: str, token: str) -> Callable[[], str]:
        """A request whose ``field`` is the literal JSON text ``token`` (NaN, Infinity, a 5,000-digit number)."""
        text = json.dumps({**valid[endpoint], field: "@@"})
        return lambda: text.replace('"@@"', token)

    def slots_with(endpoint: str, **changes: object) -> Callable[[], str]:
        request = json.loads(json.dumps(valid[endpoint]))
        side = request["proposed_planogram"]["slots"] if endpoint == "predict-revenue" else None
        if side is None:
            request["context"]["current_slots"] = [dict(valid["predict-revenue"]["current_planogram"]["slots"][0])]
            side = request["context"]["current_slots"]
        side[0].update(changes)
        return lambda: json.dumps(request)

    deep_array = "[" * 10_000 + "]" * 10_000
    for endpoint in valid:
        yield Case(f"D1 [*10000 {endpoint}", endpoint, lambda: deep_array)
    yield Case("D1 {a:*10000 realtime-analysis", "realtime-analysis", lambda: '{"a":' * 10_000 + "1" + "}" * 10_000)
    for token in ("Infinity", "-Infinity", "NaN", "1e309", "1e308", "1" + "0" * 40):
        yield Case(f"D2 device_id {token[:12]} predict-revenue", "predict-revenue", raw("predict-revenue", "device_id",
                                                                                        token))  # fmt: skip
    yield Case(
        "D2 device_id 1e308 affinity-analysis", "affinity-analysis", raw("affinity-analysis", "device_id", "1e308")
    )
    yield Case(
        "D2 device_id 10^40 demand-forecast", "demand-forecast", raw("demand-forecast", "device_id", "1" + "0" * 40)
    )
    yield Case("D2 device_id Infinity personalize-location", "personalize-location",
               raw("personalize-location", "device_id", "Infinity"))  # fmt: skip
    yield Case("D2 device_id 5000 digits predict-revenue", "predict-revenue",
               raw("predict-revenue", "device_id", "7" * 5000))  # fmt: skip
    huge_planogram = "1" + "0" * 40 + "_0"
    yield Case("D2 planogram_id 40-digit device", "realtime-analysis",
               with_("realtime-analysis", planogram_id=huge_planogram))  # fmt: skip
    yield Case("D2 product_id 10^40 realtime-analysis", "realtime-analysis",
               raw("realtime-analysis", "product_id", "1" + "0" * 40))  # fmt: skip
    yield Case("D2 cabinet_index 10^40 predict-revenue", "predict-revenue",
               raw("predict-revenue", "cabinet_index", "1" + "0" * 40))  # fmt: skip
    yield Case("D2 slot capacity 10^30 predict-revenue", "predict-revenue", slots_with("predict-revenue",
                                                                                       capacity=10**30))  # fmt: skip
    yield Case("D2 slot capacity 10^30 realtime-analysis", "realtime-analysis",
               slots_with("realtime-analysis", capacity=10**30))  # fmt: skip
    yield Case("D2 slot quantity 10^30 predict-revenue", "predict-revenue", slots_with("predict-revenue",
                                                                                       quantity=10**30))  # fmt: skip
    yield Case("D2 products [10^40] demand-forecast", "demand-forecast", with_("demand-forecast", products=[10**40]))
    yield Case("D2 min_confidence NaN affinity-analysis", "affinity-analysis",
               raw("affinity-analysis", "min_confidence", "NaN"))  # fmt: skip
    yield Case("D2 daily_traffic 1e309 personalize-location", "personalize-location", lambda: json.dumps(
        {**valid["personalize-location"], "location_context": {"traffic_patterns": {"daily_traffic": "@@"}}}
    ).replace('"@@"', "1e309"))  # fmt: skip

    def batch(count: int) -> Callable[[], bytes]:
        return lambda: b"[" + b"{}," * (count - 1) + b"{}]"

    yield Case("D7 realtime-analysis 1,000,000 items", "realtime-analysis", batch(1_000_000))
    yield Case("D7 realtime-analysis 25,000,000 items", "realtime-analysis", batch(25_000_000))

    def weather(token: str) -> Callable[[], str]:
        external = {"weather_forecast": [{"date": "@@date", "temperature_c": "@@"}]}
        text = json.dumps({**valid["demand-forecast"], "external_data": external})
        return lambda: text.replace('"@@"', token).replace("@@date", first_day)

    forecast = valid["demand-forecast"]
    yield Case("D8 temperature_c NaN demand-forecast", "demand-forecast", weather("NaN"))
    yield Case("D8 temperature_c 1e308 demand-forecast", "demand-forecast", weather("1e308"))
    yield Case("D8 10,000 copies of one product", "demand-forecast",
               lambda: json.dumps({**forecast, "products": [forecast["products"][0]] * 10_000}))  # fmt: skip
    yield Case("D8 expected_attendance -5000", "demand-forecast", lambda: json.dumps({**forecast, "external_data": {
        "events": [{"date": first_day, "name": "x", "expected_attendance": -5000}]}}))  # fmt: skip
    yield Case("echo 10,000-char location type", "personalize-location", lambda: json.dumps(
        {**valid["personalize-location"], "location_context": {"type": "x" * 10_000}}))  # fmt: skip
    yield Case("echo 10,000 bad slots predict-revenue", "predict-revenue", lambda: json.dumps(
        {**valid["predict-revenue"], "proposed_planogram": {"slots": [{"position": "Z99"}] * 10_000}}))  # fmt: skip
    yield Case("size 20 MB string realtime-analysis", "realtime-analysis",
               with_("realtime-analysis", slot_position="A" * 20_000_000))  # fmt: skip


def data_counts(database: Path) -> dict[str, int]:
    """Rows per table, the audit log left out (failed calls are audited by id on purpose)."""
    with closing(sqlite3.connect(database)) as connection:
        tables = [n for (n,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if "audit" not in t}


@dataclass(frozen=True)
class Outcome:
    code: int | str
    message: str
    out_bytes: int
    seconds: float
    peak_mb: float
    strict: bool
    changed: bool


def run(case: Case, database: Path, environment: dict[str, str], timeout: float) -> Outcome:
    """One fresh process under ``/usr/bin/time`` (its peak memory is the child's own: a child forked from this
    bench would inherit the bench's high-water mark, which the big cases raise to gigabytes)."""
    built = case.body()
    body = built.encode() if isinstance(built, str) else built
    del built
    before = data_counts(database)
    with tempfile.TemporaryDirectory() as scratch:
        stdin, stdout, stderr, peak = (Path(scratch) / name for name in ("in", "out", "err", "peak"))
        stdin.write_bytes(body)
        del body
        command = ["/usr/bin/time", "-f", "%M", "-o", str(peak), sys.executable, "main.py", "api", case.endpoint,
                   "--db", str(database)]  # fmt: skip
        started = time.perf_counter()
        with stdin.open("rb") as into, stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(command, cwd=PROJECT, env=environment, stdin=into, stdout=out, stderr=err,
                                       start_new_session=True)  # fmt: skip
            try:
                code: int | str = process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                code = f"killed>{timeout:.0f}s"
        seconds = time.perf_counter() - started
        written = peak.read_text().split() if peak.exists() else []
        peak_mb = int(written[-1]) / 1024 if written and written[-1].isdigit() else float("nan")
        out_bytes = stdout.read_bytes()
        err_text = stderr.read_text(errors="replace")
    text = out_bytes.decode(errors="replace")
    try:
        answer = _strict(text)
        strict = True
    except ValueError:
        answer, strict = None, False
    if isinstance(answer, dict):
        message = str(answer.get("error", "success" if answer.get("success") else ""))
    elif isinstance(answer, list):
        message = f"array of {len(answer)}: " + str(answer[0].get("error", "") if answer else "")
    else:
        lines = [line for line in err_text.strip().splitlines() if not line.startswith("Command ")] or [""]
        message = lines[-1]
    return Outcome(code, message, len(out_bytes), seconds, peak_mb, strict, data_counts(database) != before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing demo SQLite database (copied; default: build one)")
    parser.add_argument("--only", default="", help="run only the cases whose label contains this text")
    parser.add_argument("--timeout", type=float, default=150.0, help="seconds before a case is killed")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch:
        folder = Path(scratch)
        environment = private_environment(folder)
        environment["QT_QPA_PLATFORM"] = "offscreen"
        database = folder / "demo.sqlite"
        if options.db is not None:
            shutil.copyfile(options.db, database)
        else:
            print("building the demo database (not timed) …", flush=True)
            subprocess.run([sys.executable, "main.py", "demo", "--db", str(database)], cwd=PROJECT, env=environment,
                           check=True, capture_output=True)  # fmt: skip
        valid: dict[str, dict[str, object]] = requests(database)
        with closing(sqlite3.connect(database)) as connection:
            (last,) = connection.execute("SELECT max(date(sold_at)) FROM sales WHERE device_id = 1").fetchone()
        first_day = str(dt.date.fromisoformat(last) + dt.timedelta(days=1))
        # one untimed valid call per endpoint trains and saves the placement model, as a first run would
        for endpoint, request in valid.items():
            subprocess.run([sys.executable, "main.py", "api", endpoint, "--db", str(database)], cwd=PROJECT,
                           env=environment, input=json.dumps(request), capture_output=True, text=True)  # fmt: skip
        if options.markdown:
            print("| case | exit | error (first 90 chars) | out bytes | s | peak MB | strict JSON | DB changed |")
            print("|---|---|---|---|---|---|---|---|")
        within = True
        for case in cases(valid, first_day):
            if options.only not in case.label:
                continue
            found = run(case, database, environment, options.timeout)
            ok = (
                found.code in (0, 2)
                and found.strict
                and (found.code == 0 or (not found.changed and found.out_bytes <= ERROR_BYTES_BUDGET))
                and (found.code == 0 or found.seconds <= REJECTED_SECONDS_BUDGET)
                and (found.code == 0 or found.peak_mb <= REJECTED_MEMORY_BUDGET_MB)
            )
            within &= ok
            message = found.message.replace("|", "/").replace("\n", " ")[:90]
            if options.markdown:
                print(f"| {case.label} | {found.code} | {message} | {found.out_bytes:,} | {found.seconds:.2f} | "
                      f"{found.peak_mb:.0f} | {'yes' if found.strict else 'NO'} | {'YES' if found.changed else 'no'} |",
                      flush=True)  # fmt: skip
            else:
                print(f"{case.label:<44} exit {found.code!s:<4} {found.out_bytes:>11,} B {found.seconds:7.2f} s "
                      f"{found.peak_mb:7.0f} MB strict={found.strict!s:<5} changed={found.changed!s:<5} "
                      f"{'OK' if ok else 'OVER'}  {message}", flush=True)  # fmt: skip
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
