"""The self-check widget, headless: type an answer, press "Check", read the feedback line.

No browser and no kernel: the widgets live in this process, the button's
click handler runs synchronously, and the feedback is an HTML widget's value.
The pure checker gets property tests too: nothing a learner types may raise.
"""

import ast
import html
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widgets import SelfCheck, check_answer

QUESTION = "How many weeks until the onboarding is paid back? (one decimal)"


def _ask(answer: str, **options) -> SelfCheck:
    """A payback question (1,250 / 650 = 1.92 weeks) with ``answer`` typed and "Check" pressed."""
    settings = {"expected": 1250 / 650, "tolerance": 0.05, "hint": "Divide the onboarding cost by the weekly gain."}
    settings.update(options)
    check = SelfCheck(QUESTION, **settings)
    check.answer.value = answer
    check.button.click()
    return check


@pytest.mark.parametrize("answer", ["1.9", "1,9", " 1.92 ", "1.9 weeks"])
def test_a_right_answer_in_any_common_spelling_is_praised(answer):
    feedback = _ask(answer, explanation="1,250 / 650 = 1.92.").feedback.value
    assert "Correct" in feedback
    assert "1,250 / 650 = 1.92." in feedback
    assert "Hint" not in feedback


def test_a_wrong_answer_says_which_way_and_gives_the_hint():
    feedback = _ask("8.3").feedback.value
    assert "Not quite" in feedback and "too high" in feedback
    assert "Divide the onboarding cost by the weekly gain." in feedback


@pytest.mark.parametrize("answer", ["", "   ", "about two", "1.9 or 2", "∞", "1e400", "NaN"])
def test_bad_input_gets_a_friendly_message_not_a_traceback(answer):
    feedback = _ask(answer).feedback.value
    assert "Traceback" not in feedback and "Error" not in feedback
    assert "Type" in feedback
    assert "Hint" not in feedback


def test_the_learner_can_try_again_and_the_feedback_follows():
    check = _ask("3")
    assert "too high" in check.feedback.value
    check.answer.value = "1,9"
    check.button.click()
    assert "Correct" in check.feedback.value


def test_typed_markup_is_shown_as_text_never_run():
    check = _ask("<script>alert(1)</script>")
    assert "<script>" not in check.feedback.value
    assert html.escape("<script>") in check.feedback.value


def test_the_display_bundle_has_the_widget_and_a_static_snapshot():
    bundle = SelfCheck(QUESTION, expected=1.92, tolerance=0.05)._repr_mimebundle_()
    assert bundle["text/plain"] == f"SelfCheck: {QUESTION}"
    assert QUESTION in bundle["text/html"]
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


def test_the_static_snapshot_gives_the_question_but_not_the_answer():
    snapshot = SelfCheck("Weekly gain in EUR?", expected=4321.0).snapshot_html()
    assert "Weekly gain in EUR?" in snapshot
    assert "4321" not in snapshot and "4,321" not in snapshot


@pytest.mark.parametrize("expected, tolerance", [(float("nan"), 0), ("650", 0), (650, -1), (True, 0)])
def test_a_wrongly_written_question_fails_when_it_is_built(expected, tolerance):
    with pytest.raises(ValueError):
        SelfCheck(QUESTION, expected=expected, tolerance=tolerance)


def test_the_view_imports_only_widgets_and_the_pure_checker():
    import widgets.self_check_view as view

    tree = ast.parse(pathlib.Path(view.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "html", "ipywidgets", "widgets.self_check"}


@given(st.one_of(st.text(), st.floats(), st.integers(), st.none(), st.booleans(), st.lists(st.integers())))
def test_the_checker_never_raises_on_anything_a_learner_types(answer):
    feedback = check_answer(answer, expected=650, tolerance=0.5)
    assert isinstance(feedback.correct, bool) and feedback.message


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.floats(min_value=0, max_value=100))
def test_the_expected_answer_typed_plainly_is_always_right(expected, tolerance):
    assert check_answer(f"{expected:.6f}", expected, tolerance + 1e-6).correct
