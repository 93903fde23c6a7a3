"""Tests of the course: assignments."""
