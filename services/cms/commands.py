"""Cms's operator commands (run through `python -m services.admin`): none of its own yet;
its invariants for `check` are the kernel's (its outbox is drained)."""

from __future__ import annotations

from shared.invariants import outbox_drained

INVARIANTS = [outbox_drained("cms")]
