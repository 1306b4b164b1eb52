"""Tables: claims read from CSV or Parquet files (ours and the national settlement layout), settled in batch by
the same engine as one scenario, on threads or on Dask, and written back as exact result tables.

May import medrules.core (and medrules.rules through the engine); nothing above it."""
