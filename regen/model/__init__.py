"""The relief law, model bundles, the one prediction path and the Model class."""
