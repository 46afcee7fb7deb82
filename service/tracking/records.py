"""The shape of the project rows funding tracking reads (Piccolo selects are plain
dicts): a typed record that documents the keys, nothing at run time."""

from __future__ import annotations

from typing import TypedDict


class TrackedProject(TypedDict):
    """A project whose funding is tracked (`services.tracked_projects`)."""

    id: int
    title: str
    target_fen: int
    minimum_fen: int | None
