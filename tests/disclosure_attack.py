"""The differencing attack of issue 13, as a reusable helper for the tests and the benchmark.

An attacker with one institution's API key asks for every breakdown under every filter
combination (program, CIP prefix, degree level, cohort, current jobs), the outcomes table,
the institution, its history and match quality, and solves the answers for the true counts
of the smallest groups: the *cells* (program, degree level and cohort, the finest groups a
filter can select). Each answer is the sum of the true counts of the cells its filter
selects, per *family* (alumni, alumni with a known outcome, with a location, found,
employed, in further education, in field, and each category of each breakdown).

Two attackers:

* ``linear_pins``: the attacker of the issue, for exact answers: a cell is pinned when the
  shown answers determine it (it lies in the row space of their linear system);
* ``bound_pins``: an attacker who knows the perturbation table (it is public): every answer
  limits the true sum of its cells to the counts that could have been perturbed to what was
  shown (``Ranges``), and a cell is pinned when all integer solutions of those bounds give it
  the same value (proved not pinned by an integer solution that differs from the truth, by
  moving the cell by one, or by integer programming when that does not fit).

Both are applied to the true counts of cells below the threshold only.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from pathways.delivery.queries import _BREAKDOWNS, Breakdown

HORIZONS = ("6m", "1y", "5y", "10y")
OUTCOME_FAMILIES = {"n_alumni": "alumni", "n_found": "found",
                    "n_outcome_known": "outcome_known", "n_employed": "employed",
                    "n_further_education": "further_education",
                    "n_degree_level_job": "degree_level_job",
                    "n_modelled_earnings": "modelled_earnings", "n_nace_known": "nace_known",
                    **{f"n_status_{h}": f"status_{h}" for h in HORIZONS}}
_TRUTH_CONDITIONS = {"alumni": "true", "found": "is_profile_found",
                     "outcome_known": "is_outcome_known",
                     "employed": "is_employed_after_graduation",
                     "further_education": "has_further_education",
                     "in_field": "first_job_is_in_field", "located": "current_state is not null",
                     "degree_level_job": "is_in_degree_level_job",
                     "modelled_earnings": "modelled_annual_earnings is not null",
                     "nace_known": "nace_outcome is not null",
                     **{f"status_{h}": f"is_employed_{h} is not null" for h in HORIZONS}}

Cell = tuple[str | None, str | None, int]  # program_cip, degree_level, graduation_year


@dataclass(frozen=True)
class Endpoint:
    """A breakdown endpoint of the API: its path, what it counts by, whether it takes
    current_only, and the family of its base."""

    path: str
    by: Breakdown
    positions: bool
    base_family: str


def endpoints(openapi: dict) -> list[Endpoint]:
    """Every breakdown endpoint the API publishes (tag ``breakdowns``), matched to its
    Breakdown by the category columns of its rows, so one added later is attacked too."""
    schemas = openapi["components"]["schemas"]
    found = []
    for url, item in openapi["paths"].items():
        operation = item.get("get", {})
        if "breakdowns" not in operation.get("tags", []):
            continue
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        rows = schemas[page["$ref"].split("/")[-1]]["properties"]["rows"]["items"]
        columns = set(schemas[rows["$ref"].split("/")[-1]]["properties"]) - {
            "institution_id", "n_alumni", "share"}
        matches = [by for by, spec in _BREAKDOWNS.items()
                   if {key.split(" as ")[1] for key in spec.keys} == columns]
        assert len(matches) == 1, (url, columns, matches)
        spec = _BREAKDOWNS[matches[0]]
        condition = spec.base.replace("alumni.", "")
        family = next((name for name, known in _TRUTH_CONDITIONS.items()
                       if known == condition), f"base:{condition}")
        positions = any(p["name"] == "current_only" for p in operation.get("parameters", []))
        found.append(Endpoint(url.split("{institution_id}/", 1)[1], matches[0], positions,
                              family))
    return found


@dataclass(frozen=True)
class Shown:
    """What an answer said about one count: ``value`` shown (``at_least``: it may have been
    lowered to the count it is part of), or withheld (``value`` None): below the threshold,
    or (``maybe_absent``) possibly zero, as a category left out of a list is."""

    value: int | None
    at_least: bool = False
    maybe_absent: bool = False


@dataclass
class Answers:
    """Every count the attacker collected: per family, (set of cells, what was shown)."""

    cells: list[Cell]
    threshold: int
    counts: dict[str, list[tuple[frozenset[int], Shown]]] = field(
        default_factory=lambda: defaultdict(list))

    def add(self, family: str, cells: frozenset[int], shown: Shown) -> None:
        if cells:
            self.counts[family].append((cells, shown))


class Ranges:
    """Which true counts could have produced what was shown, for a perturbation table given
    as {true count: set of perturbations} (counts beyond the largest key use its row)."""

    def __init__(self, support: dict[int, set[int]], threshold: int) -> None:
        self.support = support
        self.top = max(support)
        self.threshold = threshold

    def _possible(self, count: int) -> set[int]:
        if count == 0:
            return {0}
        return {count + d for d in self.support[min(count, self.top)]}

    def true_range(self, shown: Shown) -> tuple[int, float]:
        """The smallest and largest true count consistent with ``shown``."""
        if shown.value is None:
            low, high = (0 if shown.maybe_absent else 1), self.threshold - 1
        else:
            low, high = shown.value, (math.inf if shown.at_least else shown.value)
        spread = max(abs(d) for ds in self.support.values() for d in ds)

        def could(count: int) -> bool:
            return any(low <= value <= high for value in self._possible(count))

        # every row can leave a count as it is, so `low` itself could have been shown
        smallest = next(c for c in range(max(0, low - spread), low + 1) if could(c))
        if high == math.inf:
            return smallest, math.inf
        largest = next(c for c in range(int(high) + spread, -1, -1) if could(c))
        return smallest, largest


EXACT = {1: {0}}  # today's answers: no perturbation


def ptable_support(con: duckdb.DuckDBPyConnection) -> dict[int, set[int]]:
    """The published perturbation table as {true count: perturbations it can give}."""
    support: dict[int, set[int]] = defaultdict(set)
    for low, high, perturbation in con.execute(
            "select min_count, coalesce(max_count, min_count), perturbation "
            "from marts.dim_cell_key_perturbations").fetchall():
        for count in range(low, high + 1):
            support[count].add(perturbation)
    return dict(support)


def _selects(cell: Cell, program: str | None, degree: str | None, cohort: int | None) -> bool:
    return ((program is None or (cell[0] is not None and cell[0].startswith(program)))
            and (degree is None or cell[1] == degree)
            and (cohort is None or cell[2] == cohort))


def _category(row: dict, names: list[str]) -> str:
    return json.dumps([row[name] for name in names])


def collect(get: Callable[[str, dict], dict], breakdowns: list[Endpoint], threshold: int,
            zero_shown: bool = True) -> Answers:
    """Ask the API every question: ``get(path, params)`` returns the JSON of
    /v1/institutions/<id>/<path>. Filters whose cells are the same set as an earlier
    filter's are asked once per endpoint (the same alumni give the same answer; the API
    tests check that). ``zero_shown``: a count of 0 is shown as 0, so a withheld count is
    not zero (false for the API before the cell-key method, which withheld zeros too)."""
    outcomes = _all_rows(get, "outcomes", {})
    cells = sorted({(row["program_cip"], row["degree_level"], row["graduation_year"])
                    for row in outcomes if row["graduation_year"] is not None},
                   key=lambda cell: json.dumps(cell))
    answers = Answers(cells, threshold)
    index = {cell: i for i, cell in enumerate(cells)}
    everything = frozenset(range(len(cells)))
    for row in outcomes:
        selected = frozenset(
            index[cell] for cell in cells
            if cell[0] == row["program_cip"] and cell[1] == row["degree_level"]
            and (row["graduation_year"] is None or cell[2] == row["graduation_year"]))
        _outcome_counts(answers, selected, row, zero_shown)
    institution = get("", {})
    answers.add("alumni", everything, Shown(institution["n_alumni"]))
    for path in ("history", "match-quality"):
        latest = get(path, {"limit": 1})["rows"][0]
        _outcome_counts(answers, everything, latest, zero_shown)
    programs = [*sorted({cell[0][:length] for cell in cells if cell[0]
                         for length in (2, 5, 7)}), None]
    degrees = [*sorted({cell[1] for cell in cells if cell[1]}), None]
    cohorts = [*sorted({cell[2] for cell in cells}), None]
    filters: dict[frozenset[int], dict] = {}
    for program, degree, cohort in itertools.product(programs, degrees, cohorts):
        selected = frozenset(index[cell] for cell in cells
                             if _selects(cell, program, degree, cohort))
        if selected and selected not in filters:
            filters[selected] = {key: value for key, value in
                                 (("program", program), ("degree_level", degree),
                                  ("cohort", cohort)) if value is not None}
    for endpoint in breakdowns:
        path, spec, base_family = endpoint.path, _BREAKDOWNS[endpoint.by], endpoint.base_family
        names = [key.split(" as ")[1] for key in spec.keys]
        for current in ((False, True) if endpoint.positions else (False,)):
            family = path + ("?current_only" if current else "")
            for selected, params in filters.items():
                query = params | {"limit": 500} | ({"current_only": "true"} if current else {})
                body = get(path, query)
                answers.add(base_family, selected,
                            Shown(body["base"], maybe_absent=not zero_shown))
                if body["base"] is None:
                    continue
                rows = _all_pages(get, path, query, body)
                listed = {_category(row, names): row["n_alumni"] for row in rows}
                for category, value in listed.items():
                    answers.add(f"{family}|{category}", selected,
                                Shown(value, at_least=value == body["base"]))
                answers.counts.setdefault(f"{family}|listed", []).append((selected, listed))
    _unlisted_categories(answers)
    return answers


def _all_rows(get: Callable[[str, dict], dict], path: str, params: dict) -> list[dict]:
    body = get(path, params | {"limit": 500})
    return _all_pages(get, path, params | {"limit": 500}, body)


def _all_pages(get: Callable[[str, dict], dict], path: str, params: dict,
               body: dict) -> list[dict]:
    rows = list(body["rows"])
    while body["next_offset"] is not None:
        body = get(path, params | {"offset": body["next_offset"]})
        rows.extend(body["rows"])
    return rows


def _outcome_counts(answers: Answers, selected: frozenset[int], row: dict,
                    zero_shown: bool) -> None:
    """The counts of an outcomes, history or match-quality row (and n_further_education
    from its rate x n_alumni). The in-field rate's base (employed alumni whose first job's
    in-field status is known) is not published, so it gives no count."""
    if row.get("suppression") == "complementary":
        return  # hidden although large: says nothing
    if row.get("is_suppressed"):
        answers.add("alumni", selected, Shown(None, maybe_absent=True))
        return
    values = dict(row)
    if values.get("n_further_education") is None and row.get("further_education_rate") \
            is not None and row.get("n_alumni"):
        values["n_further_education"] = round(row["further_education_rate"] * row["n_alumni"])
    parents = {"n_found": ["n_alumni"], "n_outcome_known": ["n_alumni"],
               "n_further_education": ["n_alumni"],
               "n_employed": ["n_outcome_known", "n_alumni"],
               **{column: ["n_alumni"] for column in OUTCOME_FAMILIES
                  if column.startswith(("n_degree", "n_modelled", "n_nace", "n_status"))}}
    for column, family in OUTCOME_FAMILIES.items():
        if column not in values:
            continue
        value = values[column]
        if value is None and column != "n_alumni" and column not in row:
            continue
        at_least = any(values.get(parent) == value for parent in parents.get(column, []))
        answers.add(family, selected, Shown(value, at_least=value is not None and at_least,
                                            maybe_absent=not zero_shown))


def _unlisted_categories(answers: Answers) -> None:
    """A category missing from a list with a shown base had a count below the threshold, or
    none at all."""
    for key in [key for key in answers.counts if key.endswith("|listed")]:
        family = key.removesuffix("|listed")
        listings = answers.counts.pop(key)
        categories = {category for _, listed in listings for category in listed}
        for selected, listed in listings:
            for category in categories - set(listed):
                answers.add(f"{family}|{category}", selected,
                            Shown(None, maybe_absent=True))


def true_counts(con: duckdb.DuckDBPyConnection, institution_id: str, cells: list[Cell],
                breakdowns: list[Endpoint]) -> dict[str, np.ndarray]:
    """The true count of every family in every cell, from the published marts (what the
    attacker is after; only the test knows it)."""
    index = {cell: i for i, cell in enumerate(cells)}
    truth: dict[str, np.ndarray] = {}

    def fill(family: str, rows: Iterable[tuple]) -> None:
        vector = truth.setdefault(family, np.zeros(len(cells), dtype=int))
        for program, degree, year, count in rows:
            vector[index[(program, degree, year)]] = count

    conditions = _TRUTH_CONDITIONS | {
        endpoint.base_family: endpoint.base_family.removeprefix("base:")
        for endpoint in breakdowns if endpoint.base_family.startswith("base:")}
    for family, condition in conditions.items():
        fill(family, con.execute(f"""
            select program_cip, degree_level, graduation_year, count(*) filter (
                where {condition}) from marts.dim_alumni
            where institution_id = ? group by all""", [institution_id]).fetchall())
    for endpoint in breakdowns:
        path, spec = endpoint.path, _BREAKDOWNS[endpoint.by]
        names = [key.split(" as ")[1] for key in spec.keys]
        for current in ((False, True) if endpoint.positions else (False,)):
            condition = spec.condition + (" and facts.is_current" if current else "")
            rows = con.execute(f"""
                select {", ".join(spec.keys)}, alumni.program_cip, alumni.degree_level,
                    alumni.graduation_year, count(distinct alumni.alumni_key)
                from {spec.source}
                where alumni.institution_id = ? and {condition} group by all
            """, [institution_id]).fetchall()
            per_category: dict[str, list[tuple]] = defaultdict(list)
            for row in rows:
                per_category[json.dumps(list(row[:len(names)]))].append(row[len(names):])
            family = path + ("?current_only" if current else "")
            for category, cell_rows in per_category.items():
                fill(f"{family}|{category}", cell_rows)
    return truth


def exact_answers(answers: Answers, truth: dict[str, np.ndarray]) -> Answers:
    """The same questions answered as the API answered them before the cell-key method:
    the true counts, each shown when it reaches the threshold (a base below it hides its
    categories, as then). What the attack finds in these is what it found in issue 13."""
    exact = Answers(answers.cells, answers.threshold)
    for family, entries in answers.counts.items():
        vector = truth.get(family, np.zeros(len(answers.cells), dtype=int))
        for selected, shown in entries:
            true = int(vector[list(selected)].sum())
            if shown.maybe_absent:
                # listed exactly when it reaches the threshold (the base did then)
                exact.add(family, selected,
                          Shown(true) if true >= answers.threshold
                          else Shown(None, maybe_absent=True))
            else:
                exact.add(family, selected,
                          Shown(true) if true >= answers.threshold
                          else Shown(None, maybe_absent=True))
    return exact


@dataclass
class Pins:
    """Cells below the threshold the attack tried; those it pinned (family, cell, true
    count); for the linear attacker also the cells the shown answers determine and how many
    of its estimates of them round to the true count (``consistent``: whether the answers
    fit one exact solution at all: when they do not, the attacker knows the estimates are
    guesses)."""

    tried: int = 0
    pinned: list[tuple[str, Cell, int]] = field(default_factory=list)
    determined: int = 0
    estimated_right: int = 0
    blind_right: int = 0  # guessing the commonest small count instead
    consistent: bool = True


def _system(answers: Answers, family: str, ranges: Ranges) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    entries = answers.counts[family]
    matrix = np.zeros((len(entries), len(answers.cells)))
    low = np.zeros(len(entries))
    high = np.zeros(len(entries))
    for row, (selected, shown) in enumerate(entries):
        matrix[row, list(selected)] = 1
        low[row], high[row] = ranges.true_range(shown)
    return matrix, low, high


def _lower_bounds(answers: Answers, family: str) -> np.ndarray:
    """Every cell the outcomes list holds has at least one alumnus."""
    return np.full(len(answers.cells), 1.0 if family == "alumni" else 0.0)


def _targets(answers: Answers, truth: dict[str, np.ndarray], family: str) -> list[int]:
    vector = truth.get(family)
    if vector is None:
        return []
    return [i for i in range(len(answers.cells)) if 0 < vector[i] < answers.threshold]


def linear_pins(answers: Answers, truth: dict[str, np.ndarray], exact: bool) -> Pins:
    """Issue 13's attacker: treat every shown count as exact, solve the linear system, and
    take the cells it determines. With ``exact`` answers every determined cell is pinned to
    its true count (the system is consistent); perturbed answers pin nothing: the attacker
    knows each is off by up to 3, and its estimates are guesses (counted in
    ``estimated_right``, beside a blind guess of the commonest small count)."""
    pins = Pins()
    smalls = np.concatenate([v[(v > 0) & (v < answers.threshold)] for v in truth.values()])
    commonest = int(np.bincount(smalls).argmax()) if smalls.size else 1
    for family, entries in answers.counts.items():
        targets = _targets(answers, truth, family)
        if not targets:
            continue
        pins.tried += len(targets)
        rows = [(selected, shown.value) for selected, shown in entries
                if shown.value is not None and not shown.at_least]
        if not rows:
            continue
        matrix = np.zeros((len(rows), len(answers.cells)))
        for row, (selected, _) in enumerate(rows):
            matrix[row, list(selected)] = 1
        values = np.array([value for _, value in rows], dtype=float)
        estimate, *_ = np.linalg.lstsq(matrix, values, rcond=None)
        consistent = bool(np.abs(matrix @ estimate - values).max() < 1e-6)
        pins.consistent &= consistent
        _, singular, vt = np.linalg.svd(matrix)
        null = vt[int((singular > 1e-9).sum()):]
        for cell in targets:
            if null.shape[0] and np.abs(null[:, cell]).max() >= 1e-9:
                continue
            true = int(truth[family][cell])
            pins.determined += 1
            pins.estimated_right += round(estimate[cell]) == true
            pins.blind_right += commonest == true
            if exact:
                assert consistent and round(estimate[cell]) == true, family
                pins.pinned.append((family, answers.cells[cell], true))
    return pins


def bound_pins(answers: Answers, truth: dict[str, np.ndarray], ranges: Ranges) -> Pins:
    """Cells whose true count is the only integer value the answers allow (an attacker who
    knows the perturbation table)."""
    pins = Pins()
    for family in answers.counts:
        targets = _targets(answers, truth, family)
        if not targets:
            continue
        pins.tried += len(targets)
        matrix, low, high = _system(answers, family, ranges)
        lower = _lower_bounds(answers, family)
        true = truth[family].astype(float)
        sums = matrix @ true
        assert (sums >= low - 1e-9).all() and (sums <= high + 1e-9).all(), (
            f"{family}: the true counts contradict the answers")
        for cell in targets:
            if not _pinned(matrix, low, high, lower, true, cell):
                continue
            pins.pinned.append((family, answers.cells[cell], int(true[cell])))
    return pins


def _pinned(matrix: np.ndarray, low: np.ndarray, high: np.ndarray, lower: np.ndarray,
            true: np.ndarray, cell: int) -> bool:
    column = matrix[:, cell] > 0
    sums = matrix @ true
    if (sums[column] + 1 <= high[column]).all():
        return False  # one more in the cell fits every answer
    if true[cell] - 1 >= lower[cell] and (sums[column] - 1 >= low[column]).all():
        return False  # one fewer does
    n = matrix.shape[1]
    finite = np.where(np.isinf(high), 1e9, high)
    constraint = LinearConstraint(matrix, low, finite)
    objective = np.zeros(n)
    objective[cell] = 1
    for sign in (1, -1):
        result = milp(sign * objective, constraints=constraint,
                      bounds=Bounds(lower, np.full(n, np.inf)), integrality=np.ones(n))
        if result.status == 0 and round(result.x[cell]) != true[cell]:
            return False
    return True
