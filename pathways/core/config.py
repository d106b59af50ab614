"""Institution and third-party import configuration: two YAML files, validated.

``config/institutions.yml`` describes every customer institution (roster shape, aliases,
smallest shareable cell); ``config/imports.yml`` maps third-party sources to the conformed
outcome model. Their paths come from pathways.core.settings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from pathways.core.errors import ConfigError, UnknownImportSource, UnknownInstitution

# One pattern for institution ids everywhere: configuration, folders, API paths, schema
# names of the published per-institution views (inst_<id>).
INSTITUTION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
_INSTITUTION_ID = re.compile(INSTITUTION_ID_PATTERN)
_Model = TypeVar("_Model", bound=BaseModel)

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

# One column holding the whole name ("Last, First Middle"), split at ingest into first,
# middle, last and suffix (ingestion.names); it stands in for first_name and last_name.
SINGLE_NAME_COLUMN = "full_name"

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
    # How numeric dates are written (05/06/2021); omit to decide per file from its dates.
    date_order: Literal["month_first", "day_first"] | None = None

    @model_validator(mode="after")
    def _check(self) -> RosterFormat:
        if self.format == "fixed_width" and not self.layout:
            raise ValueError("fixed_width rosters need a layout")
        unknown = ({v for v in self.column_map.values()} - set(STANDARD_ROSTER_COLUMNS)
                   - {SINGLE_NAME_COLUMN})
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
        if not _INSTITUTION_ID.match(value):
            raise ValueError(f"institution id {value!r} must be a lowercase letter followed "
                             "by up to 62 lowercase letters, digits or underscores")
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
        """The institution with this id (UnknownInstitution names the configured ones)."""
        for institution in self.institutions:
            if institution.id == institution_id:
                return institution
        known = ", ".join(i.id for i in self.institutions)
        raise UnknownInstitution(f"unknown institution {institution_id!r}; configured: "
                                 f"{known}")


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
        """The source with this name (UnknownImportSource names the configured ones)."""
        for source in self.imports:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.imports) or "none"
        raise UnknownImportSource(f"unknown import source {name!r}; configured: {known}")


def _read_yaml(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error


def _validate(model: type[_Model], data: object, path: Path) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}"
            for e in error.errors())
        raise ConfigError(f"{path}: {problems}") from error


def load_imports(path: Path) -> ImportsConfig:
    """Read and validate the third-party imports file (empty when it does not exist)."""
    if not path.exists():
        return ImportsConfig()
    return _validate(ImportsConfig, _read_yaml(path) or {}, path)


def load_config(path: Path) -> PathwaysConfig:
    """Read and validate the institutions file."""
    return _validate(PathwaysConfig, _read_yaml(path), path)
