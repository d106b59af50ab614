"""The read-only outcomes API (`pathways serve`): one institution per API key.

FastAPI (through fastapi-offline, so the interactive docs at ``/docs`` and ``/redoc`` load
their assets from the package, not a CDN) serves the published warehouse. Every endpoint
under ``/v1/institutions/{institution_id}/`` needs ``Authorization: Bearer <key>``: no key
or an unknown or revoked one is 401, a key of another institution 403. Parameters are
validated (422 with the field and the reason); rows carry ``institution_id`` and never a
direct identifier (the warehouse holds none). Every count is perturbed by the cell-key
method and a perturbed count from 1 to the institution's ``min_cell_size`` - 1 is never
shown (pathways.delivery.disclosure). A warehouse that is missing or cannot be read is a
503 whose message names no file.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time,
# and the Authorized / Cursor aliases are local to create_app.
import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import duckdb
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from pathways import __version__
from pathways.core.config import INSTITUTION_ID_PATTERN
from pathways.delivery import queries
from pathways.delivery.keys import KeyStore
from pathways.delivery.published import PublishedWarehouse, WarehouseUnavailable
from pathways.delivery.queries import Breakdown, Filters

CIP_PATTERN = r"^[0-9]{2}(\.[0-9]{2}([0-9]{2})?)?$"
MAX_LIMIT = 500
LOG = logging.getLogger(__name__)

T = TypeVar("T")


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")
    institution_id: str


class Institution(_Row):
    """An institution and the refresh its published data comes from."""

    institution_name: str
    unitid: str | None
    state: str | None
    min_cell_size: int = Field(description="Smallest count other than 0 any answer shows.")
    n_alumni: int | None = Field(description="Alumni of the institution, perturbed by the "
                                 "cell-key method (null from 1 to min_cell_size - 1).")
    first_cohort: int | None
    last_cohort: int | None
    refresh_id: str | None = Field(description="The published refresh serving this data.")
    refreshed_at: datetime | None


class OutcomeRow(_Row):
    """One row of agg_outcomes_by_program: a program, degree level and cohort (null
    graduation_year: all cohorts). Counts are perturbed by the cell-key method; a cell whose
    perturbed n_alumni is below min_cell_size is suppressed (null counts and rates), and in
    a shown cell a perturbed count from 1 to min_cell_size - 1 is null, with its rate."""

    program_cip: str | None
    program_title: str | None
    degree_level: str | None
    graduation_year: int | None
    is_suppressed: bool
    suppression: str | None
    n_alumni: int | None
    n_found: int | None
    n_outcome_known: int | None
    n_employed: int | None
    n_further_education: int | None
    employment_rate: float | None
    further_education_rate: float | None
    in_field_rate: float | None
    median_months_to_first_job: float | None
    in_field_basis: str | None = Field(description="cip6, cip4 or cip2: which crosswalk "
                                       "pairs decided in field (the program's own or its "
                                       "family's).")
    n_degree_level_job: int | None
    degree_level_job_rate: float | None = Field(description="Share of alumni with a "
                                                "current job of known O*NET job zone in a "
                                                "degree-level job.")
    n_modelled_earnings: int | None
    modelled_earnings_p25: int | None
    modelled_earnings_median: int | None
    modelled_earnings_p75: int | None
    earnings_basis: str = Field(description="Modelled from occupation and state, not "
                                "observed earnings.")
    oews_release: str | None
    n_nace_known: int | None
    knowledge_rate: float | None = Field(description="NACE knowledge rate.")
    career_outcomes_rate: float | None = Field(description="NACE career outcomes rate.")
    first_nace_window_end: date | None
    last_nace_window_end: date | None
    n_status_6m: int | None
    employment_rate_6m: float | None
    further_education_rate_6m: float | None
    n_status_1y: int | None
    employment_rate_1y: float | None
    further_education_rate_1y: float | None
    n_status_5y: int | None
    employment_rate_5y: float | None
    further_education_rate_5y: float | None
    n_status_10y: int | None
    employment_rate_10y: float | None
    further_education_rate_10y: float | None


class _Counted(_Row):
    n_alumni: int = Field(description="Distinct alumni in the category, perturbed by the "
                                      "cell-key method (never below the institution's "
                                      "min_cell_size, never above the base).")
    share: float = Field(description="n_alumni over the page's base.")


class EmployerRow(_Counted):
    employer_name: str


class OccupationRow(_Counted):
    soc_major_group: str = Field(description="SOC 2018 major group, XX-0000.")
    soc_major_group_title: str | None


class DetailedOccupationRow(_Counted):
    soc_code: str = Field(description="SOC 2018 detailed occupation, XX-XXXX, coded from "
                          "the job title.")
    soc_title: str | None
    soc_major_group: str | None


class IndustryRow(_Counted):
    naics_sector: str = Field(description="NAICS 2022 sector code.")
    naics_sector_title: str | None


class StateRow(_Counted):
    state: str


class CityRow(_Counted):
    city: str
    state: str


class CollegeRow(_Counted):
    college_name: str
    state: str | None


class CollegeLevelRow(_Counted):
    college_level: str


class MatchQualityRow(_Row):
    """One published refresh's match quality (agg_match_quality)."""

    refresh_id: str
    refreshed_at: datetime | None
    n_alumni: int | None
    n_found: int | None
    breadth: float | None
    mean_match_probability: float | None
    p10_match_probability: float | None
    median_match_probability: float | None
    n_confidence_very_high: int | None
    n_confidence_high: int | None
    n_confidence_moderate: int | None
    n_below_threshold: int | None
    avg_positions_per_found: float | None
    share_found_with_position: float | None
    share_found_with_location: float | None
    share_found_with_school_listed: float | None
    share_found_with_email: float | None


