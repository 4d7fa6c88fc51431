"""Quiz views: ``student`` (taking quizzes) and ``instructor`` (authoring, statistics)."""
