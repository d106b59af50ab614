"""The outcomes report (`pathways report outcomes`): one self-contained HTML page per
institution.

Charts are Vega-Lite specifications built with Altair and rendered to inline SVG by
vl-convert, so the page needs no script, no network and no other file: it opens the same
from an e-mail attachment as from a shared drive. Every figure comes from the published
warehouse through the same queries as the API (pathways.delivery.queries), so every count
is perturbed by the cell-key method and small counts are withheld exactly as there (the same
alumni give the same number in the report and in the API), and each chart has its numbers
in a table beneath it. Rates and shares are ratios of the perturbed counts shown.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import vl_convert

from pathways.core.errors import UnknownInstitution
from pathways.delivery import queries
from pathways.delivery.published import PublishedWarehouse
from pathways.delivery.queries import Breakdown, Filters

TOP = 15
# The CC BY 4.0 attribution O*NET requires wherever data derived from it is shown.
ONET_ATTRIBUTION = (
    "This product uses public information provided by the O*NET Program: O*NET 30.1 "
    "Database by the U.S. Department of Labor, Employment and Training Administration "
    "(USDOL/ETA). Used under the CC BY 4.0 license. O*NET is a registered trademark of "
    "USDOL/ETA. Pathways has modified this information and USDOL/ETA has not approved, "
    "endorsed, or tested these modifications.")
PALETTE = {"employment": "#1f6f8b", "further": "#e07a1f", "breadth": "#4c9a2a"}


@dataclass
class Section:
    """A titled chart with its explanation and the rows behind it."""

    title: str
    text: str
    svg: str | None
    columns: list[tuple[str, str]]  # (row key, column heading)
    rows: list[dict[str, Any]]
    empty: str = "Nothing to show: every cell is below the suppression threshold."


def render_report(warehouse: Path, institution_id: str) -> str:
    """The report's HTML for ``institution_id`` from the published ``warehouse``."""
    with PublishedWarehouse(warehouse).session() as cursor:
        institution = queries.institution(cursor, institution_id)
        if institution is None:
            raise UnknownInstitution(f"{institution_id!r} is not in the published warehouse")
        sections = _sections(cursor, institution_id)
        latest = queries.history(cursor, institution_id, 1, 0).rows
    return _page(institution, latest[0] if latest else None, sections)


