"""A clinic's own fit: the evidence model's posterior as a robust prior, updated with the clinic's rows."""
