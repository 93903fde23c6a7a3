"""A course calculator as the browser shows it: its text boxes, sliders, results, chart and message.

The calculator's own fields give the labels to look its inputs up by, so a
test names an input the way the model does (``"hourly_value"``) and finds it
the way a learner does (by the English label beside it). The same calculator,
built in the test's own Python, says what the results should be for the values
on screen.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, expect

from widgets.calculator_view import CalculatorView
from widgets.formatting import format_money

#: How long the inputs must stay unchanged to count as settled (a drag sends several updates).
SETTLE_SECONDS = 0.5


class CalculatorPage:
    """The live widget of one calculator in a notebook cell.

    ``model`` is an instance of the same calculator class, used only to
    compute; ``headline`` names the result attribute (an amount in EUR) that
    the results must show.
    """

    def __init__(self, cell: Locator, model: CalculatorView, headline: str):
        self.cell = cell
        self.model = model
        self.headline = headline
        self.fields = {field.name: field for field in model.fields}
        self.results = cell.locator(".obm-results")
        self.message = cell.locator(".obm-message")
        self.chart = cell.locator("img.widget-image")
        self._last_chart = ""

    def label(self, name: str) -> str:
        return self.fields[name].label_in("en")

    def control(self, name: str) -> Locator:
        """The row of one input: its label, slider and text box."""
        label = self.label(name)
        # The label is followed by its unit in brackets, or ends the text; a warning sign may come first.
        pattern = re.compile(r"(^|\s)" + re.escape(label) + r"(\s\(|$)")
        row = self.cell.locator(".widget-hbox").filter(
            has=self.cell.page.locator(".widget-html-content", has_text=pattern)
        )
        expect(row).to_have_count(1)
        return row

    def text_box(self, name: str) -> Locator:
        return self.control(name).locator("input[type=number]")

    def slider_handle(self, name: str) -> Locator:
        return self.control(name).locator(".noUi-handle")

    def type_value(self, name: str, text: str) -> None:
        """Type ``text`` into an input's box over what is there, and press Enter."""
        box = self.text_box(name)
        box.click()
        box.press("Control+A")
        box.press_sequentially(text)
        box.press("Enter")

    def press_slider(self, name: str, key: str, times: int = 1) -> None:
        """Focus an input's slider handle and press a key on it (ArrowRight moves it one step up)."""
        handle = self.slider_handle(name)
        handle.focus()
        for _ in range(times):
            handle.press(key)

    def drag_slider(self, name: str, pixels: float) -> None:
        """Drag an input's slider handle sideways with the mouse."""
        box = self.slider_handle(name).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        mouse = self.cell.page.mouse
        mouse.move(x, y)
        mouse.down()
        mouse.move(x + pixels, y, steps=8)
        mouse.up()

    def values(self) -> dict[str, float]:
        """What the text boxes hold now."""
        return {name: float(self.text_box(name).input_value()) for name in self.fields}

    def settled_values(self, timeout: float = 30) -> dict[str, float]:
        """The text boxes' values once they stop changing (the kernel has answered every update)."""
        deadline = time.monotonic() + timeout
        last = self.values()
        while time.monotonic() < deadline:
            time.sleep(SETTLE_SECONDS)
            now = self.values()
            if now == last:
                return now
            last = now
        raise AssertionError(f"the calculator's inputs kept changing for {timeout} s: {last}")

    def expect_results_of_the_inputs(self) -> str:
        """Expect the results to show the model's answer for the values in the boxes; return their text."""
        result = self.model.compute(self.settled_values())
        expect(self.results).to_contain_text(format_money(getattr(result, self.headline), "en", "EUR"))
        return self.results.inner_text()

    def expect_chart_redrawn(self) -> None:
        """Expect the chart to be a new image since the last call (the first call only needs a chart)."""
        if self._last_chart:
            expect(self.chart).not_to_have_attribute("src", self._last_chart)
        else:
            expect(self.chart).to_have_attribute("src", re.compile(r".+"))
        self._last_chart = self.chart.get_attribute("src")

    def slide(self, name: str, action: str, *arguments) -> str:
        """Move a slider (``"press"`` a key, or ``"drag"`` by pixels), see its box follow and the outputs update.

        Returns the results' text.
        """
        box = self.text_box(name)
        before = box.input_value()
        {"press": self.press_slider, "drag": self.drag_slider}[action](name, *arguments)
        expect(box).not_to_have_value(before)
        results = self.expect_results_of_the_inputs()
        self.expect_chart_redrawn()
        return results

    def expect_invalid(self, name: str, invalid: bool) -> None:
        """Expect the input's box to be marked as rejected (or not)."""
        box = self.control(name).locator(".widget-text")
        if invalid:
            expect(box).to_have_class(re.compile(r"\bobm-invalid\b"))
        else:
            expect(box).not_to_have_class(re.compile(r"\bobm-invalid\b"))