def write_report(warehouse: Path, institution_id: str, out: Path) -> Path:
    """Write the report to ``out`` (parent folders created) and return the path."""
    document = render_report(warehouse, institution_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return out


def _sections(cursor: duckdb.DuckDBPyConnection, institution_id: str) -> list[Section]:
    everyone = Filters()
    programs = _program_rates(cursor, institution_id)
    employers = queries.breakdown(cursor, institution_id, Breakdown.employers, everyone, TOP, 0)
    occupations = queries.breakdown(cursor, institution_id, Breakdown.occupations, everyone,
                                    TOP, 0)
    detailed = queries.breakdown(cursor, institution_id, Breakdown.detailed_occupations,
                                 everyone, TOP, 0)
    industries = queries.breakdown(cursor, institution_id, Breakdown.industries, everyone,
                                   TOP, 0)
    states = queries.breakdown(cursor, institution_id, Breakdown.states, everyone, TOP, 0)
    colleges = queries.breakdown(cursor, institution_id, Breakdown.colleges, everyone, TOP, 0)
    levels = queries.breakdown(cursor, institution_id, Breakdown.college_levels, everyone,
                               TOP, 0)
    quality = queries.match_quality(cursor, institution_id, 1000, 0).rows
    release = next((row["oews_release"] for row in programs if row["oews_release"]),
                   "BLS OEWS May 2025")
    history = queries.history(cursor, institution_id, 1000, 0).rows
    return [
        Section(
            "Employment and further education by program",
            "Share of alumni with a known outcome who were employed after graduating, and "
            "share of all alumni who went on to further study, all cohorts together. "
            "Programs whose cells are suppressed are left out.",
            _rates_chart(programs) if programs else None,
            [("program", "Program"), ("n_alumni", "Alumni"),
             ("employment_rate", "Employed"), ("further_education_rate", "Further study"),
             ("in_field_rate", "In field")],
            programs),
        _breakdown_section("Top employers", employers, "employer_name", "Employer",
                           "Alumni who held a job there after graduating."),
        _breakdown_section("Occupations", occupations, "soc_major_group_title",
                           "SOC 2018 major group",
                           "Occupations of jobs held after graduating (SOC 2018 major "
                           "groups)."),
        _breakdown_section("Detailed occupations", detailed, "soc_title",
                           "SOC 2018 occupation",
                           "Detailed occupations (SOC 2018) of jobs held after graduating, "
                           "coded from the job titles (O*NET 30.1 titles; see the "
                           "methodology)."),
        _breakdown_section("Industries", industries, "naics_sector_title",
                           "NAICS 2022 sector",
                           "Industries of jobs held after graduating (NAICS 2022 sectors)."),
        _breakdown_section("Where alumni live", states, "state", "State",
                           "Current state of alumni whose location is known."),
        _breakdown_section("Further education by level", levels, "college_level",
                           "College level", "Alumni who enrolled at or earned a degree "
                           "from another college after graduating, by its level (NSC)."),
        _breakdown_section("Further education: colleges", colleges, "college_name",
                           "College", "Colleges alumni enrolled at after graduating (NSC)."),
        Section(
            "Outcome measures by program",
            "All cohorts together. In field: the first job's occupation is one the NCES "
            "CIP-SOC crosswalk pairs with the program (or its family). Degree-level job: the "
            "current job's O*NET job zone is 4-5 (3-5 for associate and certificate). "
            "Knowledge and career outcomes rates as NACE defines them (outcome known by "
            "December 31 after the July-June class). Earnings are the median of modelled "
            "earnings: modelled from occupation and state, not observed earnings "
            f"({release}). Blank cells are suppressed or too small to show.",
            _rates_chart(programs, MEASURE_RATES) if any(
                row["career_outcomes_rate"] is not None for row in programs) else None,
            [("program", "Program"), ("in_field_rate", "In field"),
             ("degree_level_job_rate", "Degree-level job"),
             ("knowledge_rate", "Knowledge rate"),
             ("career_outcomes_rate", "Career outcomes rate"),
             ("employment_rate_1y", "Employed at 1 year"),
             ("modelled_earnings_text", "Modelled median earnings")],
            programs),
        Section(
            "Match quality",
            "How many alumni were found (breadth) and how confident the matches are, for "
            "each published refresh.",
            _quality_chart(quality) if quality else None,
            [("refreshed_at", "Refresh"), ("n_alumni", "Alumni"), ("breadth", "Breadth"),
             ("n_confidence_very_high", "Very high"), ("n_confidence_high", "High"),
             ("n_confidence_moderate", "Moderate"),
             ("median_match_probability", "Median probability")],
            quality, empty="No refresh has been published yet."),
        Section(
            "History across refreshes",
            "Headline rates as each refresh published them.",
            _history_chart(history) if history else None,
            [("refreshed_at", "Refresh"), ("n_alumni", "Alumni"), ("breadth", "Breadth"),
             ("employment_rate", "Employed"), ("further_education_rate", "Further study")],
            history, empty="No refresh has been published yet."),
    ]


def _program_rates(cursor: duckdb.DuckDBPyConnection,
                   institution_id: str) -> list[dict[str, Any]]:
    """All-cohort rows of agg_outcomes_by_program that are not suppressed."""
    rows = queries.outcomes(cursor, institution_id, Filters(), 100_000, 0).rows
    kept = [row for row in rows if row["graduation_year"] is None and not row["is_suppressed"]
            and row["program_cip"] is not None]
    for row in kept:
        title = row["program_title"] or row["program_cip"]
        row["program"] = f"{title} ({row['degree_level']})"
        earnings = row.get("modelled_earnings_median")
        row["modelled_earnings_text"] = f"${earnings:,}" if earnings is not None else None
    return sorted(kept, key=lambda row: -(row["n_alumni"] or 0))


def _breakdown_section(title: str, page: queries.Page, key: str, heading: str,
                       text: str) -> Section:
    if page.base is not None:
        text += f" Share of {page.base:,} alumni."
    text += (f" Categories with fewer than {page.min_cell_size} alumni (after perturbation) "
             "are withheld.")
    chart = _bar_chart(page.rows, key) if page.rows else None
    return Section(title, text, chart, [(key, heading), ("n_alumni", "Alumni"),
                                        ("share", "Share")], page.rows)


def _svg(chart: alt.TopLevelMixin) -> str:
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    return svg[svg.index("<svg"):]


def _bar_chart(rows: list[dict[str, Any]], key: str) -> str:
    data = alt.Data(values=[{"label": row[key], "n": row["n_alumni"], "share": row["share"]}
                            for row in rows])
    bars = alt.Chart(data).mark_bar(color=PALETTE["employment"]).encode(
        x=alt.X("n:Q", title="Alumni"),
        y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
    )
    labels = bars.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text("share:Q", format=".0%"))
    return _svg((bars + labels).properties(width=520, height=alt.Step(20)))


