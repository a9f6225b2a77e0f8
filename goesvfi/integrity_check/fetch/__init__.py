"""Fetch the missing frames: plan (CDN or S3 per slot), jobs, retries, disk guard (ReconcileManager)."""
