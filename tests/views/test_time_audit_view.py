"""Headless tests of the time audit explorer: set its widgets' values, read what it shows.

Expected amounts are written by Babel or computed by the model here, never by
hand, so a wrong format or a wrong number in the view fails.
"""

import base64
import html
import io
import math
import re
import subprocess
import sys

import numpy
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from widgets.controls import INVALID_CLASS
from widgets.formatting import LOCALES
from widgets.time_audit import TIME_AUDIT_FIELDS, audit_time, load_time_log, summarize_log
from widgets.time_audit_view import (
    ABOVE_COLOR,
    BELOW_COLOR,
    DEFAULTS,
    UI_STRINGS,
    SavingsChart,
    TimeAuditExplorer,
)
from tests.views.screen import chart_png, money, visible_text

FIELDS = {field.name: field for field in TIME_AUDIT_FIELDS}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def ranking_rows(results_html: str) -> list[list[str]]:
    """The ranked table's rows as lists of visible cell texts (the header left out)."""
    table = re.search(r'<table class="obm-ranking">(.*?)</table>', results_html)
    if table is None:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1))[1:]
    return [[visible_text(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)] for row in rows]


@pytest.fixture(scope="module")
def log():
    return load_time_log()


@pytest.fixture
def explorer():
    view = TimeAuditExplorer()
    yield view
    view.close()


# --- the course log, the locales and the currency ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_default_shows_the_models_audit_of_the_course_log(locale, log):
    explorer = TimeAuditExplorer(locale=locale)
    expected = audit_time(log, **DEFAULTS)
    assert (expected.buyback_rate, len(expected.worth_delegating)) == (25, 7)
    pd.testing.assert_frame_equal(explorer.result.ranking, expected.ranking)

    shown = visible_text(explorer.results.value)
    assert money(expected.yearly_saving, locale) in shown
    assert money(25, locale) in shown
    rows = ranking_rows(explorer.results.value)
    assert [row[1] for row in rows] == list(expected.worth_delegating["task"])
    for row, saving in zip(rows, expected.worth_delegating["yearly_saving"]):
        assert row[-1] == money(saving, locale)
    assert explorer.message.value == ""
    assert chart_png(explorer).startswith(b"\x89PNG")
    explorer.close()


def test_the_ranked_table_translates_the_4d_actions(explorer):
    english = [row[5] for row in ranking_rows(explorer.results.value)]
    assert set(english) == {"Delegate", "Delete"}  # tidying the drive is cheap to hand off, but should go
    explorer.locale_picker.value = "it"
    italian = [row[5] for row in ranking_rows(explorer.results.value)]
    assert italian == [UI_STRINGS["it"]["actions"][action] for action in english]


def test_switching_locale_rewrites_results_and_chart(explorer):
    english_chart = chart_png(explorer)
    saving = explorer.result.yearly_saving
    explorer.locale_picker.value = "it"
    shown = visible_text(explorer.results.value)
    assert money(saving, "it") in shown and money(saving, "en") not in shown
    assert chart_png(explorer) != english_chart
    assert explorer.savings_chart.axes.get_xlabel() == UI_STRINGS["it"]["saving_axis"].format(currency="EUR")
    assert explorer.savings_chart.title.get_text() == UI_STRINGS["it"]["chart_title"]
    explorer.locale_picker.value = "en"
    assert chart_png(explorer) == english_chart  # the cached English background, the same bars


def test_currency_reaches_labels_amounts_and_chart():
    explorer = TimeAuditExplorer(currency="USD")
    assert money(explorer.result.yearly_saving, "en", "USD") in visible_text(explorer.results.value)
    assert FIELDS["hourly_value"].unit_in("USD") in visible_text(explorer.controls["hourly_value"].label.value)
    assert "USD" in explorer.savings_chart.axes.get_xlabel()
    assert all("$" in label.get_text() for label in explorer.savings_chart.axes.get_yticklabels())
    explorer.close()


