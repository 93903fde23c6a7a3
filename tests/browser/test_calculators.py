"""The lessons' calculators answer a learner in the browser: typing, sliders, bad input and recovery.

Each scenario drives one calculator in its lesson: type a number in a text
box, move a slider with the keyboard and with the mouse, and after every
change see the results agree with the course's model for the values on screen
and the chart redrawn. Then a value the model rejects: the inline message
names the field and the last valid results stay; a good value clears the
message and the calculator goes on answering.

A scenario runs for each calculator that a lesson displays; the delegation
calculator of lesson 03 must always be among them.
"""

from __future__ import annotations

import dataclasses
import pathlib

import nbformat
import pytest
from playwright.sync_api import expect

import widgets
from tests.browser.calculator_page import CalculatorPage
from tests.browser.jupyterlab import cell, error_texts, open_notebook, run_all, save_screenshot, screenshot_name, show
from tests.lab_server import ROOT

@dataclasses.dataclass(frozen=True)
class Scenario:
    """What to do with one calculator, in terms of its model's field names."""

    calculator: str  #: its class name in ``widgets``
    typed: str  #: the field typed into: first a good value, then a bad one, then a good one again
    good: str
    bad: str
    recovered: str
    slid: str  #: the field moved with the slider
    headline: str  #: the result attribute whose amount (money, in EUR) the results must show


SCENARIOS = [
    Scenario("DelegationCalculator", typed="hourly_value", good="150", bad="-5", recovered="120",
             slid="hours_delegated", headline="weekly_gain"),
    Scenario("RateCalculator", typed="target_net_income", good="80000", bad="-5", recovered="90000",
             slid="hours_per_week", headline="hourly_rate"),
]


def find_calculator(name: str, course: pathlib.Path = ROOT / "course") -> tuple[str, int] | None:
    """The lesson (file name) and index of the first cell that displays calculator ``name``, if a lesson does."""
    for lesson in sorted(course.glob("[0-9][0-9]-*.ipynb")):
        for index, code in enumerate(nbformat.read(lesson, as_version=4).cells):
            html = "".join("".join(out.get("data", {}).get("text/html", "")) for out in code.get("outputs", []))
            if code.cell_type == "code" and f"{name}(" in code.source and "obm-calculator-snapshot" in html:
                return lesson.name, index
    return None


PRESENT = [scenario for scenario in SCENARIOS if find_calculator(scenario.calculator)]


def test_the_delegation_calculator_is_in_a_lesson():
    assert find_calculator("DelegationCalculator") is not None, "no lesson displays DelegationCalculator"


@pytest.mark.parametrize("scenario", PRESENT, ids=[scenario.calculator for scenario in PRESENT])
def test_the_calculator_answers_typing_sliders_and_bad_input(page, lab, request, scenario):
    # Looked up in the served copy: a lesson being edited in the repository may have moved the cell since.
    lesson, index = find_calculator(scenario.calculator, lab.root / "course")
    notebook = open_notebook(page, lab, f"course/{lesson}")
    run_all(page, notebook)
    assert error_texts(notebook) == []
    target = cell(notebook, index)
    show(target)
    page_calculator = CalculatorPage(target, getattr(widgets, scenario.calculator)(), scenario.headline)
    check_typing_and_sliders(page_calculator, scenario)
    check_bad_input_and_recovery(page_calculator, scenario, f"{screenshot_name(request.node.name)}-bad-input")
    assert error_texts(notebook) == []
    show(target)


def check_typing_and_sliders(calculator: CalculatorPage, scenario: Scenario) -> None:
    """Typing a number, and a slider moved by keyboard and by mouse, each update the results and the chart."""
    expect(calculator.message).to_have_count(0)
    initial = calculator.expect_results_of_the_inputs()
    calculator.expect_chart_redrawn()

    calculator.type_value(scenario.typed, scenario.good)
    expect(calculator.text_box(scenario.typed)).to_have_value(scenario.good)
    assert calculator.expect_results_of_the_inputs() != initial
    calculator.expect_chart_redrawn()

    calculator.slide(scenario.slid, "press", "ArrowRight", 3)
    calculator.slide(scenario.slid, "drag", 40)


def check_bad_input_and_recovery(calculator: CalculatorPage, scenario: Scenario, screenshot: str) -> None:
    """A rejected value shows the inline message and keeps the results; a good one clears it and all goes on."""
    kept = calculator.results.inner_text()
    calculator.type_value(scenario.typed, scenario.bad)
    expect(calculator.message).to_contain_text("Check this input")
    expect(calculator.message).to_contain_text(calculator.label(scenario.typed))
    calculator.expect_invalid(scenario.typed, True)
    assert calculator.results.inner_text() == kept, "a rejected value must leave the last valid results"
    save_screenshot(calculator.cell.page, screenshot)

    calculator.type_value(scenario.typed, scenario.recovered)
    expect(calculator.message).to_have_count(0)
    calculator.expect_invalid(scenario.typed, False)
    calculator.expect_results_of_the_inputs()
    calculator.expect_chart_redrawn()
    calculator.slide(scenario.slid, "press", "ArrowLeft", 2)
