"""One HTML page for a whole archive file: a section per product, each the product's own report (``report
--archive FILE --html PAGE``). Written atomically like the single-product page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from goesvfi.integrity_check.folder.atomic import commit, remove_quietly, temp_path
from goesvfi.integrity_check.report_html import _STYLE, html_report
from goesvfi.integrity_check.results import SlotResult, SlotStatus


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    slots: Sequence[SlotResult]
    warnings: Sequence[str] = ()


def _body(page: str) -> str:
    """The inside of a product's page, its headings one level down (its title becomes the section's heading)."""
    inner = page.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    return inner.replace("<h2>", "<h3>").replace("</h2>", "</h3>").replace("<h1>", "<h2>").replace("</h1>", "</h2>")


def archive_html(title: str, sections: Sequence[Section], *, generated: datetime | None = None) -> str:
    """The page: a contents list with each product's completeness, then one section per product."""
    generated = generated or datetime.now(UTC)
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Integrity report of {len(sections)} products, generated {generated:%Y-%m-%d %H:%M} UTC.</p>',
        "<ul>",
    ]
    for i, section in enumerate(sections, 1):
        have = sum(s.status in (SlotStatus.PRESENT, SlotStatus.FETCHED) for s in section.slots)
        parts.append(f'<li><a href="#product-{i}">{escape(section.title)}</a>: {have:,} of {len(section.slots):,}</li>')
    parts.append("</ul>")
    for i, section in enumerate(sections, 1):
        page = html_report(section.slots, title=section.title, generated=generated, warnings=section.warnings)
        parts.append(f'<section id="product-{i}">{_body(page)}</section>')
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_archive_html(path: str | Path, title: str, sections: Sequence[Section]) -> None:
    final = Path(path).expanduser()
    tmp = temp_path(final, ".html")
    try:
        tmp.write_text(archive_html(title, sections), encoding="utf-8")
        commit(tmp, final)
    except BaseException:
        remove_quietly(tmp)
        raise
