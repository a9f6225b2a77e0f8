"""GOES-VFI: GOES satellite frame tools. This distribution carries the Integrity Check tab and its CLI."""

__version__ = "0.1.0"