class HistoryRow(_Row):
    """One published refresh's headline outcomes (agg_outcomes_history)."""

    refresh_id: str
    refreshed_at: datetime | None
    n_alumni: int | None
    n_found: int | None
    n_outcome_known: int | None
    n_employed: int | None
    breadth: float | None
    employment_rate: float | None
    further_education_rate: float | None


class Page(BaseModel, Generic[T]):
    """A page of rows: ``total`` rows in all, ``next_offset`` null on the last page; ``notes``
    say how the counts were protected."""

    institution_id: str
    total: int
    limit: int
    offset: int
    next_offset: int | None
    rows: list[T]
    notes: list[str] = Field(description="How the counts are perturbed and what is withheld.")


class BreakdownPage(Page[T], Generic[T]):
    """A breakdown counted at request time, every count perturbed by the cell-key method (the
    same alumni always give the same count): ``base`` alumni (perturbed; null when below
    ``min_cell_size``, and then no rows), categories whose perturbed count is below
    ``min_cell_size`` withheld (how many is not said: that would describe the group's
    smallest members)."""

    base: int | None = Field(description="Perturbed number of alumni the shares are of; null "
                             "when below min_cell_size.")
    min_cell_size: int


class Health(BaseModel):
    """Whether the service can answer: 200 with status ``ok``, or 503 with
    ``no_published_warehouse`` or ``damaged`` (the file cannot be read) and a detail."""

    status: Literal["ok", "no_published_warehouse", "damaged"]
    version: str
    refresh_id: str | None
    refreshed_at: datetime | None
    detail: str | None = None


class Problem(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No API key, or an unknown or revoked one."},
    403: {"model": Problem, "description": "The key belongs to another institution."},
    503: {"model": Problem, "description": "No published warehouse yet, or it cannot be "
                                           "read (damaged); the message names no file."},
}

