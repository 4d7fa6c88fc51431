"""Plain Python that knows nothing of Django: YAML, Markdown, manifests, assertions, grading."""
