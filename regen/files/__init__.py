"""Files: the strict CSV / Parquet reader, the CSV encoder, atomic writing and output paths."""
