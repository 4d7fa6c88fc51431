"""What quizzes announce to the apps above them (the LMS gradebook, for one)."""

from django.dispatch import Signal

# A student finished a quiz attempt: user_id, quiz_uuid (str).
attempt_finished = Signal()
