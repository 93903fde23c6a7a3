"""Generate lesson 09's synthetic dataset: 120 days of one fictional client's business.

    python -m tools.make_client_metrics                  # writes course/data/client_metrics.csv
    python -m tools.make_client_metrics --output x.csv   # writes elsewhere (the determinism test)

The client is invented: *Casa Ceramica*, a small online shop of handmade
ceramics that also sells a monthly subscription box, the "Clay Club". Its OBM
works on a retainer and logs her hours every working day. One row per day from
1 January to 30 April 2025, with these columns:

- ``date``: the day (ISO 8601);
- ``orders`` and ``revenue``: shop orders that day and what they brought in, in EUR;
- ``new_members``, ``cancelled_members``, ``members``: Clay Club sign-ups,
  cancellations, and active members at the end of the day
  (``members`` = yesterday's ``members`` + ``new_members`` - ``cancelled_members``);
- ``support_emails``: customer emails that needed an answer;
- ``obm_hours``: the OBM's retainer hours logged that day, in quarter hours.

Everything is drawn from a NumPy generator with a fixed seed, so the file is the
same, byte for byte, on every run. Two days are planted as clear anomalies, on
the dates in :data:`ANOMALIES`: a checkout outage (almost no orders, a flood of
support emails) and a newsletter feature (three times the usual orders and a
burst of sign-ups). The OBM's monthly hours are fixed in :data:`OBM_HOURS_BY_MONTH`:
a busy January, then fewer hours every month as her systems take over the work.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "course" / "data" / "client_metrics.csv"

SEED = 20250101
START, DAYS = "2025-01-01", 120
COLUMNS = ["date", "orders", "revenue", "new_members", "cancelled_members", "members", "support_emails", "obm_hours"]

#: The planted anomalies: day -> what happened.
ANOMALIES = {
    "2025-03-11": "checkout outage: almost no orders, many support emails",
    "2025-04-15": "newsletter feature: three times the usual orders, a burst of sign-ups",
}

#: The OBM's retainer hours logged per month, spread over the month's working days.
OBM_HOURS_BY_MONTH = {1: 30.5, 2: 21.0, 3: 13.5, 4: 12.75}

MEMBERS_AT_START = 400
ORDERS_PER_DAY = 24.0
ORDER_VALUE_EUR = 42.0
#: Orders by weekday, Monday first: a weekend dip, a Thursday peak.
WEEKDAY_FACTOR = np.array([1.0, 1.0, 1.05, 1.1, 1.0, 0.75, 0.85])
DAILY_GROWTH = 0.001
NEW_MEMBERS_PER_DAY = 2.2
DAILY_CANCELLATION_CHANCE = 0.0017


def build(seed: int = SEED) -> pd.DataFrame:
    """The dataset as a DataFrame, one row per day, columns :data:`COLUMNS`."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=DAYS, freq="D")
    weekday = dates.day_of_week.to_numpy()
    trend = (1 + DAILY_GROWTH) ** np.arange(DAYS)

    orders = rng.poisson(ORDERS_PER_DAY * WEEKDAY_FACTOR[weekday] * trend)
    order_value = rng.normal(ORDER_VALUE_EUR, 2.5, DAYS)
    new_members = rng.poisson(NEW_MEMBERS_PER_DAY, DAYS)
    emails = rng.poisson(5 + 0.15 * orders)

    outage, feature = (dates.get_loc(pd.Timestamp(day)) for day in ANOMALIES)
    orders[outage] = 2
    emails[outage] = 41
    orders[feature] = 3 * orders[feature]
    new_members[feature] = 26

    cancelled = np.zeros(DAYS, dtype=int)
    members = np.zeros(DAYS, dtype=int)
    active = MEMBERS_AT_START
    for day in range(DAYS):
        cancelled[day] = rng.binomial(active, DAILY_CANCELLATION_CHANCE)
        active += new_members[day] - cancelled[day]
        members[day] = active

    frame = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "orders": orders,
            "revenue": np.round(orders * order_value, 2),
            "new_members": new_members,
            "cancelled_members": cancelled,
            "members": members,
            "support_emails": emails,
            "obm_hours": _obm_hours(rng, dates),
        }
    )
    return frame[COLUMNS]


def _obm_hours(rng: np.random.Generator, dates: pd.DatetimeIndex) -> np.ndarray:
    """Each month's hours, in quarter hours, spread at random over its working days."""
    hours = np.zeros(len(dates))
    for month, total in OBM_HOURS_BY_MONTH.items():
        workdays = np.flatnonzero((dates.month == month) & (dates.day_of_week < 5))
        quarters = rng.multinomial(round(total * 4), np.full(len(workdays), 1 / len(workdays)))
        hours[workdays] = quarters / 4
    return hours


def write(path: pathlib.Path = OUTPUT, seed: int = SEED) -> pathlib.Path:
    """Write the dataset as CSV (UTF-8, ``\\n`` line ends) and return its path."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(seed).to_csv(path, index=False, lineterminator="\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT, help="where to write the CSV")
    arguments = parser.parse_args(argv)
    print(f"wrote {write(arguments.output)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
