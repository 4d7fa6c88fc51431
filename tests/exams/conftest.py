"""The classes' personas and cohorts (tests/classes/conftest.py), for exams scheduled by a class."""

from tests.classes.conftest import cohort, dave, other_cohort, root  # noqa: F401
