"""What labs announce to the apps above them (the LMS gradebook, for one)."""

from django.dispatch import Signal

# A submission got a score, or a new one from a regrade: user_id, lab_uuid (str).
submission_scored = Signal()