def test_initial_values_start_the_explorer(log):
    explorer = TimeAuditExplorer(hourly_value=120, share_reinvested=0.5)
    expected = audit_time(log, **{**DEFAULTS, "hourly_value": 120, "share_reinvested": 0.5})
    pd.testing.assert_frame_equal(explorer.result.ranking, expected.ranking)
    assert explorer.inputs["hourly_value"].value == 120
    assert explorer.sliders["share_reinvested"].value == 0.5
    explorer.close()


# --- any log: a DataFrame, a path, a summary ---


def small_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": ["2025-03-03", "2025-03-04", "2025-03-05"],
            "minutes": [120, 60, 90],
            "task": ["Inbox triage", "Proposals", "Strategy"],
            "category": ["email", "sales", "leadership"],
            "urgent": [True, False, False],
            "important": [False, True, True],
            "who_could_do_it": ["VA", "OBM", "only the owner"],
            "delegate_rate": [22, 45, None],
        }
    )


def test_a_dataframe_a_path_and_a_summary_give_the_same_audit(tmp_path):
    path = tmp_path / "my_week.csv"
    small_log().to_csv(path, index=False)
    views = [TimeAuditExplorer(small_log()), TimeAuditExplorer(path), TimeAuditExplorer(str(path)),
             TimeAuditExplorer(summarize_log(small_log()))]
    expected = audit_time(small_log(), **DEFAULTS)
    for view in views:
        pd.testing.assert_frame_equal(view.result.ranking, expected.ranking)
        assert [row[1] for row in ranking_rows(view.results.value)] == ["Inbox triage"]
        assert len(view.savings_chart.widths) == 2  # one bar per task someone else could do
        view.close()


def test_a_missing_file_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="No time log at"):
        TimeAuditExplorer(tmp_path / "missing.csv")


def test_a_missing_default_log_says_how_to_make_it(monkeypatch, tmp_path):
    import widgets.time_audit as model

    monkeypatch.setattr(model, "DEFAULT_LOG_PATH", tmp_path / "time_log.csv")
    with pytest.raises(FileNotFoundError, match="tools.make_time_log"):
        TimeAuditExplorer()


def test_a_bad_log_is_refused_at_once():
    with pytest.raises(ValueError, match="no column 'minutes'"):
        TimeAuditExplorer(small_log().drop(columns="minutes"))
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        TimeAuditExplorer(log=12)


def test_the_default_log_is_found_from_any_working_directory(tmp_path):
    code = "from widgets import TimeAuditExplorer; print(TimeAuditExplorer().result.buyback_rate)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "25.0"


def test_a_log_where_nobody_else_can_do_anything_still_works():
    log = small_log().iloc[[2]].reset_index(drop=True)
    explorer = TimeAuditExplorer(log)
    assert explorer.result.ranking.empty and explorer.savings_chart.widths == []
    assert UI_STRINGS["en"]["none_below"] in visible_text(explorer.results.value)
    explorer.inputs["hourly_value"].value = 150
    assert explorer.message.value == ""
    explorer.close()


# --- the inputs move the results and the chart ---


def test_a_higher_hourly_value_brings_dearer_tasks_under_the_buyback_rate(explorer, log):
    assert "Replying to client emails" not in explorer.result.worth_delegating["task"].tolist()
    explorer.inputs["hourly_value"].value = 120  # buyback rate 30: the 28/h tasks and the 30/h editor come in
    worth = explorer.result.worth_delegating
    assert {"Replying to client emails", "Following up leads", "Editing lesson videos"} <= set(worth["task"])
    assert [row[1] for row in ranking_rows(explorer.results.value)] == list(worth["task"])
    assert money(30) in visible_text(explorer.results.value)


def test_no_task_under_the_buyback_rate_says_so(explorer):
    explorer.inputs["hourly_value"].value = 40  # buyback rate 10: no one in the log is that cheap
    assert explorer.result.worth_delegating.empty
    shown = visible_text(explorer.results.value)
    assert UI_STRINGS["en"]["none_below"] in shown and money(0) in shown
    assert ranking_rows(explorer.results.value) == []
    assert set(explorer.savings_chart.colors) == {ABOVE_COLOR}


