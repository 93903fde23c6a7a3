"""The instructor's grading tools: what nbgrader needs beyond its defaults to grade this course.

Kept beside ``widgets/``, never inside it: grading code imports nbgrader, the
calculators never do. ``nbgrader_config.py`` puts this folder's parent on
``sys.path`` so nbgrader can import the preprocessors named there.
"""
