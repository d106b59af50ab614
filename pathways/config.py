"""Institution configuration: one YAML file describes every customer institution."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from pathways.paths import config_path

STANDARD_ROSTER_COLUMNS: tuple[str, ...] = (
    "student_id",
    "first_name",
    "middle_name",
    "last_name",
    "former_last_name",
    "suffix",
    "date_of_birth",
    "email",
    "phone",
    "street_address",
    "city",
    "state",
    "postal_code",
    "program_cip",
    "program_name",
    "degree_level",
    "graduation_date",
)

# A roster without these cannot be used at all: the file is refused whole.
REQUIRED_ROSTER_COLUMNS: tuple[str, ...] = (
    "student_id",
    "first_name",
    "last_name",
    "program_cip",
    "degree_level",
    "graduation_date",
)


class FixedWidthField(BaseModel):
    """One column of a fixed-width layout (1-based start, width in characters)."""

    name: str
    start: int = Field(ge=1)
    width: int = Field(ge=1)


class RosterFormat(BaseModel):
    """How one institution's roster files look."""

    format: Literal["delimited", "fixed_width", "xlsx"] = "delimited"
    delimiter: str | None = None
    encoding: str | None = None
    # Width of the institution's student ids: numeric ids a spreadsheet shortened are padded
    # back with leading zeros in staging.
    student_id_width: int | None = Field(default=None, ge=1, le=20)
    column_map: dict[str, str] = Field(default_factory=dict)
    layout: list[FixedWidthField] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> RosterFormat:
        if self.format == "fixed_width" and not self.layout:
            raise ValueError("fixed_width rosters need a layout")
        unknown = {v for v in self.column_map.values()} - set(STANDARD_ROSTER_COLUMNS)
        if unknown:
            raise ValueError(f"column_map targets unknown roster columns: {sorted(unknown)}")
        return self


class Institution(BaseModel):
    """A customer institution."""

    id: str
    name: str
    unitid: str
    state: str | None = None
    aliases: list[str] = Field(default_factory=list)
    min_cell_size: int = 10
    roster: RosterFormat = Field(default_factory=RosterFormat)

    @field_validator("id")
    @classmethod
    def _id_is_identifier(cls, value: str) -> str:
        if not value.isidentifier() or value.lower() != value:
            raise ValueError(f"institution id {value!r} must be a lowercase identifier")
        return value

    @field_validator("unitid")
    @classmethod
    def _unitid_digits(cls, value: str) -> str:
        if not (value.isdigit() and len(value) == 6):
            raise ValueError(f"IPEDS UNITID {value!r} must be six digits")
        return value

    @property
    def all_names(self) -> list[str]:
        """The official name followed by every alias, without duplicates."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.aliases:
            seen.setdefault(alias, None)
        return list(seen)


class PathwaysConfig(BaseModel):
    """The whole configuration file."""

    institutions: list[Institution]

    @model_validator(mode="after")
    def _unique_ids(self) -> PathwaysConfig:
        ids = [i.id for i in self.institutions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate institution ids: {duplicates}")
        return self

    def get(self, institution_id: str) -> Institution:
        """The institution with this id, or a KeyError naming the known ids."""
        for institution in self.institutions:
            if institution.id == institution_id:
                return institution
        known = ", ".join(i.id for i in self.institutions)
        raise KeyError(f"unknown institution {institution_id!r}; configured: {known}")


CONFORMED_IMPORT_FIELDS: tuple[str, ...] = (
    "student_id", "email", "outcome", "employer_name", "job_title", "city", "state",
    "started_on", "ended_on", "salary", "school_name", "reported_on",
)
CONFORMED_OUTCOMES: tuple[str, ...] = ("employed", "further_education", "service",
                                       "seeking", "not_seeking")


class ImportSource(BaseModel):
    """A third-party source mapped to the conformed outcome model by configuration."""

    name: str
    description: str = ""
    links_by: Literal["student_id", "email"]
    columns: dict[str, str]
    values: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    filters: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ImportSource:
        if not self.name.isidentifier() or self.name.lower() != self.name:
            raise ValueError(f"import name {self.name!r} must be a lowercase identifier")
        unknown = set(self.columns) - set(CONFORMED_IMPORT_FIELDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown conformed fields {sorted(unknown)}; "
                             f"expected some of {', '.join(CONFORMED_IMPORT_FIELDS)}")
        if self.links_by not in self.columns:
            raise ValueError(f"{self.name}: links_by {self.links_by} has no column mapped")
        for field, mapping in self.values.items():
            if field not in self.columns:
                raise ValueError(f"{self.name}: values given for unmapped field {field}")
            if field == "outcome":
                bad = {v for v in mapping.values() if v is not None} - set(CONFORMED_OUTCOMES)
                if bad:
                    raise ValueError(f"{self.name}: unknown outcomes {sorted(bad)}; expected "
                                     f"{', '.join(CONFORMED_OUTCOMES)} or null")
        return self

    @property
    def required_headers(self) -> list[str]:
        """Headers a file of this source must have: every mapped column and filter column."""
        return list(dict.fromkeys([*self.columns.values(), *self.filters]))


class ImportsConfig(BaseModel):
    imports: list[ImportSource] = Field(default_factory=list)

    def get(self, name: str) -> ImportSource:
        for source in self.imports:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.imports) or "none"
        raise KeyError(f"unknown import source {name!r}; configured: {known}")


def imports_path() -> Path:
    """The third-party imports YAML: env PATHWAYS_IMPORTS, default config/imports.yml."""
    import os

    raw = os.environ.get("PATHWAYS_IMPORTS")
    return Path(raw) if raw else config_path().parent / "imports.yml"


def load_imports(path: Path | None = None) -> ImportsConfig:
    """Read and validate the third-party imports file (empty when it does not exist)."""
    path = path or imports_path()
    if not path.exists():
        return ImportsConfig()
    with path.open(encoding="utf-8") as handle:
        return ImportsConfig.model_validate(yaml.safe_load(handle) or {})


def load_config(path: Path | None = None) -> PathwaysConfig:
    """Read and validate the institutions file."""
    path = path or config_path()
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return PathwaysConfig.model_validate(data)
