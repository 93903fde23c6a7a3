"""The self-assessment of lesson 02: eight scores in, a place on the path from VA to OBM and next steps out.

A thin view over :func:`widgets.career_path.place_on_path`. Every change of a
score calls the model once; the model validates (a whole number from 0 to 4),
and an :class:`~widgets.fields.InputError` becomes an inline message naming
the dimension and its range while the last valid results stay on screen.

The path is drawn on one ``matplotlib.figure.Figure`` with an Agg canvas (no
pyplot). The stages, their names and the percentage ticks change only with
the locale, so they are rendered once per locale and kept as backgrounds; an
update draws only the learner's marker, its label and the frame around the
current stage over it.

>>> assessment = CareerPathAssessment()
>>> assessment.result.stage.name, assessment.result.total
('Senior VA', 13)
>>> assessment.inputs["people"].value = 4
>>> assessment.result.total
16
>>> assessment.inputs["metrics"].value = 5
>>> assessment.result.total, assessment.last_error.field.name
(16, 'metrics')
"""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from widgets.calculator_view import CalculatorView, with_common_strings
from widgets.career_path import CAREER_FIELDS, CAREER_STAGES, MAX_SCORE, CareerPosition, place_on_path
from widgets.charts import canvas_png
from widgets.formatting import format_number, format_percent

#: The lesson's example profile, Giulia, a VA of three years: the calculator's starting point.
DEFAULTS = {
    "decides": 2,
    "projects": 2,
    "coordinates": 1,
    "results": 1,
    "project_management": 2,
    "operations": 3,
    "metrics": 1,
    "people": 1,
}

#: Every score's slider covers its whole range in whole steps.
SLIDER_RANGES = {field.name: (MAX_SCORE, 1) for field in CAREER_FIELDS}

#: Everything the view writes in words, per locale. Dimension labels, stage names and advice come from the model.
UI_STRINGS = with_common_strings({
    "en": {
        "stage": "Your stage",
        "position": "Position on the path",
        "points": "{points} of {maximum} points",
        "role": "How you work today (Tomasso's four shifts)",
        "skills": "What you could run (Forsyth's four areas)",
        "next_stage": "Next stage",
        "more_points": "{stage}, {points} more points",
        "one_more_point": "{stage}, 1 more point",
        "top": "none: you have reached the last stage",
        "held_back": "Your total reaches the {band} band, but that stage needs at least {score} in every "
        "dimension. Below it: {names}.",
        "next_steps": "What to work on next",
        "all_max": "Every dimension scores 4: time to teach what you know.",
        "chart_title": "Your place on the path from VA to OBM",
        "you": "You: {share}",
    },
    "it": {
        "stage": "La tua tappa",
        "position": "Posizione nel percorso",
        "points": "{points} punti su {maximum}",
        "role": "Come lavori oggi (i quattro passaggi di Tomasso)",
        "skills": "Che cosa sapresti gestire (le quattro aree di Forsyth)",
        "next_stage": "Prossima tappa",
        "more_points": "{stage}, ancora {points} punti",
        "one_more_point": "{stage}, ancora 1 punto",
        "top": "nessuna: sei all'ultima tappa",
        "held_back": "Il tuo totale raggiunge la fascia {band}, ma quella tappa richiede almeno {score} in "
        "ogni dimensione. Sotto questa soglia: {names}.",
        "next_steps": "Su che cosa lavorare adesso",
        "all_max": "Tutte le dimensioni valgono 4: è il momento di insegnare quello che sai.",
        "chart_title": "La tua posizione nel percorso da VA a OBM",
        "you": "Tu: {share}",
    },
})

#: One colour per stage, lighter to darker along the path.
STAGE_COLORS = ("#e3f2fd", "#bbdefb", "#90caf9", "#64b5f6")
MARKER_COLOR = "#d84315"
FRAME_COLOR = "#0d47a1"
NOTE_COLOR = "#8a5300"


