"""Tests of the course: views."""
