"""Write the synthetic two-week time log that lesson 07 audits: `python -m tools.make_time_log`.

The log belongs to a fictional owner of a small online course and coaching
business. Nothing in it is real: every block is drawn from :data:`TASKS` with a
fixed seed, so running the script again gives the same file, byte for byte
(a test checks it). The lesson reads the stored CSV and never re-generates it.

Each row is one block of 15 or 30 minutes, logged the way a time audit asks:
what was done, in which part of the business, whether it was urgent and/or
important, who else could do it and at what market rate (empty when only the
owner can, or when nobody should).

    python -m tools.make_time_log                   # writes course/data/time_log.csv
    python -m tools.make_time_log --output /tmp/x.csv
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "course" / "data" / "time_log.csv"
SEED = 20250303
#: Ten working days: Monday 3 to Friday 14 March 2025.
FIRST_DAY = "2025-03-03"
WORKING_DAYS = 10
COLUMNS = [
    "date", "start", "end", "minutes", "task", "category", "urgent", "important", "who_could_do_it",
    "delegate_rate",
]  # fmt: skip


@dataclass(frozen=True)
class Task:
    """One kind of work in the log, and how the generator draws it."""

    name: str
    category: str
    urgent: bool
    important: bool
    who_could_do_it: str
    delegate_rate: int | None  # EUR/h on the market; None when nobody else should do it
    hours_per_week: float  # the drawing weight: roughly the hours a week it takes
    block_minutes: int  # 15 or 30
    longest_run: int  # at most this many blocks in a row


OWNER = "only the owner"
NOBODY = "nobody: stop doing it"

TASKS = (
    Task("Inbox triage", "email", True, False, "VA", 22, 5.0, 15, 3),
    Task("Replying to client emails", "email", True, True, "VA", 28, 2.0, 15, 2),
    Task("Invoices and payment reminders", "admin", True, False, "VA", 25, 2.0, 30, 2),
    Task("Calendar and scheduling", "admin", True, False, "VA", 22, 1.5, 15, 2),
    Task("Tidying the shared drive", "admin", False, False, "VA", 20, 1.5, 30, 2),
    Task("Bookkeeping", "admin", False, True, "bookkeeper", 35, 1.5, 30, 2),
    Task("Coaching calls with clients", "delivery", True, True, OWNER, None, 6.0, 30, 2),
    Task("Recording course lessons", "delivery", False, True, OWNER, None, 3.0, 30, 3),
    Task("Editing lesson videos", "delivery", False, True, "video editor", 30, 2.5, 30, 3),
    Task("Uploading lessons to the course platform", "delivery", True, False, "VA", 25, 1.5, 30, 2),
    Task("Answering student questions", "delivery", True, False, "VA", 25, 2.5, 15, 3),
    Task("Writing the newsletter", "marketing", False, True, "copywriter", 40, 2.0, 30, 2),
    Task("Scheduling social media posts", "marketing", True, False, "VA", 22, 2.0, 15, 2),
    Task("Polishing graphics", "marketing", False, False, "designer", 35, 1.5, 30, 2),
    Task("Scrolling social feeds", "marketing", False, False, NOBODY, None, 2.0, 15, 2),
    Task("Discovery calls with prospects", "sales", True, True, "sales closer", 60, 3.0, 30, 2),
    Task("Following up leads", "sales", True, False, "VA", 28, 1.5, 15, 2),
    Task("Writing proposals", "sales", False, True, "OBM", 45, 1.5, 30, 2),
    Task("Coordinating freelancers", "leadership", True, False, "OBM", 45, 2.5, 15, 3),
    Task("Weekly team meeting", "leadership", True, True, "OBM", 45, 0.0, 30, 2),
    Task("Strategy and planning", "leadership", False, True, OWNER, None, 0.0, 30, 4),
)
#: Fixed in the calendar, never drawn: (weekday, start, task, blocks). Monday is 0.
FIXED = (
    (0, "09:00", "Weekly team meeting", 2),
    (4, "09:00", "Strategy and planning", 4),
)
#: The two sessions of a working day; the afternoon ends at one of these times.
MORNING = ("08:30", "12:30")
AFTERNOON_START = "13:30"
AFTERNOON_ENDS = ("17:30", "18:00", "18:30", "19:00")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _free_intervals(days: list[tuple[pd.Timestamp, int]]) -> tuple[list, list]:
    """The week's fixed blocks, and the free (day, start, end) intervals around them, in time order."""
    by_name = {task.name: task for task in TASKS}
    fixed_blocks, free = [], []
    for day, afternoon_end in days:
        for session_start, session_end in ((_minutes(MORNING[0]), _minutes(MORNING[1])),
                                           (_minutes(AFTERNOON_START), afternoon_end)):
            now = session_start
            events = sorted(
                (_minutes(start), by_name[name], blocks)
                for weekday, start, name, blocks in FIXED
                if weekday == day.weekday() and session_start <= _minutes(start) < session_end
            )
            for event_start, task, blocks in events:
                if event_start > now:
                    free.append((day, now, event_start))
                for index in range(blocks):
                    fixed_blocks.append((day, event_start + index * task.block_minutes, task.block_minutes, task))
                now = event_start + blocks * task.block_minutes
            if now < session_end:
                free.append((day, now, session_end))
    return fixed_blocks, free


