"""Tests of the course, mirroring its parts: model, views, lessons, assignments, grading."""
