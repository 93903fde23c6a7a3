"""Tests of the course: lessons."""
