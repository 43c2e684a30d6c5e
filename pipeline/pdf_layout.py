"""Reading order for PDF pages: detect a column gutter and read column by column.

PDFium returns text in content-stream order, which interleaves the columns of a
two-column CV when the generator wrote it row by row. We use the text rectangles
PDFium computes (one per run of text on a line) to find a vertical band that no
rectangle crosses, with text on both sides, and read each side separately.
"""

from __future__ import annotations

from typing import Any

Rect = tuple[float, float, float, float]  # left, bottom, right, top

_MIN_RECTS = 6
_MIN_SIDE_SHARE = 0.15
_MIN_GUTTER_WIDTH = 8.0


def _coverage(rects: list[Rect], lo: int, hi: int) -> list[int]:
    """How many rects cover each x in [lo, hi] (a difference array, then a running sum)."""
    deltas = [0] * (hi - lo + 2)
    for left, _bottom, right, _top in rects:
        start = max(lo, int(left))
        end = min(hi, int(right) + 1)
        if start <= end:
            deltas[start - lo] += 1
            deltas[end - lo + 1] -= 1
    counts: list[int] = []
    running = 0
    for delta in deltas[:-1]:
        running += delta
        counts.append(running)
    return counts


def _best_gap(counts: list[int], lo: int) -> float | None:
    """Middle of the widest run of zero coverage, or None."""
    best: tuple[int, int] | None = None
    run_start = -1
    for i, count in enumerate([*counts, 1]):
        if count == 0 and run_start < 0:
            run_start = i
        elif count != 0 and run_start >= 0:
            if best is None or i - run_start > best[1] - best[0]:
                best = (run_start, i)
            run_start = -1
    if best is None or best[1] - best[0] < _MIN_GUTTER_WIDTH:
        return None
    return lo + (best[0] + best[1]) / 2


def find_gutter(rects: list[Rect], width: float) -> tuple[float, float, float] | None:
    """(gutter x, top, bottom) of a two-column band, or None for a single-column page.

    Lines crossing the gutter above the middle of the text form a header read before
    the columns; those below it form a footer read after them.
    """
    if len(rects) < _MIN_RECTS:
        return None
    lo, hi = int(width * 0.2), int(width * 0.8)
    narrow = [r for r in rects if r[2] - r[0] < width * 0.5]
    if len(narrow) < _MIN_RECTS:
        return None
    gutter = _best_gap(_coverage(narrow, lo, hi), lo)
    if gutter is None:
        return None
    left = sum(r[2] <= gutter for r in narrow)
    right = sum(r[0] >= gutter for r in narrow)
    if min(left, right) / len(narrow) < _MIN_SIDE_SHARE:
        return None
    middles = sorted((r[1] + r[3]) / 2 for r in narrow)
    median = middles[len(middles) // 2]
    crossing = [r for r in rects if r[0] < gutter < r[2]]
    top = min((r[1] for r in crossing if r[1] >= median), default=1e9)
    bottom = max((r[3] for r in crossing if r[1] < median), default=0.0)
    band = [r for r in narrow if r[1] >= bottom - 1 and r[3] <= top + 1]
    sides = (sum(r[2] <= gutter for r in band), sum(r[0] >= gutter for r in band))
    if top <= bottom or min(sides) < 3 or min(sides) / len(rects) < _MIN_SIDE_SHARE / 2:
        return None
    return gutter, top, bottom


def page_text(textpage: Any, width: float, height: float) -> str:
    """Text of one page in reading order."""
    count = textpage.count_rects()
    rects: list[Rect] = [textpage.get_rect(i) for i in range(count)]
    layout = find_gutter(rects, width)
    if layout is None:
        return str(textpage.get_text_range())
    gutter, top, bottom = layout
    top = min(top, height)
    parts = [
        textpage.get_text_bounded(0, top, width, height) if top < height else "",
        textpage.get_text_bounded(0, bottom, gutter, top),
        textpage.get_text_bounded(gutter, bottom, width, top),
        textpage.get_text_bounded(0, 0, width, bottom) if bottom > 0 else "",
    ]
    return "\n".join(str(p) for p in parts if p and p.strip())
