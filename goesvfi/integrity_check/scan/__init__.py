"""The scan: walk the folder, index its frames, match them to the expected scan times (Reconciler)."""
