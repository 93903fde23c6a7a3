"""Lesson 09's dataset: the seeded script reproduces the committed CSV byte for byte and tells the lesson's story."""

import subprocess
import sys

import pandas as pd
import pytest

from tools import make_client_metrics as script
from widgets.kpis import anomaly_flags, monthly_summary, retainer_review

ROOT = script.ROOT
CSV = script.OUTPUT


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(CSV, parse_dates=["date"], index_col="date")


def test_running_the_script_reproduces_the_committed_csv(tmp_path):
    fresh = tmp_path / "client_metrics.csv"
    subprocess.run(
        [sys.executable, "-m", "tools.make_client_metrics", "--output", str(fresh)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    assert fresh.read_bytes() == CSV.read_bytes(), "run `python -m tools.make_client_metrics` and commit the CSV"


def test_the_same_seed_gives_the_same_table_and_another_seed_does_not():
    assert script.build().equals(script.build())
    assert not script.build().equals(script.build(seed=script.SEED + 1))


def test_the_csv_is_plain_utf8_with_unix_line_ends():
    raw = CSV.read_bytes()
    assert b"\r" not in raw
    assert raw.decode("utf-8").splitlines()[0] == ",".join(script.COLUMNS)


def test_120_consecutive_days_of_whole_counts(data):
    assert len(data) == script.DAYS == 120
    assert data.index[0] == pd.Timestamp("2025-01-01") and data.index[-1] == pd.Timestamp("2025-04-30")
    assert (data.index.to_series().diff().dropna() == pd.Timedelta(days=1)).all()
    assert list(data.columns) == script.COLUMNS[1:]
    for column in ("orders", "new_members", "cancelled_members", "members", "support_emails"):
        assert pd.api.types.is_integer_dtype(data[column]) and (data[column] >= 0).all(), column
    assert (data["revenue"] >= 0).all()
    assert ((data["obm_hours"] * 4) % 1 == 0).all(), "hours are logged in quarter hours"
    assert (data.loc[data.index.day_of_week >= 5, "obm_hours"] == 0).all(), "no OBM hours at the weekend"


def test_members_follow_from_sign_ups_and_cancellations(data):
    start = script.MEMBERS_AT_START
    assert (data["members"] == start + (data["new_members"] - data["cancelled_members"]).cumsum()).all()


def test_the_obm_hours_per_month_are_the_planned_ones(data):
    by_month = data["obm_hours"].groupby(data.index.month).sum()
    assert by_month.to_dict() == script.OBM_HOURS_BY_MONTH


def test_the_planted_anomalies_are_flagged(data):
    flagged = anomaly_flags(data, ["revenue", "orders"])
    for day in script.ANOMALIES:
        assert flagged.loc[day].all(), f"{day} is not flagged"
    outage, feature = (pd.Timestamp(day) for day in script.ANOMALIES)
    assert anomaly_flags(data["support_emails"])[outage]
    assert anomaly_flags(data["new_members"])[feature]


def test_the_lessons_story_holds(data):
    # The lesson tells this story from the data; if the data changes, the lesson must change with it.
    summary = monthly_summary(data, monthly_price=25)
    review = retainer_review(summary["obm_hours"], hours_included=25, monthly_fee=1250, overage_rate=60)
    assert list(review["advice"]) == ["over", "healthy", "watch", "resize_down"]
    assert summary["revenue"].iloc[-1] > summary["revenue"].iloc[0], "results grow while the hours fall"
    revenue_flags = anomaly_flags(data["revenue"])
    assert list(revenue_flags[revenue_flags].index.strftime("%Y-%m-%d")) == ["2025-03-11", "2025-04-03", "2025-04-15"]
