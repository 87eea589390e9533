"""Where fitted placement models live, and when one must be retrained.

One file per database in the models folder the app context names (``DataFolders.models``, in the user data
directory; each test's context keeps them in its own folder), named by the database's identity. The file
records a fingerprint of the data it was fitted on (first and last sale ids; counts and highest ids of
stock-outs, activated planograms, products, devices and cabinets). While the database still has that
fingerprint the model is reused on the next start, otherwise it is retrained; checking takes 63 ms on a
fleet of 12 million sales.

Every saved file carries an HMAC-SHA256 beside it (``….npz.hmac``), keyed from this user's AI data key (the OS
keyring, else the 0600 key file: :mod:`storage.sealed_columns`): a file modified since it was saved, or copied
from another computer, is refused, written to the audit log (``model.refused``) and the model retrains.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ai.placement_model import FORMAT_VERSION, PlacementModel, fit_placement_model
from ai.training_stop import TrainingCancelled
from storage.database import Engine
from storage.engine import display_url, normalise_url, sqlite_file
from storage.model_fingerprints import placement_data_facts

log = logging.getLogger(__name__)
Progress = Callable[[int, str], None]
StopRequest = Callable[[], bool]

__all__ = [
    "ModelStore",
    "TrainingCancelled",
    "data_fingerprint",
    "load_or_train_placement_model",
    "train_placement_model",
]


def database_identity(url: str) -> str:
    """The same database gives the same identity however its URL is written (a SQLite file by its full path)."""
    file = sqlite_file(normalise_url(url))
    return f"sqlite:{file.resolve()}" if file is not None else display_url(url)


def data_fingerprint(engine: Engine) -> str:
    """A digest of what the placement model learns from; cheap (counts and maxima, mostly on primary keys)."""
    facts: dict[str, object] = dict(placement_data_facts(engine))
    facts["format"] = FORMAT_VERSION
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:24]


def model_version_for(fingerprint: str) -> str:
    """Short enough for ``ai_predictions.model_version`` (20 characters)."""
    return f"pm{FORMAT_VERSION}-{fingerprint[:12]}"


class ModelStore:
    """Saved placement models, one per database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.refused: list[tuple[str, str]] = []  # (file, why) of models refused since the last audit

    def path_for(self, url: str) -> Path:
        digest = hashlib.sha256(database_identity(url).encode()).hexdigest()[:16]
        return self.folder / f"placement-{digest}.npz"

    def load(self, url: str, fingerprint: str) -> PlacementModel | None:
        """The saved model of this database if it was fitted on exactly this data and signed by this machine; None
        otherwise (a file modified since, or made elsewhere, is refused, noted in :attr:`refused` and retrained)."""
        path = self.path_for(url)
        if not path.is_file():
            return None
        problem = integrity_problem(path)
        if problem is not None:
            log.warning("the saved model %s is refused: %s; it is retrained", path.name, problem)
            self.refused.append((path.name, problem))
            return None
        try:
            model = PlacementModel.load(path)
        except ValueError:
            return None  # unreadable or an older format: retrained and overwritten
        return model if model.fingerprint == fingerprint else None

    def save(self, url: str, model: PlacementModel) -> Path:
        """Save (replacing this database's previous model) and remove models of SQLite files since deleted."""
        path = self.path_for(url)
        replace(model, summary={**model.summary, "database": database_identity(url)}).save(path)
        sign_model_file(path)
        self._prune(keep=path)
        return path

    def _prune(self, keep: Path) -> None:
        """Test runs and scratch databases come and go; their models should not pile up."""
        for other in self.folder.glob("placement-*.npz"):
            if other == keep:
                continue
            try:
                database = str(PlacementModel.read_summary(other).get("database", ""))
            except ValueError:
                continue  # not ours to judge: an older format is replaced when its database is opened
            if database.startswith("sqlite:") and not Path(database.removeprefix("sqlite:")).exists():
                other.unlink(missing_ok=True)
                signature_of(other).unlink(missing_ok=True)


def signature_of(path: Path) -> Path:
    """The model file's HMAC, beside it (``placement-….npz.hmac``)."""
    return path.with_name(f"{path.name}.hmac")


def _digest(path: Path) -> str:
    from storage.sealed_columns import model_integrity_key

    return hmac.new(model_integrity_key(), path.read_bytes(), hashlib.sha256).hexdigest()


def sign_model_file(path: Path) -> None:
    """Write the file's HMAC (keyed from this user's keyring entry or key file) beside it, atomically."""
    signature = signature_of(path)
    partial = signature.with_name(f".{signature.name}.partial")
    partial.write_text(_digest(path) + "\n", encoding="ascii")
    partial.replace(signature)


def integrity_problem(path: Path) -> str | None:
    """Why the saved model cannot be trusted (no signature, or one that does not match), or None."""
    signature = signature_of(path)
    if not signature.is_file():
        return "it carries no signature of this computer (made elsewhere, or by an older version)"
    if not hmac.compare_digest(signature.read_text(encoding="ascii").strip(), _digest(path)):
        return "it was modified after it was saved, or signed with another computer's key"
    return None


def train_placement_model(
    engine: Engine, progress: Progress | None = None, should_stop: StopRequest | None = None
) -> PlacementModel:
    """Fit a placement model on the database's whole sales history; a plain function for a worker thread.

    ``progress(percent, message)`` reports 0–100; ``should_stop()`` is polled between steps and, when it
    returns True, training ends with :class:`TrainingCancelled`.
    """
    report: Progress = progress or (lambda _percent, _message: None)
    report(0, "Checking the sales history")
    return _train(engine, data_fingerprint(engine), report, should_stop)


def _train(engine: Engine, fingerprint: str, report: Progress, should_stop: StopRequest | None) -> PlacementModel:
    from ai.placement_history import read_placement_history  # pandas: only training reads the whole history

    history = read_placement_history(engine, report, should_stop)
    model = fit_placement_model(history, fingerprint, model_version_for(fingerprint), report, should_stop)
    report(100, "Placement model ready")
    return model


def audit_refusals(engine: Engine, store: ModelStore) -> None:
    """Each refused model file in the audit log (``model.refused``, with the file and why)."""
    from storage.audit import record_now

    while store.refused:
        name, why = store.refused.pop(0)
        record_now(engine, None, "model.refused", {"file": name, "reason": why, "then": "retrained"})


def load_or_train_placement_model(
    engine: Engine,
    url: str,
    store: ModelStore,
    progress: Progress | None = None,
    should_stop: StopRequest | None = None,
) -> PlacementModel:
    """The saved model when the data has not changed since it was fitted; otherwise train and save one."""
    fingerprint = data_fingerprint(engine)
    model = store.load(url, fingerprint)
    audit_refusals(engine, store)
    if model is not None:
        if progress is not None:
            progress(100, "Placement model loaded")
        return model
    model = _train(engine, fingerprint, progress or (lambda _percent, _message: None), should_stop)
    store.save(url, model)
    return model
