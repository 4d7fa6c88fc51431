"""Grading as pure functions: an exercise's manifest, a lab's cluster snapshot, a regrade."""
