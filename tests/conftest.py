"""Shared pytest configuration."""

pytest_plugins = ["tests.emulator_fixtures"]
