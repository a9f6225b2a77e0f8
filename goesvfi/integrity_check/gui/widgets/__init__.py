"""Qt-only widgets of the tab: table model, timeline, controls, layout, settings dialog, style; no files, no network."""