# (label, field of the outcomes row, colour) of each rate the program charts draw.
EMPLOYMENT_RATES = (("Employed", "employment_rate", PALETTE["employment"]),
                    ("Further study", "further_education_rate", PALETTE["further"]))
MEASURE_RATES = (("Career outcomes rate (NACE)", "career_outcomes_rate", PALETTE["breadth"]),
                 ("Degree-level job", "degree_level_job_rate", PALETTE["further"]))


def _rates_chart(programs: list[dict[str, Any]],
                 rates: tuple[tuple[str, str, str], ...] = EMPLOYMENT_RATES) -> str:
    """Two rates per program, side by side (suppressed ones left out)."""
    values = [{"program": row["program"], "measure": label, "rate": row[field]}
              for row in programs for label, field, _ in rates if row[field] is not None]
    chart = alt.Chart(alt.Data(values=values)).mark_bar().encode(
        x=alt.X("rate:Q", title="Share of alumni", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("measure:N", title=None, axis=None),
        row=alt.Row("program:N", title=None, header=alt.Header(
            labelAngle=0, labelAlign="left", labelLimit=300), spacing=2),
        color=alt.Color("measure:N", title=None, scale=alt.Scale(
            domain=[label for label, _, _ in rates],
            range=[colour for _, _, colour in rates]),
            legend=alt.Legend(orient="top")),
    ).properties(width=360, height=alt.Step(11))
    return _svg(chart)


def _quality_chart(quality: list[dict[str, Any]]) -> str:
    values = []
    for row in quality:
        when = _when(row["refreshed_at"])
        total = row["n_alumni"] or 0
        bands = (("very high", "n_confidence_very_high"), ("high", "n_confidence_high"),
                 ("moderate", "n_confidence_moderate"))
        found = 0
        for rank, (band, field) in enumerate(bands):
            found += row[field] or 0
            values.append({"refresh": when, "band": band, "rank": rank, "n": row[field] or 0})
        values.append({"refresh": when, "band": "not found", "rank": len(bands),
                       "n": max(total - found, 0)})
    chart = alt.Chart(alt.Data(values=values)).mark_bar().encode(
        x=alt.X("n:Q", title="Alumni", stack="normalize", axis=alt.Axis(format="%")),
        y=alt.Y("refresh:N", title="Refresh", sort="descending"),
        color=alt.Color("band:N", title="Match confidence", scale=alt.Scale(
            domain=["very high", "high", "moderate", "not found"],
            range=["#2b6a2b", "#6aa84f", "#b6d7a8", "#dddddd"]),
            legend=alt.Legend(orient="top")),
        order=alt.Order("rank:Q"),
    ).properties(width=520, height=alt.Step(22))
    return _svg(chart)


def _history_chart(history: list[dict[str, Any]]) -> str:
    values = []
    for row in history:
        for measure, field in (("Employed", "employment_rate"),
                               ("Further study", "further_education_rate"),
                               ("Found (breadth)", "breadth")):
            if row[field] is not None:
                values.append({"refresh": _when(row["refreshed_at"]), "measure": measure,
                               "rate": row[field]})
    chart = alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
        x=alt.X("refresh:O", title="Refresh (UTC)", sort="ascending",
                axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("rate:Q", title="Share of alumni", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None, scale=alt.Scale(
            domain=["Employed", "Further study", "Found (breadth)"],
            range=[PALETTE["employment"], PALETTE["further"], PALETTE["breadth"]]),
            legend=alt.Legend(orient="top")),
    ).properties(width=520, height=220)
    return _svg(chart)


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return _when(value)
    return html.escape(str(value))


def _table(section: Section) -> str:
    head = "".join(f"<th>{html.escape(heading)}</th>" for _, heading in section.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(key))}</td>" for key, _ in section.columns)
        + "</tr>" for row in section.rows)
    return (f"<details><summary>Numbers ({len(section.rows)} rows)</summary>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>")