class CareerPathAssessment(CalculatorView):
    """The self-assessment of lesson 02, ready to display in a notebook.

    ``CareerPathAssessment(locale="en", currency="EUR", **scores)``; ``scores``
    gives starting values for any of the eight dimensions (defaults:
    :data:`DEFAULTS`, the lesson's Giulia). Besides what every
    :class:`~widgets.calculator_view.CalculatorView` has: ``chart``, an
    ``Image`` (PNG) of the path with the learner's marker, drawn by
    ``path_chart`` (a :class:`PathChart`). The currency is accepted like every
    calculator's but nothing here is money.
    """

    fields = CAREER_FIELDS
    defaults = DEFAULTS
    slider_ranges = SLIDER_RANGES
    strings = UI_STRINGS

    def __init__(self, locale: str = "en", currency: str = "EUR", **initial: float):
        self.chart = w.Image(format="png")
        self.path_chart = PathChart()
        super().__init__(locale, currency, **initial)

    def compute(self, values: dict[str, float]) -> CareerPosition:
        return place_on_path(**values)


    def render(self, result: CareerPosition) -> None:
        png = self.path_chart.draw(result, self.locale)
        self.results.value = results_html(result, self.locale)
        self.chart.value = png



def results_html(result: CareerPosition, locale: str) -> str:
    """The position, the next stage and the next steps as HTML; numbers written by Babel."""
    strings = UI_STRINGS[locale]

    def share_and_points(share: float, points: int, maximum: int) -> str:
        counted = strings["points"].format(points=format_number(points, locale), maximum=format_number(maximum, locale))
        return html.escape(f"{format_percent(share, locale)} ({counted})")

    if result.next_stage is None:
        next_stage = strings["top"]
    else:
        name = result.next_stage.name_in(locale)
        points = result.points_to_next_stage
        template = strings["one_more_point"] if points == 1 else strings["more_points"]
        next_stage = template.format(stage=name, points=format_number(points, locale))
    rows = [
        (strings["stage"], f"<b>{html.escape(result.stage.name_in(locale))}</b>"),
        (strings["position"], share_and_points(result.share, result.total, result.maximum)),
        (strings["role"], share_and_points(result.role_share, result.role_points, result.group_maximum)),
        (strings["skills"], share_and_points(result.skills_share, result.skills_points, result.group_maximum)),
        (strings["next_stage"], html.escape(next_stage)),
    ]
    body = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(label)}</td><td>{value}</td></tr>" for label, value in rows
    )
    parts = [f'<table class="obm-results">{body}</table>']
    if result.held_back_by:
        names = ", ".join(dimension.label_in(locale) for dimension in result.held_back_by)
        note = strings["held_back"].format(
            band=result.band.name_in(locale), score=format_number(result.band.min_score, locale), names=names
        )
        parts.append(f'<p style="color:{NOTE_COLOR}">{html.escape(note)}</p>')
    if result.next_steps:
        items = "".join(
            f"<li><b>{html.escape(dimension.label_in(locale))}</b> "
            f"({format_number(result.scores[dimension.name], locale)}): {html.escape(dimension.advice_in(locale))}</li>"
            for dimension in result.next_steps
        )
        parts.append(f"<p><b>{html.escape(strings['next_steps'])}</b></p><ol>{items}</ol>")
    else:
        parts.append(f"<p>{html.escape(strings['all_max'])}</p>")
    return f'<div class="obm-career-path" style="max-width:34em">{"".join(parts)}</div>'