InstitutionId = Annotated[str, PathParam(
    pattern=INSTITUTION_ID_PATTERN, description="Institution id, e.g. `northfield`.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
Program = Annotated[str | None, Query(
    pattern=CIP_PATTERN, description="CIP 2020 code or prefix: `11`, `11.07` or `11.0701`.")]
DegreeLevel = Annotated[
    Literal["certificate", "associate", "bachelor", "master", "doctoral"] | None,
    Query(description="Degree level completed.")]
Cohort = Annotated[int | None, Query(ge=1950, le=2100, description="Graduation year.")]


def _filters(program: Program = None, degree_level: DegreeLevel = None,
             cohort: Cohort = None) -> Filters:
    return Filters(program=program, degree_level=degree_level, cohort=cohort)


def create_app(warehouse: Path, keys_path: Path) -> FastAPI:
    """The API over the published warehouse at ``warehouse``, keys from ``keys_path``."""
    published = PublishedWarehouse(warehouse)
    keys = KeyStore(keys_path)
    bearer = HTTPBearer(auto_error=False, description="An API key from `pathways keys "
                        "create --institution ID`, sent as `Authorization: Bearer <key>`.")
    app = FastAPIOffline(
        title="Pathways outcomes API",
        version=__version__,
        description=(
            "Read-only alumni outcomes per institution from the published Pathways "
            "warehouse. Every count is perturbed by the cell-key method (the ONS's, for "
            "flexible Census tables): the same alumni always give the same count, within 2 "
            "of the true count in all but 2 cases in 4,096 (3 for those), and a perturbed "
            "count from 1 to the institution's `min_cell_size` - 1 is never shown, so no "
            "small count can be derived from any set of answers. No direct identifiers are "
            "ever returned."),
    )

    allowed_query: dict[str, frozenset[str]] = {}

    def known_query_parameters_only(request: Request) -> None:
        """A misspelt filter (`?cohrt=2020`) is a 422, not a silently unfiltered answer."""
        path = getattr(request.scope.get("route"), "path_format", None)
        if path is None:
            return
        if path not in allowed_query:
            operation = app.openapi()["paths"].get(path, {}).get("get", {})
            allowed_query[path] = frozenset(
                param["name"] for param in operation.get("parameters", [])
                if param["in"] == "query")
        allowed = allowed_query[path]
        unknown = [name for name in request.query_params if name not in allowed]
        if unknown:
            raise RequestValidationError([
                {"type": "extra_forbidden", "loc": ("query", name),
                 "input": request.query_params[name],
                 "msg": "unknown query parameter; this endpoint takes: "
                        + (", ".join(sorted(allowed)) or "none")}
                for name in unknown])

    app.router.dependencies.append(Depends(known_query_parameters_only))

    @app.exception_handler(WarehouseUnavailable)
    async def _unavailable(_: Request, error: WarehouseUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.exception_handler(duckdb.Error)
    async def _query_failed(_: Request, error: duckdb.Error) -> JSONResponse:
        """A query failed: a damaged file (checked by reading it again) is a 503, anything
        else a 500. Neither echoes DuckDB's message, which may name files."""
        LOG.exception("query failed", exc_info=error)
        try:
            await run_in_threadpool(published.check)
        except WarehouseUnavailable as damaged:
            return JSONResponse({"detail": str(damaged)}, status_code=503)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    def authorized(
        institution_id: InstitutionId,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
    ) -> str:
        if credentials is None:
            raise HTTPException(401, "missing API key: send `Authorization: Bearer <key>`",
                                headers={"WWW-Authenticate": "Bearer"})
        owner = keys.institution_for(credentials.credentials)
        if owner is None:
            raise HTTPException(401, "unknown or revoked API key",
                                headers={"WWW-Authenticate": "Bearer"})
        if owner != institution_id:
            raise HTTPException(403, f"this key does not give access to {institution_id!r}")
        return institution_id

    Authorized = Annotated[str, Depends(authorized)]

    def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
        with published.session() as session:
            yield session

    Cursor = Annotated[duckdb.DuckDBPyConnection, Depends(cursor)]

    @app.get("/v1/health", response_model=Health, tags=["service"],
             responses={503: {"model": Health, "description": "Nothing can be served: no "
                              "published warehouse, or it cannot be read."}})
    def health() -> Any:
        """Whether a published warehouse is being served, and from which refresh: 200 and
        `ok`, or 503 when there is none or it cannot be read (every table of a newly
        published file is read in full before it answers)."""
        try:
            with published.session() as session:
                run = session.execute(
                    "select run_id, finished_at from ops.refresh_runs where published "
                    "order by finished_at desc limit 1").fetchone()
        except (WarehouseUnavailable, duckdb.Error) as error:
            if isinstance(error, duckdb.Error):
                try:
                    published.check()
                except WarehouseUnavailable as damaged:
                    error = damaged
                else:
                    raise
            status = "damaged" if error.damaged else "no_published_warehouse"
            body = Health(status=status, version=__version__, refresh_id=None,
                          refreshed_at=None, detail=str(error))
            return JSONResponse(body.model_dump(mode="json"), status_code=503)
        return Health(status="ok", version=__version__, refresh_id=run[0] if run else None,
                      refreshed_at=run[1] if run else None)

    @app.get("/v1/institutions/{institution_id}", response_model=Institution,
             responses=_ERRORS | {404: {"model": Problem}}, tags=["institutions"])
    def get_institution(institution_id: Authorized, session: Cursor) -> dict[str, Any]:
        """The institution, its smallest shareable cell and the refresh being served."""
        row = queries.institution(session, institution_id)
        if row is None:
            raise HTTPException(404, f"{institution_id!r} has no published data yet")
        return row

    @app.get("/v1/institutions/{institution_id}/outcomes",
             response_model=Page[OutcomeRow], responses=_ERRORS, tags=["outcomes"])
    def get_outcomes(institution_id: Authorized, session: Cursor,
                     filters: Annotated[Filters, Depends(_filters)],
                     limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        """Outcomes by program, degree level and cohort, as perturbed and suppressed in the
        marts: employment, further education, in-field rate and months to first job."""
        page = queries.outcomes(session, institution_id, filters, limit, offset)
        return _page(institution_id, page)

    def breakdown_route(path: str, dimension: Breakdown, row: type[BaseModel],
                        summary: str, positions: bool = False) -> None:
        def endpoint(institution_id: Authorized, session: Cursor,
                     filters: Annotated[Filters, Depends(_filters)],
                     limit: Limit = 100, offset: Offset = 0,
                     current_only: Annotated[bool, Query(
                         description="Count current jobs only (positions breakdowns; "
                         "elsewhere it is not in the schema, so it is refused as unknown).",
                         include_in_schema=positions)] = False) -> dict[str, Any]:
            page = queries.breakdown(session, institution_id, dimension, filters, limit,
                                     offset, current_only=current_only)
            return _page(institution_id, page) | {
                "base": page.base, "min_cell_size": page.min_cell_size}

        endpoint.__doc__ = summary
        endpoint.__name__ = "get_" + path.replace("-", "_")
        app.get(f"/v1/institutions/{{institution_id}}/{path}",
                response_model=BreakdownPage[row], responses=_ERRORS,  # type: ignore[valid-type]
                tags=["breakdowns"])(endpoint)

    breakdown_route("employers", Breakdown.employers, EmployerRow,
                    "Top employers: distinct alumni with a job there after graduation.",
                    positions=True)
    breakdown_route("occupations", Breakdown.occupations, OccupationRow,
                    "Occupations (SOC 2018 major groups) held after graduation.",
                    positions=True)
    breakdown_route("occupations/detailed", Breakdown.detailed_occupations,
                    DetailedOccupationRow,
                    "Detailed occupations (SOC 2018, coded from job titles) held after "
                    "graduation; filter by program for its top occupations.",
                    positions=True)
    breakdown_route("industries", Breakdown.industries, IndustryRow,
                    "Industries (NAICS 2022 sectors) worked in after graduation.",
                    positions=True)
    breakdown_route("locations/states", Breakdown.states, StateRow,
                    "Where alumni live now, by state.")
    breakdown_route("locations/cities", Breakdown.cities, CityRow,
                    "Where alumni live now, by city.")
    breakdown_route("further-education/colleges", Breakdown.colleges, CollegeRow,
                    "Colleges alumni enrolled at or earned degrees from after graduating "
                    "(NSC and surveys; the institution itself excluded).")
    breakdown_route("further-education/levels", Breakdown.college_levels,
                    CollegeLevelRow, "Further education by level of the college (NSC).")

    @app.get("/v1/institutions/{institution_id}/match-quality",
             response_model=Page[MatchQualityRow], responses=_ERRORS, tags=["quality"])
    def get_match_quality(institution_id: Authorized, session: Cursor, limit: Limit = 100,
                          offset: Offset = 0) -> dict[str, Any]:
        """Match breadth, confidence and depth per published refresh, newest first."""
        return _page(institution_id,
                     queries.match_quality(session, institution_id, limit, offset))

    @app.get("/v1/institutions/{institution_id}/history",
             response_model=Page[HistoryRow], responses=_ERRORS, tags=["outcomes"])
    def get_history(institution_id: Authorized, session: Cursor, limit: Limit = 100,
                    offset: Offset = 0) -> dict[str, Any]:
        """Headline outcomes per published refresh, newest first: a time series."""
        return _page(institution_id, queries.history(session, institution_id, limit, offset))

    return app


def _page(institution_id: str, page: queries.Page) -> dict[str, Any]:
    end = page.offset + len(page.rows)
    return {"institution_id": institution_id, "total": page.total, "limit": page.limit,
            "offset": page.offset, "next_offset": end if end < page.total else None,
            "rows": page.rows, "notes": page.notes}

