"""How soon the designer answers when started (issue 17, DESIGN.md): printed against budgets, not asserted.

    .venv/bin/python tests/bench/bench_start.py                   under Xvfb (real paints) and offscreen
    .venv/bin/python tests/bench/bench_start.py --platform xcb    only under Xvfb
    .venv/bin/python tests/bench/bench_start.py --runs 9 --phases

Each figure is a fresh ``python main.py`` process, timed from just before it is launched; the median of
``--runs`` (5) runs after one warm-up run that is not counted (it fills the disk cache, as any earlier start
would). Every run gets private ``XDG_DATA_HOME``/``XDG_CONFIG_HOME``/``XDG_CACHE_HOME`` folders, so the user's
data is never touched.

- start on the demo database: the first paint < 0.7 s (the start window: the designer's frame at its size and
  place, the device pane, what is being opened and a busy bar; the main window then opens over it), and a usable
  window < 1.5 s;
- a first start (no demo database yet): the demo-building progress dialog painted < 1 s.

How the milestones are detected: the benchmark sets the test-only variable ``PLANOGRAM_START_TIMES`` to a file
and the app (``widgets.app.StartTimes``) appends ``<milestone> <unix time> <process CPU seconds>`` lines to
it. The CPU time (all the process's threads) is printed beside the wall time: on a machine busy with other
work it moves much less than the wall time, so it shows what a change saved when the wall times are noisy. A
window or dialog
counts as painted on the turn of the event loop after its first paint event (the paint has then been flushed to
the screen). *Usable* means: the device list is filled, the first device's cabinet view has painted, and the
event loop is idle again, so a click or a key is handled at once. The process is ended once its last milestone
is written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from widgets.app import (  # noqa: E402  (light: the app module imports its screens only when they open)
    DESIGNER_STARTED,
    DIALOG_PAINTED,
    FIRST_PAINT,
    START_TIMES_VARIABLE,
    USABLE,
    WINDOW_PAINTED,
)

APP_FOLDER = "planogram-studio"  # storage.engine.APP_NAME: where the demo database lives under XDG_DATA_HOME
TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class Figure:
    """One milestone of one run: milliseconds since launch, and CPU milliseconds the process had used by then."""

    wall_ms: float
    cpu_ms: float


@dataclass(frozen=True, slots=True)
class Budget:
    milestone: str
    what: str
    budget_ms: float | None  # None: shown for information


DEMO_DATABASE = (
    Budget(DESIGNER_STARTED, "interpreter + main.py + context (information)", None),
    Budget(FIRST_PAINT, "first paint (the designer's frame, what is opening)", 700),
    Budget(WINDOW_PAINTED, "main window painted (information)", None),
    Budget(USABLE, "usable window (list filled, cabinet painted)", 1500),
)
FIRST_START = (
    Budget(DESIGNER_STARTED, "interpreter + main.py + context (information)", None),
    Budget(DIALOG_PAINTED, "demo-building progress dialog painted", 1000),
    Budget(USABLE, "usable window after the build (information)", None),
)


@contextlib.contextmanager
def virtual_screen() -> Iterator[str | None]:
    """An Xvfb server of our own for the run (its display name), or None when Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        yield None
        return
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as answer:
        number = answer.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def demo_template(folder: Path) -> Path:
    """A demo database built once by ``main.py demo``; each run on the demo database starts from a copy."""
    database = folder / "demo.sqlite"
    subprocess.run([sys.executable, str(PROJECT / "main.py"), "demo", "--db", str(database)], check=True,
                   capture_output=True)  # fmt: skip
    return database


def private_environment(root: Path, platform: str, display: str | None) -> dict[str, str]:
    """This run's environment: its own XDG folders and milestone file, the Qt platform and, for xcb, the screen."""
    environment = {
        **os.environ,
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_CACHE_HOME": str(root / "cache"),
        START_TIMES_VARIABLE: str(root / "start-times.txt"),
        "QT_QPA_PLATFORM": platform,
    }
    environment.pop("DISPLAY", None)
    environment.pop("WAYLAND_DISPLAY", None)
    if display is not None:
        environment["DISPLAY"] = display
    return environment