class PathChart:
    """The path from VA to OBM as a horizontal bar of stages, with the learner's marker, on one reused Agg figure.

    The stages, their names and the ticks are the background, rendered once
    per locale and kept; each update restores it and draws only the animated artists
    (the marker, its label and the frame around the current stage), so the
    pixels are those of a full draw.
    """

    BAR_BOTTOM, BAR_HEIGHT = 0.12, 0.42

    def __init__(self, width: float = 6.4, height: float = 1.9, dpi: int = 80):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.03, right=0.97, top=0.84, bottom=0.2)
        self.title = self.figure.text(0.5, 0.97, "", ha="center", va="top", fontsize=11)
        self.axes = self.figure.add_subplot()
        self.axes.set_xlim(0, 1)
        self.axes.set_ylim(0, 1)
        self.axes.set_yticks([])
        for side in ("left", "right", "top"):
            self.axes.spines[side].set_visible(False)
        starts = [stage.min_share for stage in CAREER_STAGES]
        ends = starts[1:] + [1.0]
        self.stage_names = []
        for start, end, color in zip(starts, ends, STAGE_COLORS):
            self.axes.add_patch(Rectangle((start, self.BAR_BOTTOM), end - start, self.BAR_HEIGHT, facecolor=color,
                                          edgecolor="white", linewidth=1.5))
            self.stage_names.append(self.axes.text((start + end) / 2, self.BAR_BOTTOM + self.BAR_HEIGHT / 2, "",
                                                   ha="center", va="center", fontsize=9, wrap=False))
        self.axes.set_xticks(starts + [1.0])
        self.frame = Rectangle((0, self.BAR_BOTTOM), 0, self.BAR_HEIGHT, facecolor="none", edgecolor=FRAME_COLOR,
                               linewidth=2.5, zorder=3, animated=True)
        self.axes.add_patch(self.frame)
        (self.marker,) = self.axes.plot([0], [self.BAR_BOTTOM + self.BAR_HEIGHT + 0.1], marker="v", markersize=11,
                                        color=MARKER_COLOR, zorder=4, animated=True, clip_on=False)
        self.line = self.axes.axvline(0, ymin=self.BAR_BOTTOM - 0.05, ymax=self.BAR_BOTTOM + self.BAR_HEIGHT,
                                      color=MARKER_COLOR, linewidth=2, zorder=4, animated=True)
        self.label = self.axes.text(0, self.BAR_BOTTOM + self.BAR_HEIGHT + 0.22, "", ha="center", va="bottom",
                                    fontsize=10, fontweight="bold", color=MARKER_COLOR, zorder=5, animated=True,
                                    clip_on=False)
        #: The rendered background per locale: switching back and forth renders each only once.
        self._backgrounds: dict[str, object] = {}
        #: How many times the background had to be rendered (a benchmark and test hook).
        self.background_renders = 0

    @property
    def marked_share(self) -> float:
        """Where the marker stands, as a share of the path."""
        return float(self.marker.get_xdata()[0])

    def draw(self, result: CareerPosition, locale: str) -> bytes:
        """Place the marker and the stage frame for ``result`` and return the figure as PNG bytes."""
        share = result.share
        self.marker.set_xdata([share])
        self.line.set_xdata([share, share])
        self.label.set_text(UI_STRINGS[locale]["you"].format(share=format_percent(share, locale)))
        # Keep the label inside the figure near the ends of the path.
        self.label.set_x(min(max(share, 0.07), 0.93))
        index = result.stage_index
        start = CAREER_STAGES[index].min_share
        end = CAREER_STAGES[index + 1].min_share if index + 1 < len(CAREER_STAGES) else 1.0
        self.frame.set_bounds(start, self.BAR_BOTTOM, end - start, self.BAR_HEIGHT)

        if locale not in self._backgrounds:
            self._render_background(locale)
        self.canvas.restore_region(self._backgrounds[locale])
        for artist in (self.frame, self.line, self.marker, self.label):
            self.axes.draw_artist(artist)
        return canvas_png(self.canvas)

    def _render_background(self, locale: str) -> None:
        self.title.set_text(UI_STRINGS[locale]["chart_title"])
        for stage, text in zip(CAREER_STAGES, self.stage_names):
            text.set_text(stage.name_in(locale).replace(" ", "\n", 1) if len(stage.name_in(locale)) > 10
                          else stage.name_in(locale))
        self.axes.set_xticklabels([format_percent(tick, locale) for tick in self.axes.get_xticks()], fontsize=8)
        self.canvas.draw()  # animated artists are left out
        self._backgrounds[locale] = self.canvas.copy_from_bbox(self.figure.bbox)
        self.background_renders += 1


__all__ = ["DEFAULTS", "UI_STRINGS", "CareerPathAssessment", "PathChart", "results_html"]
