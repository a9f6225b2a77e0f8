"""The command line (``goesvfi-integrity``): one module per subcommand, shared options in :mod:`.options`.

The entry point is :func:`goesvfi.integrity_check.cli.main.main`.
"""
