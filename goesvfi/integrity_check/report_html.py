"""One self-contained HTML page for a person to read, mail or publish: the summary, the gaps, the calendar as
inline SVG and the table of frames. No scripts, no external URLs, no images outside the page; well-formed
markup (it parses as XML, whatever the file names: control characters and bytes that are not UTF-8 are shown
escaped by :func:`.safe_text.safe_text`), so any browser or mail client shows it as written.

Pure: no Qt; the calendar's day/hour binning and colours are :mod:`goesvfi.integrity_check.calendar_bins`, the
same as the tab's calendar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from goesvfi.integrity_check.calendar_bins import (
    CELL_COLORS,
    DAY,
    HOUR,
    LEGEND,
    CalendarBins,
    bin_slots,
    categories,
    week_column,
    weekday,
)
from goesvfi.integrity_check.folder.atomic import commit, remove_quietly, temp_path
from goesvfi.integrity_check.results import SlotResult, SlotStatus, find_gaps, satellites_line
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.status_names import STATUSES, status_name

FULL_TABLE_ROWS = 20_000  # above this, the table lists only the frames that are not simply present
MAX_GAPS = 500
_CELL, _LEFT, _TOP = 16, 44, 20
_STYLE = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.meta { color: #666; } .warn { color: #b9770e; }
table { border-collapse: collapse; } th, td { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
table.frames { width: 100%; table-layout: auto; }
table.frames td, table.frames th { border-bottom: 1px solid #eee; font-variant-numeric: tabular-nums; }
table.frames td:nth-child(-n+4) { white-space: nowrap; }
table.frames td:nth-child(5) { word-break: break-all; max-width: 28em; font-size: 12px; color: #555; }
table.frames td:nth-child(6) { min-width: 18em; }
table.counts td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font: 11px sans-serif; fill: #444; }
""" + " ".join(f".s-{s.value} {{ color: {s.colour}; }}" for s in STATUSES)  # the tab's colours (status_names)


def _text(value: object) -> str:
    """Any text on the page: control characters and bytes that are not UTF-8 shown escaped, then XML-escaped."""
    return escape(safe_text(value), quote=True)


