"""Tests in a real browser: headless Chromium drives JupyterLab the way learners and instructors do."""