def read_times(file: Path) -> dict[str, tuple[float, float]]:
    """Each milestone's unix time and the process's CPU seconds then (complete lines only; the first of each)."""
    if not file.exists():
        return {}
    times: dict[str, tuple[float, float]] = {}
    for line in file.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) == 3:
            times.setdefault(fields[0], (float(fields[1]), float(fields[2])))
    return times


def one_start(root: Path, environment: Mapping[str, str], until: str) -> dict[str, Figure]:
    """Launch the designer, wait for ``until``, end the process; each milestone's wall and CPU milliseconds."""
    times_file = Path(environment[START_TIMES_VARIABLE])
    launched = time.time()
    process = subprocess.Popen([sys.executable, str(PROJECT / "main.py")], env=dict(environment), cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while until not in (times := read_times(times_file)):
            if process.poll() is not None:
                stderr = process.stderr.read() if process.stderr else ""
                raise RuntimeError(f"the designer exited ({process.returncode}) before {until}: {stderr[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {until} within {TIMEOUT_S:.0f} s (got {sorted(times)})")
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return {milestone: Figure((when - launched) * 1000, cpu * 1000) for milestone, (when, cpu) in times.items()}


def measure(
    scenario: str, budgets: tuple[Budget, ...], template: Path | None, platform: str, display: str | None, runs: int
) -> list[dict[str, Figure]]:
    """``runs`` fresh starts (after one uncounted warm-up) in private folders; the demo database copied in first."""
    results: list[dict[str, Figure]] = []
    for run in range(runs + 1):
        with tempfile.TemporaryDirectory(prefix="bench-start-") as folder:
            root = Path(folder)
            if template is not None:
                (root / "data" / APP_FOLDER).mkdir(parents=True)
                shutil.copy(template, root / "data" / APP_FOLDER / "demo.sqlite")
            figures = one_start(root, private_environment(root, platform, display), budgets[-1].milestone)
        if run > 0:
            results.append(figures)
    print(f"-- {scenario}, {platform}{f' on Xvfb {display}' if display else ''}: median of {runs} fresh processes")
    for budget in budgets:
        values = sorted(figures[budget.milestone].wall_ms for figures in results)
        median = statistics.median(values)
        cpu = statistics.median(figures[budget.milestone].cpu_ms for figures in results)
        verdict = "" if budget.budget_ms is None else ("OK" if median < budget.budget_ms else "OVER BUDGET")
        limit = "" if budget.budget_ms is None else f"budget {budget.budget_ms:5.0f} ms"
        print(f"{budget.what:<50} median {median:6.0f} ms  (min {values[0]:5.0f}, max {values[-1]:5.0f}; "
              f"CPU {cpu:5.0f} ms)  {limit:<17} {verdict}")  # fmt: skip
    return results


def print_phases(results: list[dict[str, Figure]]) -> None:
    """Every milestone the app wrote, median wall and CPU milliseconds over the runs, in the order they happened."""
    names = [name for name in results[0] if all(name in r for r in results)]
    medians = {
        name: (statistics.median(r[name].wall_ms for r in results), statistics.median(r[name].cpu_ms for r in results))
        for name in names
    }
    for name, (wall, cpu) in sorted(medians.items(), key=lambda item: item[1][0]):
        print(f"   {name:<30} {wall:7.0f} ms   CPU {cpu:6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", choices=("xcb", "offscreen", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5, help="counted runs per figure (median; default 5)")
    parser.add_argument("--phases", action="store_true", help="also print every milestone the app wrote")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} cores")
    platforms = ("xcb", "offscreen") if args.platform == "both" else (args.platform,)
    with tempfile.TemporaryDirectory(prefix="bench-start-demo-") as folder, virtual_screen() as display:
        template = demo_template(Path(folder))
        for platform in platforms:
            if platform == "xcb" and display is None:
                print("-- xcb: skipped, Xvfb is not installed (apt-get install xvfb)")
                continue
            screen = display if platform == "xcb" else None
            for scenario, budgets, source in (("demo database", DEMO_DATABASE, template),
                                              ("first start", FIRST_START, None)):  # fmt: skip
                results = measure(scenario, budgets, source, platform, screen, args.runs)
                if args.phases:
                    print_phases(results)
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
