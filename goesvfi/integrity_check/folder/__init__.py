"""Everything that touches the archive folder's files: locks, write-then-rename, pruning."""
