"""A virtual screen (Xvfb), the real designer running on it, and a person's hands (xdotool) to drive it.

The tests press, move in small steps and release a real X pointer, and type real key combinations, so Qt's
own drag-and-drop and shortcut machinery runs exactly as on a merchandiser's desk. Where things are comes from
the running window itself (:mod:`tests.real_input.app_probe`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREEN = "1600x1000x24"
TOOLS = ("Xvfb", "xdotool", "import")
STEP_PAUSE = 0.02  # seconds between pointer steps, as a hand moves
START_TIMEOUT = 60.0

State = dict[str, Any]
Point = tuple[int, int]
Launch = Callable[..., "RunningDesigner"]  # the tests' fixture: start the designer with these arguments (until=…)


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def free_display() -> int:
    """A display number no X server (or stale lock) uses."""
    for number in range(90, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number between :90 and :199")


class VirtualScreen:
    """``Xvfb :N`` for the session; stopped (by its own pid) at the end."""

    def __init__(self) -> None:
        self.number = free_display()
        self.name = f":{self.number}"
        self.process = subprocess.Popen(
            ["Xvfb", self.name, "-screen", "0", SCREEN, "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        socket = Path(f"/tmp/.X11-unix/X{self.number}")
        deadline = time.monotonic() + 10
        while not socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb {self.name} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Hands:
    """Real X input on one display: a pointer that presses, moves in small steps and releases; keys."""

    def __init__(self, display: str) -> None:
        self.env = {**os.environ, "DISPLAY": display}

    def xdotool(self, *arguments: str) -> str:
        done = subprocess.run(["xdotool", *arguments], env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(arguments[:6])}…: {done.stderr.strip()}")
        return done.stdout

    def drag(self, path: Sequence[Point], *, before_release: Callable[[], None] | None = None) -> None:
        """Press at the path's first point, move through the rest one small step at a time, release."""
        start = path[0]
        self.xdotool("mousemove", str(start[0]), str(start[1]))
        time.sleep(0.15)
        self.xdotool("mousedown", "1")
        moves: list[str] = []
        for x, y in path[1:]:
            moves += ["mousemove", str(x), str(y), "sleep", str(STEP_PAUSE)]
        for chunk in range(0, len(moves), 400):  # one xdotool process per ~80 steps keeps the pace even
            self.xdotool(*moves[chunk : chunk + 400])
        time.sleep(0.3)  # let the last drag move arrive before the release
        if before_release is not None:
            before_release()
        self.xdotool("mouseup", "1")

    def key(self, combination: str) -> None:
        self.xdotool("key", "--clearmodifiers", combination)