@pytest.mark.parametrize(
    "values", [DEFAULTS, {**DEFAULTS, "hourly_value": 120}, {**DEFAULTS, "share_reinvested": 0.2}],
    ids=["default", "value_120", "share_0.2"],
)
def test_each_bar_is_its_tasks_yearly_saving_green_when_at_or_below_the_buyback_rate(explorer, values):
    explorer.set_values(**values)
    chart, ranking = explorer.savings_chart, explorer.result.ranking
    by_task = ranking.set_index("task")
    tasks = [key[0] for key in chart.keys]
    assert sorted(tasks) == sorted(ranking["task"])
    assert chart.widths == pytest.approx([by_task.loc[task, "yearly_saving"] for task in tasks])
    assert chart.colors == [BELOW_COLOR if by_task.loc[task, "below_buyback"] else ABOVE_COLOR for task in tasks]
    rates = [key[3] for key in chart.keys]
    assert rates == sorted(rates), "cheapest delegate on top"
    low, high = chart.axes.get_xlim()
    assert low <= min(min(chart.widths), 0) and max(max(chart.widths), 0) <= high


def test_negative_savings_reach_left_of_zero(explorer):
    explorer.inputs["share_reinvested"].value = 0.1  # 10 EUR of value an hour against rates of 20 and more
    assert max(explorer.savings_chart.widths) < 0
    assert explorer.savings_chart.axes.get_xlim()[0] <= min(explorer.savings_chart.widths)


def test_a_chart_drawn_on_a_reused_background_is_a_full_draw_pixel_for_pixel(log):
    summary = summarize_log(log)
    chart = SavingsChart(summary)
    chart.draw(audit_time(summary, 100), "en", "EUR")
    png = chart.draw(audit_time(summary, 101), "en", "EUR")
    assert chart.background_renders == 1  # the premise: the second draw reused the first background

    chart.bars.set_animated(False)
    chart.canvas.draw()
    full_draw = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")), full_draw)


def test_backgrounds_are_cached_and_limits_kept_while_the_bars_fill_them(log):
    summary = summarize_log(log)
    chart = SavingsChart(summary)
    first = chart.draw(audit_time(summary, 100), "en", "EUR")
    limits = chart.axes.get_xlim()
    chart.draw(audit_time(summary, 140), "en", "EUR")  # longer bars: new limits
    assert chart.axes.get_xlim() != limits and chart.background_renders == 2
    assert chart.draw(audit_time(summary, 100), "en", "EUR") != first  # short bars keep the wide limits...
    chart.draw(audit_time(summary, 30), "en", "EUR")  # ...until they fill less than half of them
    renders = chart.background_renders
    assert chart.draw(audit_time(summary, 100), "en", "EUR") == first  # back to the first, cached
    assert chart.background_renders == renders
    # The same draw from a fresh chart: a cached background gives the same pixels.
    assert SavingsChart(summary).draw(audit_time(summary, 100), "en", "EUR") == first


# --- bad input: every field, every kind of bad value ---


def bad_values(field):
    values = [field.minimum - 1, math.nan, math.inf, -math.inf, field.maximum * 2 + 1]
    if field.min_exclusive:
        values.append(field.minimum)
    return values


BAD_CASES = [(field.name, bad) for field in TIME_AUDIT_FIELDS for bad in bad_values(field)]


@pytest.mark.parametrize(("name", "bad"), BAD_CASES, ids=[f"{name}={bad}" for name, bad in BAD_CASES])
def test_a_bad_input_gives_an_inline_message_and_keeps_the_last_results(explorer, log, name, bad):
    field = FIELDS[name]
    last_result, last_chart, last_results = explorer.result, chart_png(explorer), explorer.results.value

    explorer.inputs[name].value = bad

    message = visible_text(explorer.message.value)
    assert field.label in message and field.valid_range(explorer.currency) in message
    assert "Traceback" not in message
    assert explorer.result is last_result
    assert (chart_png(explorer), explorer.results.value) == (last_chart, last_results)
    assert [other for other in FIELDS if INVALID_CLASS in explorer.inputs[other]._dom_classes] == [name]

    slider = explorer.sliders[name]
    good = (slider.min + slider.max) / 2
    explorer.inputs[name].value = good
    assert explorer.message.value == ""
    pd.testing.assert_frame_equal(explorer.result.ranking, audit_time(log, **{**DEFAULTS, name: good}).ranking)


