"""Planning rules as pure functions on relief laws: booking, review, history shrinkage."""
