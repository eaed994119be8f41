"""Measuring the course: ``make bench`` (the README's budget table) and ``make stress``."""