def test_italian_labels_and_ranges_come_from_the_model(explorer):
    explorer.locale_picker.value = "it"
    for name, control in explorer.controls.items():
        assert FIELDS[name].label_in("it") in visible_text(control.label.value)
    explorer.inputs["weeks_per_year"].value = 60
    shown = visible_text(explorer.message.value)
    assert FIELDS["weeks_per_year"].label_in("it") in shown
    assert FIELDS["weeks_per_year"].valid_range("EUR", "it") in shown


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"locale": "fr"}, "locale"),
        ({"currency": "EURO"}, "currency"),
        ({"hourly_rate": 100}, "hourly_rate"),
        ({"hourly_value": -1}, "hourly_value"),
        ({"weeks_per_year": 53}, "weeks_per_year"),
        ({"share_reinvested": "1"}, "share_reinvested"),
    ],
)
def test_bad_constructor_arguments_raise_a_value_error_naming_them(arguments, named):
    with pytest.raises(ValueError, match=named):
        TimeAuditExplorer(**arguments)


# --- display and packaging ---


def test_the_display_bundle_holds_the_live_widget_and_a_static_snapshot(explorer):
    data, _ = DisplayFormatter().format(explorer)
    assert data[WIDGET_VIEW]["model_id"] == explorer.widget.model_id
    snapshot = data["text/html"]
    assert money(explorer.result.yearly_saving) in visible_text(snapshot)
    png = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(png) == chart_png(explorer)
    for field in TIME_AUDIT_FIELDS:
        assert field.label in visible_text(snapshot)


def test_the_package_exports_the_view_lazily_and_no_pyplot():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import TimeAuditExplorer\n"
        "import widgets.time_audit_view as view\n"
        "assert TimeAuditExplorer is view.TimeAuditExplorer\n"
        "TimeAuditExplorer()\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the view must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.TimeAuditExplorer is TimeAuditExplorer


def test_set_values_updates_once(explorer):
    renders = []
    explorer.results.observe(renders.append, names="value")
    explorer.set_values(hourly_value=150, weeks_per_year=46)
    assert len(renders) == 1
    assert (explorer.result.hourly_value, explorer.result.weeks_per_year) == (150, 46)


# --- properties ---


def in_range(field):
    return st.floats(min_value=field.minimum, max_value=field.maximum, exclude_min=field.min_exclusive,
                     allow_nan=False, allow_infinity=False)


@pytest.fixture(scope="module")
def shared_explorer():
    view = TimeAuditExplorer()
    yield view
    view.close()


@settings(max_examples=40, deadline=None)
@given(values=st.fixed_dictionaries({field.name: in_range(field) for field in TIME_AUDIT_FIELDS}),
       locale=st.sampled_from(sorted(LOCALES)))
def test_any_in_range_inputs_show_the_models_results_and_no_message(shared_explorer, log, values, locale):
    shared_explorer.locale_picker.value = locale
    shared_explorer.set_values(**values)
    expected = audit_time(log, **values)
    assert shared_explorer.message.value == ""
    pd.testing.assert_frame_equal(shared_explorer.result.ranking, expected.ranking)
    shown = visible_text(shared_explorer.results.value)
    assert money(expected.yearly_saving, locale) in shown
    assert [row[1] for row in ranking_rows(shared_explorer.results.value)] == list(expected.worth_delegating["task"])
    assert shared_explorer.savings_chart.widths == pytest.approx(
        [expected.ranking.set_index("task").loc[key[0], "yearly_saving"] for key in shared_explorer.savings_chart.keys]
    )
