"""What exams announce to the apps above them (the LMS gradebook, for one)."""

from django.dispatch import Signal

# An exam attempt was graded: user_id, exam_uuid (str).
exam_graded = Signal()
