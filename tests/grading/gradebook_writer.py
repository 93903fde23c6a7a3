"""Write grades into a gradebook the way nbgrader's autograde does: run by a concurrency test, many at once.

``python tests/grading/gradebook_writer.py <db_url> <assignment> <student>...`` creates each
student and their submission, then sets every grade cell's score to the number after the
``s`` in the student's id (``w3s2`` scores 2), one commit per cell, opening the gradebook
again for each step as nbgrader's converter and preprocessors do.
"""

from __future__ import annotations

import sys


def write_grades(db_url: str, assignment: str, students: list[str]) -> None:
    from nbgrader.api import Gradebook

    from grading.student_grader import with_busy_timeout

    db_url = with_busy_timeout(db_url)
    for student in students:
        with Gradebook(db_url) as gradebook:
            gradebook.update_or_create_student(student)
        with Gradebook(db_url) as gradebook:
            gradebook.update_or_create_submission(assignment, student)
        with Gradebook(db_url) as gradebook:
            submission = gradebook.find_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = float(student.split("s")[1])
                    grade.needs_manual_grade = False
                    gradebook.db.commit()


if __name__ == "__main__":
    write_grades(sys.argv[1], sys.argv[2], sys.argv[3:])
