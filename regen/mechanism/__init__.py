"""The mechanism: latency, regrowth over the distance, maturation, and regeneration fronts."""
