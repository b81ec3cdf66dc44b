"""What people read: the clinic report, plots, the prediction table, listings."""