def _quotas(free_minutes: int) -> dict[Task, int]:
    """Minutes of each drawn task this week: its hours scaled to the free time, in 15-minute steps."""
    drawn = [task for task in TASKS if task.hours_per_week > 0]
    total = sum(task.hours_per_week for task in drawn)
    quotas = {task: int(round(task.hours_per_week / total * free_minutes / 15)) * 15 for task in drawn}
    quotas[drawn[0]] += free_minutes - sum(quotas.values())  # the rounding left over goes to the first task
    return quotas


def _runs(rng: np.random.Generator, quotas: dict[Task, int]) -> list[tuple[Task, int]]:
    """Each task's minutes cut into runs of one to ``longest_run`` blocks, all shuffled together."""
    runs = []
    for task, left in quotas.items():
        while left > 0:
            length = min(left, task.block_minutes * int(rng.integers(1, task.longest_run + 1)))
            runs.append((task, length))
            left -= length
    return [runs[index] for index in rng.permutation(len(runs))]


def _week(rng: np.random.Generator, days: list[tuple[pd.Timestamp, int]]) -> list:
    """One week of (day, start, minutes, task) blocks: fixed events, and shuffled runs laid around them."""
    blocks, free = _free_intervals(days)
    runs = _runs(rng, _quotas(sum(end - start for _, start, end in free)))
    intervals = iter(free)
    day, now, end = next(intervals)
    for task, length in runs:
        while length > 0:
            if now == end:
                day, now, end = next(intervals)
            block = min(task.block_minutes, length, end - now)
            blocks.append((day, now, block, task))
            now, length = now + block, length - block
    return sorted(blocks, key=lambda block: (block[0], block[1]))


def make_time_log(seed: int = SEED) -> pd.DataFrame:
    """The whole log as a DataFrame, one row per block, in time order."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(FIRST_DAY, periods=WORKING_DAYS)
    rows = []
    for first in range(0, WORKING_DAYS, 5):
        days = [
            (day, _minutes(AFTERNOON_ENDS[int(rng.integers(len(AFTERNOON_ENDS)))])) for day in dates[first:first + 5]
        ]
        for day, start, length, task in _week(rng, days):
            rows.append(
                {
                    "date": day.strftime("%Y-%m-%d"),
                    "start": _clock(start),
                    "end": _clock(start + length),
                    "minutes": length,
                    "task": task.name,
                    "category": task.category,
                    "urgent": task.urgent,
                    "important": task.important,
                    "who_could_do_it": task.who_could_do_it,
                    "delegate_rate": task.delegate_rate,
                }
            )
    log = pd.DataFrame(rows, columns=COLUMNS)
    log["delegate_rate"] = log["delegate_rate"].astype("Int64")  # whole euros; empty where nobody else
    return log


def csv_text(log: pd.DataFrame) -> str:
    """The log as the CSV text that is stored: Unix line ends, no index."""
    return log.to_csv(index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT, help=f"where to write (default: {OUTPUT})")
    parser.add_argument("--seed", type=int, default=SEED, help="the random seed (default: the stored log's)")
    options = parser.parse_args(argv)
    log = make_time_log(options.seed)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_bytes(csv_text(log).encode("utf-8"))
    hours = log["minutes"].sum() / 60
    print(f"{len(log)} blocks, {hours:.2f} hours over {log['date'].nunique()} days -> {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
