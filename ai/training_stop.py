"""How a person stops the placement model's training: one exception both the history reader and the fit raise.

Its own small module so the history reader (pandas) and the fit (numpy only when scoring) need not import each
other.
"""

from __future__ import annotations


class TrainingCancelled(Exception):
    """Training stopped on request; nothing was saved."""
