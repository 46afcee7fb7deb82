"""Server-rendered SVG geometry for funding over time (integer arithmetic only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service.tracking.services import Series

PALETTE = (
    "#c8102e", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
)  # fmt: skip
CAP_PERCENT = 120
"""Lines are drawn up to 120 % of the target; above that they stay on the top edge."""


@dataclass(frozen=True)
class Line:
    project_id: int
    title: str
    colour: str
    points: str
    """SVG polyline points "x,y x,y …" in the chart's own coordinates."""
    last_percent: int


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def lines(series: list[Series], width: int, height: int) -> list[Line]:
    """One polyline per project: percent of target funded (received + matched) over time."""
    moments = [_micros(t) for s in series for t, _ in s.points]
    if not moments:
        return []
    start, end = min(moments), max(moments)
    span = max(end - start, 1)
    result = []
    for index, s in enumerate(series):
        if not s.points:
            continue
        coordinates = []
        percent = 0
        for moment, value in s.points:
            percent = value * 100 // s.target_fen if s.target_fen else 0
            x = (_micros(moment) - start) * width // span if end > start else width
            y = height - min(percent, CAP_PERCENT) * height // CAP_PERCENT
            coordinates.append(f"{x},{y}")
        result.append(
            Line(
                s.project_id, s.title, PALETTE[index % len(PALETTE)], " ".join(coordinates), percent
            )
        )
    return result


def time_span(series: list[Series]) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last snapshot times, for the axis labels."""
    moments = [t for s in series for t, _ in s.points]
    return (min(moments), max(moments)) if moments else None


def percent_y(percent: int, height: int) -> int:
    return height - min(percent, CAP_PERCENT) * height // CAP_PERCENT
