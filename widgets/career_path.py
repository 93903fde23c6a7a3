"""The path from Virtual Assistant to Online Business Manager: a self-assessment and a task classifier.

Pure functions and frozen dataclasses; no widgets, no plotting. Every public
function validates its inputs at the edge and raises
:class:`~widgets.fields.InputError` (a ``ValueError``) naming the field and its
valid range or choices.

Two ideas from the sources of ``course/02-va-to-obm.ipynb`` shape the model:

- Mary Tomasso's four contrasts between a VA and an OBM (she *executes* or
  *manages and decides*; does *tasks* or runs *projects*; *relays* between
  people or *coordinates teams*; works *set hours* or works for *results*);
- Tina Forsyth's four areas of the OBM role, *Becoming an Online Business
  Manager* (2008): projects, operations (systems, SOPs), metrics (track, report,
  recommend) and people (hiring, outsourcing, coordinating).

The self-assessment scores the learner from 0 to 4 on each of the eight, the
four contrasts describing how they work today and the four areas what they
could run; :func:`place_on_path` turns the scores into a position on the path
and the stage it reaches. The stages and their thresholds are this course's
own design (see :data:`CAREER_STAGES`), not an industry standard.

>>> position = place_on_path(decides=2, projects=2, coordinates=1, results=1,
...                          project_management=2, operations=3, metrics=1, people=1)
>>> position.total, position.maximum, position.stage.name
(13, 32, 'Senior VA')
>>> position.next_stage.name, position.points_to_next_stage
('OBM in the making', 7)
>>> [dimension.name for dimension in position.next_steps]
['coordinates', 'results', 'metrics']

The classifier applies the same four contrasts to a list of tasks:

>>> classify_task(who_decides="me", scope="project", coordinates_people="yes", paid_for="hours")
'OBM'
>>> classify_task(who_decides="client", scope="task", coordinates_people="no", paid_for="hours")
'VA'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field as dataclass_field

from widgets.fields import Field, InputError
from widgets.formatting import check_locale
from widgets.lazy_modules import LazyModule

pd = LazyModule("pandas")

#: The scale of every dimension: 0 (not yet) to 4 (always; I could teach it).
MAX_SCORE = 4

ROLE = "role"
SKILLS = "skills"


@dataclass(frozen=True)
class Dimension:
    """One dimension of the self-assessment: its score field, its group and the advice for a low score.

    ``group`` is :data:`ROLE` (Tomasso's contrasts: how you work today) or
    :data:`SKILLS` (Forsyth's areas: what you could run); ``advice`` holds a
    next step per locale.
    """

    field: Field
    group: str
    advice: dict[str, str] = dataclass_field(compare=False, hash=False)

    @property
    def name(self) -> str:
        return self.field.name

    def label_in(self, locale: str = "en") -> str:
        return self.field.label_in(locale)

    def advice_in(self, locale: str = "en") -> str:
        """The next step for this dimension, in ``locale``."""
        return self.advice[check_locale(locale)]


def _score(name: str, label: str, italian: str) -> Field:
    return Field(name, label, "", 0, MAX_SCORE, integer=True, labels={"it": italian})


#: The eight dimensions, in the order the lesson and the calculator show them.
CAREER_DIMENSIONS = (
    Dimension(
        _score("decides", "You decide how the work gets done", "Decidi tu come si fa il lavoro"),
        ROLE,
        {
            "en": "Ask for outcomes instead of instructions: agree what 'done' means, then choose the how "
            "yourself and report back.",
            "it": "Chiedi obiettivi invece di istruzioni: concorda che cosa vuol dire 'fatto', poi scegli tu "
            "il come e aggiorna il cliente.",
        },
    ),
    Dimension(
        _score("projects", "You run whole projects, not single tasks", "Gestisci progetti interi, non singoli compiti"),
        ROLE,
        {
            "en": "Take one small project from start to finish: write down its goal, its steps and its "
            "deadline, and answer for the result.",
            "it": "Porta un piccolo progetto dall'inizio alla fine: scrivi obiettivo, passi e scadenza, e "
            "rispondi tu del risultato.",
        },
    ),
    Dimension(
        _score("coordinates", "You coordinate people, not just pass messages",
               "Coordini le persone, non fai solo da tramite"),
        ROLE,
        {
            "en": "The next time you pass a message between two people, set the task, the deadline and "
            "the follow-up yourself.",
            "it": "La prossima volta che fai da tramite tra due persone, stabilisci tu il compito, la "
            "scadenza e la verifica.",
        },
    ),
    Dimension(
        _score("results", "You are paid for results, not set hours",
               "Il compenso dipende dai risultati, non dalle ore"),
        ROLE,
        {
            "en": "Offer one client a package or a retainer tied to an outcome rather than to a count of "
            "hours.",
            "it": "Proponi a un cliente un pacchetto o un retainer legato a un risultato invece che a un "
            "numero di ore.",
        },
    ),
    Dimension(
        _score("project_management", "Skill: project management", "Competenza: gestione dei progetti"),
        SKILLS,
        {
            "en": "Learn one planning method and one tool well, then plan a launch backwards from its date.",
            "it": "Impara bene un metodo e uno strumento di pianificazione, poi pianifica un lancio a "
            "ritroso dalla sua data.",
        },
    ),
    Dimension(
        _score("operations", "Skill: operations (systems, SOPs)", "Competenza: processi e sistemi (SOP)"),
        SKILLS,
        {
            "en": "Write an SOP for a task you repeat every week, and test it by handing it to someone else.",
            "it": "Scrivi una SOP per un'attività che ripeti ogni settimana e mettila alla prova "
            "affidandola a qualcun altro.",
        },
    ),
    Dimension(
        _score("metrics", "Skill: metrics (track, report, recommend)",
               "Competenza: metriche (misurare, riferire, proporre)"),
        SKILLS,
        {
            "en": "Pick three numbers that matter to a client, track them every week and add one "
            "recommendation to each report.",
            "it": "Scegli tre numeri importanti per un cliente, misurali ogni settimana e aggiungi una "
            "proposta a ogni report.",
        },
    ),
    Dimension(
        _score("people", "Skill: people and team management", "Competenza: gestione delle persone e del team"),
        SKILLS,
        {
            "en": "Help a client hire or onboard one freelancer, and guide their first weeks of work.",
            "it": "Aiuta un cliente a scegliere o inserire un freelance e guida le sue prime settimane di "
            "lavoro.",
        },
    ),
)

#: The score fields of :func:`place_on_path`, in order (what a view shows as inputs).
CAREER_FIELDS = tuple(dimension.field for dimension in CAREER_DIMENSIONS)
#: The highest possible total.
MAX_POINTS = MAX_SCORE * len(CAREER_DIMENSIONS)
#: The highest possible total of each group (four contrasts, four areas).
GROUP_MAX_POINTS = MAX_SCORE * sum(1 for dimension in CAREER_DIMENSIONS if dimension.group == ROLE)


@dataclass(frozen=True)
class Stage:
    """A stage on the path: reached with a share ``min_share`` of the points and no score below ``min_score``."""

    key: str
    name: str
    min_share: float
    min_score: int = 0
    labels: dict[str, str] = dataclass_field(default_factory=dict, compare=False, hash=False)

    def name_in(self, locale: str = "en") -> str:
        return self.labels.get(check_locale(locale), self.name)

    @property
    def min_points(self) -> int:
        """The smallest total that reaches this stage's share of :data:`MAX_POINTS`.

        >>> [stage.min_points for stage in CAREER_STAGES]
        [0, 12, 20, 26]
        """
        return math.ceil(self.min_share * MAX_POINTS - 1e-9)


#: The course's stages. The thresholds are a teaching device, not a standard:
#: a share of the 32 points, and for the last stage no dimension below 2
#: (an OBM covers all of Forsyth's areas, so a high total cannot hide a gap).
CAREER_STAGES = (
    Stage("va", "VA", 0.0, labels={"it": "VA"}),
    Stage("senior_va", "Senior VA", 0.35, labels={"it": "VA senior"}),
    Stage("obm_in_the_making", "OBM in the making", 0.6, labels={"it": "OBM in formazione"}),
    Stage("obm", "OBM", 0.8, min_score=2, labels={"it": "OBM"}),
)

NEXT_STEPS = Field("steps", "Next steps to list", "", 1, len(CAREER_DIMENSIONS), integer=True,
                   labels={"it": "Prossimi passi da elencare"})


@dataclass(frozen=True)
class CareerPosition:
    """Where a set of scores places the learner on the path from VA to OBM.

    ``share`` is ``total / maximum``; ``role_points`` and ``skills_points``
    split the total between the four contrasts and the four areas (each out
    of ``group_maximum``), with their shares; ``stage`` the highest stage whose share
    and minimum score are both met; ``band`` the highest stage the share alone
    reaches (the two differ when a low score holds the learner back, and
    ``held_back_by`` then names the dimensions under the band's minimum).
    ``points_to_next_stage`` is the fewest extra points that reach
    ``next_stage`` (``None`` at the last stage); ``next_steps`` the weakest
    dimensions, lowest score first.
    """

    scores: dict[str, int]
    total: int
    maximum: int
    share: float
    role_points: int
    skills_points: int
    group_maximum: int
    role_share: float
    skills_share: float
    stage: Stage
    band: Stage
    next_stage: Stage | None
    points_to_next_stage: int | None
    held_back_by: tuple[Dimension, ...]
    next_steps: tuple[Dimension, ...]

    @property
    def stage_index(self) -> int:
        """The stage's place on the path: 0 for the first stage."""
        return CAREER_STAGES.index(self.stage)


def _reaches(stage: Stage, total: int, lowest: int) -> bool:
    return total >= stage.min_points and lowest >= stage.min_score


def points_needed(scores: dict[str, int], stage: Stage) -> int:
    """The fewest extra points that reach ``stage`` from ``scores``: enough in total, none below its minimum.

    Lifting every score below the minimum costs their deficits; any further
    points needed for the total can go anywhere.

    >>> sara = {"decides": 3, "projects": 3, "coordinates": 3, "results": 3,
    ...         "project_management": 3, "operations": 3, "metrics": 1, "people": 1}
    >>> points_needed(sara, CAREER_STAGES[-1])
    6
    """
    checked = _check_scores(scores)
    deficit = sum(max(stage.min_score - score, 0) for score in checked.values())
    return max(stage.min_points - sum(checked.values()), deficit, 0)


def _check_scores(scores: dict) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise ValueError(f"scores must be a dict of the eight dimensions' names to scores; got {scores!r}.")
    names = [dimension.name for dimension in CAREER_DIMENSIONS]
    unknown, missing = sorted(set(scores) - set(names)), [name for name in names if name not in scores]
    if unknown or missing:
        raise ValueError(
            f"scores must name exactly the dimensions {', '.join(names)}; "
            f"unknown: {', '.join(map(str, unknown)) or 'none'}, missing: {', '.join(missing) or 'none'}."
        )
    return {dimension.name: int(dimension.field.check(scores[dimension.name])) for dimension in CAREER_DIMENSIONS}


def place_on_path(
    decides: int,
    projects: int,
    coordinates: int,
    results: int,
    project_management: int,
    operations: int,
    metrics: int,
    people: int,
    steps: int = 3,
) -> CareerPosition:
    """Place a self-assessment, a score from 0 to 4 per dimension, on the path from VA to OBM.

    The example profile of the lesson: 13 of 32 points, a senior VA, 7 points
    from "OBM in the making".

    >>> giulia = place_on_path(2, 2, 1, 1, 2, 3, 1, 1)
    >>> giulia.share, giulia.role_points, giulia.skills_points, giulia.group_maximum
    (0.40625, 6, 7, 16)

    A high total does not make an OBM while an area is left out: Marco has
    26 points, enough for the OBM band, but people scores only 1.

    >>> marco = place_on_path(4, 4, 3, 3, 4, 4, 3, 1)
    >>> marco.total, marco.band.name, marco.stage.name
    (26, 'OBM', 'OBM in the making')
    >>> [dimension.name for dimension in marco.held_back_by], marco.points_to_next_stage
    (['people'], 1)
    >>> place_on_path(*[4] * 8).next_stage is None
    True
    """
    scores = _check_scores(
        {
            "decides": decides,
            "projects": projects,
            "coordinates": coordinates,
            "results": results,
            "project_management": project_management,
            "operations": operations,
            "metrics": metrics,
            "people": people,
        }
    )
    count = int(NEXT_STEPS.check(steps))
    total, lowest = sum(scores.values()), min(scores.values())
    stage = [candidate for candidate in CAREER_STAGES if _reaches(candidate, total, lowest)][-1]
    band = [candidate for candidate in CAREER_STAGES if total >= candidate.min_points][-1]
    index = CAREER_STAGES.index(stage)
    next_stage = CAREER_STAGES[index + 1] if index + 1 < len(CAREER_STAGES) else None
    held_back = tuple(d for d in CAREER_DIMENSIONS if scores[d.name] < band.min_score) if band != stage else ()
    improvable = [d for d in CAREER_DIMENSIONS if scores[d.name] < MAX_SCORE]
    weakest = sorted(improvable, key=lambda d: scores[d.name])  # stable: ties keep the dimensions' order

    role_points = sum(scores[d.name] for d in CAREER_DIMENSIONS if d.group == ROLE)
    skills_points = total - role_points

    return CareerPosition(
        scores=scores,
        total=total,
        maximum=MAX_POINTS,
        share=total / MAX_POINTS,
        role_points=role_points,
        skills_points=skills_points,
        group_maximum=GROUP_MAX_POINTS,
        role_share=role_points / GROUP_MAX_POINTS,
        skills_share=skills_points / GROUP_MAX_POINTS,
        stage=stage,
        band=band,
        next_stage=next_stage,
        points_to_next_stage=None if next_stage is None else points_needed(scores, next_stage),
        held_back_by=held_back,
        next_steps=tuple(weakest[:count]),
    )


# --- classifying tasks as VA or OBM work ---


@dataclass(frozen=True)
class Choice:
    """A column of the task table: its name, label and the values it may hold, the OBM one last."""

    name: str
    label: str
    options: tuple[str, str]
    labels: dict[str, str] = dataclass_field(default_factory=dict, compare=False, hash=False)

    @property
    def obm_value(self) -> str:
        """The value that is a sign of OBM work."""
        return self.options[-1]

    def label_in(self, locale: str = "en") -> str:
        return self.labels.get(check_locale(locale), self.label)

    def valid_range(self, currency: str = "EUR", locale: str = "en") -> str:
        """The allowed values in words (the same method name as a Field's, for messages)."""
        joined = "' or '" if check_locale(locale) == "en" else "' o '"
        return f"'{joined.join(self.options)}'"

    def check(self, value: object, where: str = "") -> str:
        """Return ``value`` if it is one of the options, else raise :class:`InputError` naming this column.

        >>> TASK_COLUMNS[1].check("project")
        'project'
        >>> TASK_COLUMNS[1].check("Project")
        Traceback (most recent call last):
        ...
        widgets.fields.InputError: scope (Task or project) must be 'task' or 'project'; got 'Project'.
        """
        if not isinstance(value, str) or value not in self.options:
            raise InputError(self, value, f"must be {self.valid_range()}{where}")
        return value


#: The columns the classifier reads, one per contrast of Tomasso's; the second option is the OBM sign.
TASK_COLUMNS = (
    Choice("who_decides", "Who decides how it is done", ("client", "me"), {"it": "Chi decide come si fa"}),
    Choice("scope", "Task or project", ("task", "project"), {"it": "Compito o progetto"}),
    Choice("coordinates_people", "Coordinates other people", ("no", "yes"), {"it": "Coordina altre persone"}),
    Choice("paid_for", "Paid for hours or results", ("hours", "results"), {"it": "Pagato per ore o risultati"}),
)

MIN_SIGNALS = Field("min_signals", "Signs needed for OBM work", "", 1, len(TASK_COLUMNS), integer=True,
                    labels={"it": "Segnali necessari per il lavoro da OBM"})


def classify_tasks(tasks: pd.DataFrame, min_signals: int = 2) -> pd.DataFrame:
    """A copy of ``tasks`` with two columns added: ``obm_signals`` (0-4) and ``work`` ("VA" or "OBM").

    Each of the four columns of :data:`TASK_COLUMNS` holding its OBM value
    (``me``, ``project``, ``yes``, ``results``) is one sign of OBM work; a task
    with at least ``min_signals`` signs is OBM work. Vectorised: one comparison
    per column over the whole table.

    >>> tasks = pd.DataFrame({
    ...     "task": ["Sort the inbox", "Run the product launch", "Weekly team meeting"],
    ...     "who_decides": ["client", "me", "me"],
    ...     "scope": ["task", "project", "task"],
    ...     "coordinates_people": ["no", "yes", "yes"],
    ...     "paid_for": ["hours", "results", "hours"],
    ... })
    >>> classify_tasks(tasks)[["task", "obm_signals", "work"]]
                         task  obm_signals work
    0          Sort the inbox            0   VA
    1  Run the product launch            4  OBM
    2     Weekly team meeting            2  OBM
    >>> classify_tasks(tasks, min_signals=3)["work"].tolist()
    ['VA', 'OBM', 'VA']
    """
    needed = int(MIN_SIGNALS.check(min_signals))
    if not isinstance(tasks, pd.DataFrame):
        raise ValueError(f"tasks must be a pandas DataFrame; got a {type(tasks).__name__}.")
    missing = [column.name for column in TASK_COLUMNS if column.name not in tasks.columns]
    if missing:
        raise ValueError(f"tasks must have the columns {', '.join(c.name for c in TASK_COLUMNS)}; "
                         f"missing: {', '.join(missing)}.")
    signals = pd.Series(0, index=tasks.index, dtype="int64")
    for column in TASK_COLUMNS:
        values = tasks[column.name]
        valid = values.isin(column.options)
        if not valid.all():
            row = valid.index[~valid.to_numpy()][0]
            task = f" (task {tasks.at[row, 'task']!r})" if "task" in tasks.columns else ""
            column.check(values.at[row], where=f" in row {row}{task}")
        signals = signals + (values == column.obm_value).astype("int64")
    classified = tasks.copy()
    classified["obm_signals"] = signals
    classified["work"] = signals.ge(needed).map({True: "OBM", False: "VA"}).astype(str)
    return classified


def classify_task(
    who_decides: str,
    scope: str,
    coordinates_people: str,
    paid_for: str,
    min_signals: int = 2,
) -> str:
    """One task as "VA" or "OBM" work, by the rule of :func:`classify_tasks`.

    >>> classify_task("me", "task", "no", "results")
    'OBM'
    >>> classify_task("me", "task", "no", "results", min_signals=3)
    'VA'
    """
    values = {"who_decides": who_decides, "scope": scope, "coordinates_people": coordinates_people,
              "paid_for": paid_for}
    for column in TASK_COLUMNS:
        column.check(values[column.name])
    frame = pd.DataFrame({name: [value] for name, value in values.items()})
    return str(classify_tasks(frame, min_signals)["work"].iloc[0])
