"""Small helpers every layer uses: parsing raw values, printable text, shipped-file paths."""
