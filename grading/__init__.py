"""The instructor's grading tools: what nbgrader needs beyond its defaults to grade this course.

Kept beside ``widgets/``, never inside it: grading code imports nbgrader, the
calculators never do. It is installed with the course's package, so nbgrader
imports the preprocessors that ``nbgrader_config.py`` names.
"""
