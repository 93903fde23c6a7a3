"""The course's calculators: a pure calculation model and ipywidgets views on top of it.

Lessons import from here. The model (``fields``, ``formatting``, ``delegation``,
``self_check``) imports no widgets; the views (``*_view`` modules) are loaded
only when a view name is first used, so importing the model stays light and has
no side effects.
"""

from types import ModuleType as _ModuleType

from widgets.career_path import (
    CAREER_DIMENSIONS,
    CAREER_STAGES,
    CareerPosition,
    classify_task,
    classify_tasks,
    place_on_path,
)
from widgets.delegation import (
    DelegationResult,
    TaskCost,
    buyback_rate,
    evaluate_delegation,
    hourly_value,
    onboarding_cost,
    payback_weeks,
    task_cost,
    weekly_gain,
)
from widgets.fields import Field, InputError
from widgets.forfettario import (
    FORFETTARIO_CEILING,
    FORFETTARIO_COEFFICIENTS,
    FORFETTARIO_INPS_RATES,
    FORFETTARIO_TAX_RATES,
    ForfettarioBreakdown,
    ForfettarioResult,
    evaluate_forfettario,
    forfettario_billable_hours,
    forfettario_breakdown,
    forfettario_ceiling_rate,
    forfettario_ceiling_status,
    forfettario_keep_share,
    forfettario_rate_for_revenue,
    forfettario_revenue_at_rate,
    forfettario_revenue_needed,
    stamp_duty,
)
from widgets.formatting import LOCALES, format_money, format_number, format_percent
from widgets.kpis import (
    ANOMALY_THRESHOLD,
    ANOMALY_WINDOW,
    LOW_USE_SHARE,
    RETAINER_ADVICE,
    RetainerHealth,
    anomaly_flags,
    anomaly_report,
    churn_rate,
    monthly_recurring_revenue,
    monthly_summary,
    retainer_health,
    retainer_review,
    retention_rate,
    rolling_baseline,
    rolling_z_scores,
    weekly_revenue,
)
from widgets.pricing import (
    PricingResult,
    breakeven_hours,
    compare_pricing,
    effective_hourly_rate,
    hourly_revenue,
    package_price,
    retainer_covered_hours,
    retainer_fee,
    retainer_months,
    retainer_revenue,
    scope_creep_rate,
    value_based_price,
    who_carries_the_risk,
    yearly_value_created,
)
from widgets.rates import (
    RateResult,
    billable_hours,
    day_rate,
    evaluate_rate,
    hourly_rate_needed,
    rate_by_utilization,
    revenue_needed,
    utilization_zone,
    working_weeks,
)
from widgets.self_check import check_answer
from widgets.team import (
    MarginResult,
    MemberLoad,
    ProjectMargin,
    TeamMember,
    TeamPlan,
    TeamProject,
    TeamTotals,
    TeamWarning,
    evaluate_margin,
    margin_on_price,
    margin_to_markup,
    markup_on_cost,
    markup_to_margin,
    plan_team,
    price_for_margin,
    rate_for_margin,
    rate_for_markup,
    utilization,
)
from widgets.time_audit import (
    HANDOFF_ORDER,
    TimeAudit,
    TimeLogSummary,
    audit_time,
    check_time_log,
    classify_blocks,
    delegation_ranking,
    eisenhower_quadrant,
    four_d_action,
    handoff_rung,
    hours_by_action,
    hours_by_category,
    load_time_log,
    summarize_log,
    task_hours,
    weeks_in_log,
)

# Each lesson's model names are imported above, its views listed here (loaded on first use).

_VIEWS = {
    "CareerPathAssessment": "widgets.career_path_view",
    "DelegationCalculator": "widgets.delegation_view",
    "ForfettarioCalculator": "widgets.forfettario_view",
    "KpiDashboard": "widgets.kpi_view",
    "MarginCalculator": "widgets.team_view",
    "PricingComparison": "widgets.pricing_view",
    "RateCalculator": "widgets.rate_view",
    "RetainerHealthCalculator": "widgets.kpi_view",
    "SelfCheck": "widgets.self_check_view",
    "TeamPlanner": "widgets.team_view",
    "TimeAuditExplorer": "widgets.time_audit_view",
}



def interactive_tools() -> list[str]:
    """The names of the course's calculators, dashboards and self-checks (each loaded on first use).

    >>> "DelegationCalculator" in interactive_tools()
    True
    """
    return sorted(_VIEWS)


#: The public names: everything imported above, and the views.
__all__ = sorted(
    [name for name, value in globals().items() if not name.startswith("_") and not isinstance(value, _ModuleType)]
    + list(_VIEWS)
)


def __getattr__(name: str):
    """Import a view module on first use, so the model never pulls in ipywidgets."""
    if name in _VIEWS:
        import importlib

        return getattr(importlib.import_module(_VIEWS[name]), name)
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")
