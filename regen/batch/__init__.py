"""Batch scoring of files, locally in chunks or on a Dask cluster."""
