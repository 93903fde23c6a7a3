"""Tests of the course: model."""
