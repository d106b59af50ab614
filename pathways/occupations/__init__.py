"""Job titles to occupations: SOC 2018 detailed codes and O*NET-SOC codes, with a score.

One coder serves the build (the dbt Python model ``int_job_titles_coded``) and
``pathways classify titles``: normalisation of what profiles add to titles
(``normalize``), exact look-up in O*NET 30.1 and BLS titles, resolution of titles several
occupations share by industry and employment (``coder``, ``industry``), near spellings by
rapidfuzz and a token model for the rest (``tokens``). Scores below ``MIN_SCORE`` leave
the code empty. ``benchmarks/title_coding.py`` measures it.

This package imports only third-party libraries and ``pathways.core`` (where the
project's reference files and ``config/title_codes.csv`` are).
"""

from pathways.occupations.coder import (
    METHODS,
    MIN_SCORE,
    OUTPUT_COLUMNS,
    OverrideError,
    TitleCoder,
    overrides_path,
    read_overrides,
)
from pathways.occupations.files import ClassifyError, ClassifySummary, classify_file
from pathways.occupations.reference import MissingReference, Reference, reference_dir

__all__ = [
    "METHODS",
    "MIN_SCORE",
    "OUTPUT_COLUMNS",
    "ClassifyError",
    "ClassifySummary",
    "MissingReference",
    "OverrideError",
    "Reference",
    "TitleCoder",
    "classify_file",
    "overrides_path",
    "read_overrides",
    "reference_dir",
]
