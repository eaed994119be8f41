"""The course's build and grading tools: ``python -m helpers.course --help``."""
