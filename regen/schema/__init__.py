"""The column contract: names, headers, dates, and validation of patient columns."""
