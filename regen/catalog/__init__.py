"""The catalogs and shipped tables: nerves, indications, mechanistic parameters, datasets."""
