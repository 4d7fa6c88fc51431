"""The small Django-aware base every app may use: secrets at rest, request types, template tags."""