def _kpis(latest: dict[str, Any] | None, institution: dict[str, Any]) -> str:
    if latest is None:
        return "<p>No refresh has been published for this institution yet.</p>"
    figures = [
        ("Alumni", _cell(latest["n_alumni"])),
        ("Found (breadth)", _cell(latest["breadth"])),
        ("Employed after graduating", _cell(latest["employment_rate"])),
        ("Went on to further study", _cell(latest["further_education_rate"])),
    ]
    cards = "".join(f'<div class="kpi"><div class="value">{value}</div>'
                    f'<div class="label">{html.escape(label)}</div></div>'
                    for label, value in figures)
    return f'<div class="kpis">{cards}</div>'


def _page(institution: dict[str, Any], latest: dict[str, Any] | None,
          sections: list[Section]) -> str:
    name = html.escape(institution["institution_name"])
    body = []
    for number, section in enumerate(sections, start=1):
        chart = section.svg if section.svg else f'<p class="empty">{section.empty}</p>'
        body.append(
            f'<section id="s{number}"><h2>{html.escape(section.title)}</h2>'
            f"<p>{html.escape(section.text)}</p><figure>{chart}</figure>"
            f"{_table(section) if section.rows else ''}</section>")
    refreshed = _cell(institution["refreshed_at"]) if institution["refreshed_at"] else "–"
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Alumni outcomes: {name}</title>
<style>
body{{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;color:#1d2530;background:#f6f7f9}}
header{{background:#1f3b57;color:#fff;padding:24px 40px}}
header h1{{margin:0 0 6px;font-size:26px}} header p{{margin:0;opacity:.85}}
main{{max-width:1000px;margin:0 auto;padding:24px 40px}}
section{{background:#fff;border-radius:8px;padding:18px 24px;margin:0 0 22px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}}
h2{{font-size:19px;margin:0 0 6px}} figure{{margin:12px 0;overflow-x:auto}}
.kpis{{display:flex;gap:16px;flex-wrap:wrap;margin:0 0 22px}}
.kpi{{flex:1 1 180px;background:#fff;border-radius:8px;padding:16px 20px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}}
.kpi .value{{font-size:28px;font-weight:bold;color:#1f6f8b}} .kpi .label{{color:#5a6472}}
table{{border-collapse:collapse;font-size:13px;margin-top:8px}}
th,td{{border-bottom:1px solid #e3e6ea;padding:4px 10px;text-align:left}}
td:not(:first-child){{text-align:right}} .empty{{color:#8a6d1d}}
footer{{color:#5a6472;font-size:12px;padding:0 40px 30px;max-width:1000px;margin:0 auto}}
</style></head><body>
<header><h1>Alumni outcomes: {name}</h1>
<p>Published refresh {html.escape(str(institution["refresh_id"] or "–"))}
({refreshed}). Counts are perturbed (cell-key method, within 2 of the true count in all but
2 cases in 4,096) and counts under {institution["min_cell_size"]} alumni are withheld.</p>
</header><main>
{_kpis(latest, institution)}
{"".join(body)}
</main><footer>Generated {generated} by Pathways from the published warehouse. No
individual is identified; every count is perturbed by the cell-key method (the same alumni
always give the same count, so figures need not add up exactly), and figures describing
fewer than {institution["min_cell_size"]} alumni are withheld. Occupations are coded from
job titles with O*NET 30.1 and the BLS SOC 2018 titles; earnings are modelled from BLS
OEWS May 2025 wages by occupation and state, not observed.
<p>{html.escape(ONET_ATTRIBUTION)}</p></footer></body></html>
"""
