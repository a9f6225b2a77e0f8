"""A local stand-in for NOAA (STAR CDN and S3) for tests and demos; ``abi_file`` writes real-schema L1b files."""