def steps(start: Point, end: Point, size: int) -> list[Point]:
    """Points from ``start`` (excluded) to ``end`` (included), at most ``size`` pixels apart."""
    distance = max(abs(end[0] - start[0]), abs(end[1] - start[1]))
    count = max(1, -(-distance // size))
    return [
        (round(start[0] + (end[0] - start[0]) * i / count), round(start[1] + (end[1] - start[1]) * i / count))
        for i in range(1, count + 1)
    ]


class RunningDesigner:
    """``main.py`` as a process on the virtual screen, with its own XDG folders and a snapshot file to read."""

    def __init__(self, display: str, arguments: Sequence[str], home: Path, log: Path) -> None:
        self.display = display
        self.home = home
        self.geometry = home / "geometry.json"
        self.geometry.unlink(missing_ok=True)
        self.hands = Hands(display)
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PLANOGRAM_GEOMETRY_FILE": str(self.geometry),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_RUNTIME_DIR": str(home / "runtime"),
            "HOME": str(home),
        }
        env.pop("PLANOGRAM_USER", None)
        (home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
        self.log = log
        self._log_file = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.real_input.app_probe", *arguments],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self.window_id = ""

    def wait_for_window(self) -> None:
        """The X window appears (``xdotool search --sync``), then its snapshot shows a device's cabinets."""
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", "Planogram Studio"],
            env=self.hands.env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if not found.stdout.split():
            raise AssertionError(f"no window named Planogram Studio appeared; log: {self.log}")
        state = self.wait_until(
            lambda s: any(c["slots"] for c in s["cabinets"]) and bool(s["palette"]), "a device on screen"
        )
        self.window_id = str(state["x_window"])  # the designer's window, not the start window it replaced
        self.focus()

    def state(self) -> State:
        if self.process.poll() is not None:
            raise AssertionError(f"the designer exited ({self.process.returncode}); see {self.log}")
        try:
            return json.loads(self.geometry.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def wait_until(self, condition: Callable[[State], bool], what: str, timeout: float = 30.0) -> State:
        deadline = time.monotonic() + timeout
        state: State = {}
        while time.monotonic() < deadline:
            state = self.state()
            if state and condition(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; last state: {json.dumps(brief(state))}; log: {self.log}")

    def settle(self) -> State:
        """A snapshot written after this moment (the window writes one every 200 ms)."""
        time.sleep(0.5)
        return self.state()

    def focus(self) -> None:
        """No window manager: give the main window the keyboard again (after a dialog, or at start)."""
        if self.window_id:
            self.hands.xdotool("windowfocus", "--sync", self.window_id)

    def screenshot(self, path: Path) -> None:
        subprocess.run(
            ["import", "-window", "root", str(path)], env=self.hands.env, check=True, capture_output=True, timeout=30
        )

    def quit(self, timeout: float = 30.0) -> int:
        """Ctrl+Q, as a person quits; the process must end by itself."""
        self.focus()
        self.hands.key("ctrl+q")
        try:
            return self.process.wait(timeout)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log_file.close()


# --- reading the snapshot ------------------------------------------------------------------------------------


def brief(state: State) -> State:
    """The snapshot without the long lists, for a failure message a person can read."""
    shown = {key: value for key, value in state.items() if key not in ("palette", "cabinets")}
    shown["cabinets"] = [
        {key: value for key, value in cabinet.items() if key != "slots"}
        | {"filled": {entry["label"]: entry["product_id"] for entry in cabinet["slots"] if entry["product_id"]}}
        for cabinet in state.get("cabinets", [])
        if cabinet.get("current")
    ]
    return shown


def current_cabinet(state: State) -> State:
    return next(cabinet for cabinet in state["cabinets"] if cabinet["current"])


def cabinet_in_zone(state: State, zone: str) -> State:
    return next(cabinet for cabinet in state["cabinets"] if cabinet["zone"] == zone)


def slot(cabinet: State, label: str) -> State:
    return next(entry for entry in cabinet["slots"] if entry["label"] == label)


def palette_row(state: State, temperature: str) -> State:
    return next(row for row in state["palette"] if row["temperature"] == temperature)


def journal_slots(state: State, device_id: int, cabinet_index: int) -> dict[str, int]:
    """The unsaved document of one cabinet as the recovery journal holds it: slot label → product id."""
    path = Path(state["recovery_folder"]) / f"{device_id}_{cabinet_index}.json"
    if not path.exists():
        return {}
    body = json.loads(path.read_text(encoding="utf-8"))
    slots = body["planogram"]["slots"]
    found = {}
    for entry in slots:
        label, product_id = entry["position"], entry.get("product_id")
        if product_id is not None:
            found[label] = product_id
    return found


def path_over_the_margin(start: Point, state: State, target: Point) -> list[Point]:
    """From a palette row, left into the cabinet view across its right margin (2 px steps), then to ``target``.

    The cursor first enters the view level with the target, over the grey margin beside the grid.
    """
    x, _y, width, _height = current_cabinet(state)["viewport"]
    outside = (x + width + 12, target[1])
    inside = (x + width - 6, target[1])
    return [start, *steps(start, outside, 4), *steps(outside, inside, 2), *steps(inside, target, 2)]


def empty_slot(cabinet: State) -> State:
    return next(entry for entry in cabinet["slots"] if entry["product_id"] is None)


def journal_settles(
    state: State, condition: Callable[[dict[str, int]], bool], what: str, timeout: float = 5.0
) -> dict[str, int]:
    """The recovery journal of device 1's cabinet 0 once ``condition`` holds (its writer stores within 0.2 s)."""
    deadline = time.monotonic() + timeout
    journal = journal_slots(state, 1, 0)
    while not condition(journal):
        if time.monotonic() > deadline:
            raise AssertionError(f"the recovery journal never showed {what}: {journal}")
        time.sleep(0.1)
        journal = journal_slots(state, 1, 0)
    return journal
