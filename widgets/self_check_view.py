"""A self-check question as a tiny widget: type an answer, press "Check", read the feedback.

The view only shows things; :func:`widgets.self_check.check_answer` decides
whether an answer is right. Everything runs in the learner's own kernel: no
server, no instructor. Displayed in a notebook, the question also carries a
static HTML snapshot, so a reader without a kernel still sees the question
(the lesson keeps the worked answer in a "Show the answer" fold below it).

Question, hint and explanation are plain text; they are escaped before they
are shown.
"""

from __future__ import annotations

import html

import ipywidgets as ipw

from widgets.self_check import Feedback, check_answer, check_question

_STYLES = {
    "correct": ("\u2705", "#1b5e20"),
    "wrong": ("\u274c", "#b71c1c"),
    "unreadable": ("\u26a0\ufe0f", "#8a5300"),
}


class SelfCheck:
    """One question with an answer box, a "Check" button and a feedback line.

    ``expected`` is the right answer and ``tolerance`` how far either side of it
    still counts as right. ``hint`` is shown after a wrong answer,
    ``explanation`` after a right one.
    """

    def __init__(
        self,
        question: str,
        expected: float,
        tolerance: float = 0.0,
        hint: str = "",
        explanation: str = "",
    ):
        self.expected, self.tolerance = check_question(expected, tolerance)
        self.question, self.hint, self.explanation = question, hint, explanation
        self.prompt = ipw.HTML(f"<strong>Check yourself:</strong> {html.escape(question)}")
        self.answer = ipw.Text(placeholder="Your answer, e.g. 1.9", layout=ipw.Layout(width="14em"))
        self.button = ipw.Button(description="Check", button_style="primary", tooltip="Check your answer")
        self.feedback = ipw.HTML("")
        self.button.on_click(self._on_check)
        self.box = ipw.VBox([self.prompt, ipw.HBox([self.answer, self.button]), self.feedback])

    def check(self) -> Feedback:
        """Check the answer in the box now, show the feedback, and return it."""
        feedback = check_answer(self.answer.value, self.expected, self.tolerance)
        self.feedback.value = self._render(feedback)
        return feedback

    def _on_check(self, _button: ipw.Button) -> None:
        self.check()

    def _render(self, feedback: Feedback) -> str:
        """The feedback line as HTML: a mark, the message, then the hint or the explanation."""
        kind = "correct" if feedback.correct else "wrong" if feedback.understood else "unreadable"
        mark, colour = _STYLES[kind]
        extra = {"correct": self.explanation, "wrong": self.hint}.get(kind, "")
        line = f'<span style="color:{colour}">{mark} {html.escape(feedback.message)}</span>'
        if extra:
            label = "Hint" if kind == "wrong" else "Why"
            line += f" <em>{label}:</em> {html.escape(extra)}"
        return line

    def snapshot_html(self) -> str:
        """The question as static HTML, for readers who see the notebook without a kernel."""
        return (
            '<div class="self-check">'
            f"<p><strong>Check yourself:</strong> {html.escape(self.question)}</p>"
            "<p><em>Run this cell in Jupyter to type your answer and check it here; "
            "without a kernel, open the answer below.</em></p>"
            "</div>"
        )

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """Show the live widget, with a short text and the static snapshot beside it."""
        data = dict(self.box._repr_mimebundle_(**kwargs) or {})
        data["text/plain"] = f"SelfCheck: {self.question}"
        data["text/html"] = self.snapshot_html()
        return data

    def __repr__(self) -> str:
        return f"SelfCheck(question={self.question!r}, tolerance={self.tolerance!r})"
