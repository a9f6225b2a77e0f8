"""The SQLite cache (aiosqlite): scans, folder index, remote listings, fetch log; schema and migrations."""
