"""Tests of the course: grading."""
