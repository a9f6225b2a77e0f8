"""What people read for each frame status, and its colour: one table, used by every view.

The table, the timeline (colours, legend, tooltips), the calendar's legend, the status filter, the summary, the
preview and the HTML report all take a status's words and colour from :data:`STATUSES`; the CSV and JSON keep
the status's value (``unavailable``). Adding a status is one line here (and its member of
``results.SlotStatus``). Pure: no Qt, no I/O; keyed by the value so that the lowest layers can use it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StatusName:
    value: str  # the CSV / JSON value: results.SlotStatus.value
    label: str  # the one wording for people, everywhere
    colour: str  # hex; distinct in hue and lightness, readable on light and dark palettes, not red/green only
    meaning: str  # a sentence for tooltips


# In order of urgency: where several statuses share one pixel column of the timeline, the first wins; the
# status filter and sorting by status follow this order too.
STATUSES: tuple[StatusName, ...] = (
    StatusName("damaged", "Damaged", "#c04f9a", "a file is there but not a whole frame: a fetch replaces it"),
    StatusName("failed", "Failed", "#e39b12", "a fetch tried every source and failed"),
    StatusName("missing", "Missing", "#d64541", "not in the folder; NOAA has it, or availability is unknown"),
    StatusName("unavailable", "Not at NOAA", "#8e7cc3", "NOAA never produced it: nothing to fetch"),
    StatusName("fetched", "Fetched", "#2f7bc4", "written into the folder by a fetch"),
    StatusName("present", "Present", "#4c9a52", "in the folder"),
)
BY_VALUE: dict[str, StatusName] = {s.value: s for s in STATUSES}
UNKNOWN_COLOUR = "#d9c46a"


def status_name(value: str) -> StatusName:
    """The entry of a status value; one this table does not know keeps its value as words, in a neutral colour."""
    known = BY_VALUE.get(value)
    return known if known is not None else StatusName(value, value.capitalize(), UNKNOWN_COLOUR, value)
