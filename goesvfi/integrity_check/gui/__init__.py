"""Widgets of the Integrity Check tab: results table model, timeline, settings dialog, notifications.

Qt only; nothing here touches files or the network (the view model does that through the core).
"""