def _when(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def calendar_svg(bins: CalendarBins) -> str:
    """The calendar as inline SVG: days (weeks in columns, Monday on top) or hours (a row per day)."""
    if not len(bins):
        return "<p>No frames expected.</p>"
    cells: list[str] = []
    labels: list[str] = []
    if bins.unit == DAY:
        columns = week_column(bins.start(len(bins) - 1), bins.first) + 1
        rows = 7
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
            labels.append(f'<text x="0" y="{_TOP + row * _CELL + 10}">{name}</text>')
        last_label = -100
        for i in range(len(bins)):
            start = bins.start(i)
            x, y = _LEFT + week_column(start, bins.first) * _CELL, _TOP + weekday(start) * _CELL
            cells.append(_rect(x, y, _CELL - 2, bins, i, f"{_when(start):%a %Y-%m-%d}"))
            when = _when(start)
            if (when.day == 1 or i == 0) and x - last_label >= 4 * _CELL:
                labels.append(f'<text x="{x}" y="12">{when:%b %Y}</text>')
                last_label = x
    else:
        first_day = bins.first // DAY * DAY
        rows = (bins.start(len(bins) - 1) - first_day) // DAY + 1
        columns = 24
        for hour in range(0, 24, 3):
            labels.append(f'<text x="{_LEFT + 20 + hour * _CELL * 2}" y="12">{hour:02d}</text>')
        for row in range(rows):
            day = first_day + row * DAY
            labels.append(f'<text x="0" y="{_TOP + row * _CELL + 10}">{_when(day):%m-%d}</text>')
        for i in range(len(bins)):
            start = bins.start(i)
            row, hour = (start - first_day) // DAY, (start % DAY) // HOUR
            x, y = _LEFT + 20 + hour * _CELL * 2, _TOP + row * _CELL
            label = f"{_when(start):%Y-%m-%d %H}:00"
            cells.append(_rect(x, y, 2 * _CELL - 2, bins, i, label, height=_CELL - 2))
    width = _LEFT + 20 + columns * _CELL * (2 if bins.unit == HOUR else 1)
    legend_y = _TOP + rows * _CELL + 8
    x = _LEFT
    legend: list[str] = []
    for cls in LEGEND:
        legend.append(f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{CELL_COLORS[cls]}"/>')
        legend.append(f'<text x="{x + 14}" y="{legend_y + 9}">{_text(cls.value)}</text>')
        x += 24 + 6 * len(cls.value)
    height = legend_y + 18
    width = max(width, x)
    body = "".join(labels + cells + legend)
    return (
        f'<svg role="img" aria-label="Calendar of frames" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{body}</svg>'
    )


def _rect(x: int, y: int, width: int, bins: CalendarBins, index: int, label: str, height: int = _CELL - 2) -> str:
    color = CELL_COLORS[bins.cell_class(index)]
    tip = _text(f"{label} UTC: {bins.describe(index)}")
    return f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{color}"><title>{tip}</title></rect>'


def html_report(
    slots: Sequence[SlotResult],
    *,
    title: str,
    generated: datetime | None = None,
    warnings: Sequence[str] = (),
) -> str:
    """The page for ``slots`` (one per expected time, in time order, as ``report`` and the tab have them)."""
    generated = generated or datetime.now(UTC)
    times = [s.timestamp.timestamp() for s in slots]
    codes = categories(s.status.value for s in slots)
    span = (times[-1] - times[0]) if times else 0
    bins = bin_slots(times, codes, HOUR if span < 7 * DAY else DAY)
    statuses = Counter(s.status.value for s in slots)
    total = len(slots)
    bad = {SlotStatus.MISSING.value, SlotStatus.FAILED.value, SlotStatus.DAMAGED.value}
    missing = [s.timestamp for s in slots if s.status.value in bad]
    gaps = find_gaps([s.timestamp for s in slots], missing)
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_text(title)}</h1>",
        f'<p class="meta">Integrity report generated {generated:%Y-%m-%d %H:%M} UTC. Times are UTC.</p>',
    ]
    parts.extend(f'<p class="warn">{_text(w)}</p>' for w in warnings)
    parts.append('<h2>Summary</h2><table class="counts">')
    parts.append(f'<tr><td>Expected frames</td><td class="n">{total:,}</td><td></td></tr>')
    for status in sorted(statuses, key=lambda v: (-statuses[v], v)):
        share = f"{100 * statuses[status] / total:.1f}%" if total else ""
        parts.append(
            f'<tr><td class="s-{_text(status)}">{_text(status_name(status).label)}</td>'
            f'<td class="n">{statuses[status]:,}</td><td class="n">{share}</td></tr>'
        )
    longest = max(gaps, key=lambda g: g.count, default=None)
    gap_text = "none" if longest is None else f"{len(gaps):,}; longest: {longest.describe()}"
    parts.append(f'<tr><td>Gaps</td><td colspan="2">{_text(gap_text)}</td></tr>')
    if len({s.satellite for s in slots}) > 1:  # GOES-East/West across a satellite change: who made which frames
        by_satellite = satellites_line(slots).removeprefix("Frames by satellite: ")
        parts.append(f'<tr><td>Frames by satellite</td><td colspan="2">{_text(by_satellite)}</td></tr>')
    parts.append("</table>")
    unit = "day" if bins.unit == DAY else "hour"
    parts.append(
        f'<h2>Calendar</h2><p class="meta">One cell per {unit}, coloured by the share of frames '
        "missing (hover a cell for its counts).</p>"
    )
    parts.append(calendar_svg(bins))
    parts.append(f"<h2>Gaps ({len(gaps):,})</h2>")
    if gaps:
        parts.append("<ul>")
        parts.extend(f"<li>{_text(g.describe())}</li>" for g in gaps[:MAX_GAPS])
        parts.append("</ul>")
        if len(gaps) > MAX_GAPS:
            parts.append(f"<p>... and {len(gaps) - MAX_GAPS:,} more (the CSV report lists every frame).</p>")
    else:
        parts.append("<p>No gaps.</p>")
    parts.append(_table(slots))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _table(slots: Sequence[SlotResult]) -> str:
    rows = list(slots)
    note = ""
    if len(rows) > FULL_TABLE_ROWS:
        rows = [s for s in rows if s.status is not SlotStatus.PRESENT]
        note = (
            f'<p class="meta">{len(slots) - len(rows):,} frames present before any fetch are left out; '
            "the CSV report lists every frame.</p>"
        )
    out = [f"<h2>Frames ({len(rows):,})</h2>", note, '<table class="frames"><thead><tr>']
    out.append("<th>Time (UTC)</th><th>Status</th><th>Source</th><th>File</th><th>Remote</th><th>Error</th>")
    out.append("</tr></thead><tbody>")
    for s in rows:
        status = s.status.value
        words = _text(status_name(status).label)
        out.append(
            f'<tr><td>{s.timestamp:%Y-%m-%d %H:%M:%S}</td><td class="s-{_text(status)}">{words}</td>'
            f"<td>{_text(s.source.value if s.source else '')}</td><td>{_text(s.path.name if s.path else '')}</td>"
            f"<td>{_text(s.remote or '')}</td><td>{_text(s.error or '')}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def write_html(
    path: str | Path,
    slots: Sequence[SlotResult],
    *,
    title: str,
    generated: datetime | None = None,
    warnings: Sequence[str] = (),
) -> None:
    """Write :func:`html_report` atomically (temp file in the target folder, fsync, rename)."""
    final = Path(path).expanduser()
    tmp = temp_path(final, ".html")
    try:
        tmp.write_text(html_report(slots, title=title, generated=generated, warnings=warnings), encoding="utf-8")
        commit(tmp, final)
    except BaseException:
        remove_quietly(tmp)
        raise
