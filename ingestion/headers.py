"""Matching the headers institutions write to Pathways' standard roster columns.

Headers are compared after normalisation (case, spaces and punctuation removed), so
"First Name", "FIRST_NAME" and "first name" all become ``first_name``. Synonyms below
cover what registrars commonly write; an institution's ``column_map`` in the
configuration overrides both.
"""

from __future__ import annotations

import re

from pathways.core.config import STANDARD_ROSTER_COLUMNS

# normalised header -> standard column (documented in README "Roster files").
SYNONYMS: dict[str, str] = {
    "id": "student_id",
    "studentnumber": "student_id",
    "studentno": "student_id",
    "emplid": "student_id",
    "firstname": "first_name",
    "givenname": "first_name",
    "first": "first_name",
    "middle": "middle_name",
    "middleinitial": "middle_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "last": "last_name",
    "maidenname": "former_last_name",
    "previouslastname": "former_last_name",
    "priorlastname": "former_last_name",
    "namesuffix": "suffix",
    "dob": "date_of_birth",
    "birthdate": "date_of_birth",
    "dateofbirth": "date_of_birth",
    "emailaddress": "email",
    "personalemail": "email",
    "phonenumber": "phone",
    "telephone": "phone",
    "address": "street_address",
    "address1": "street_address",
    "street": "street_address",
    "st": "state",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "postcode": "postal_code",
    "cip": "program_cip",
    "cipcode": "program_cip",
    "major": "program_name",
    "program": "program_name",
    "majorname": "program_name",
    "degree": "degree_level",
    "degreetype": "degree_level",
    "awardlevel": "degree_level",
    "graddate": "graduation_date",
    "degreedate": "graduation_date",
    "conferraldate": "graduation_date",
    "completiondate": "graduation_date",
}


def normalise_header(header: str) -> str:
    """Lowercase letters and digits only: 'E-mail Address ' -> 'emailaddress'."""
    return re.sub(r"[^0-9a-z]", "", header.lower())


_STANDARD = {normalise_header(c): c for c in STANDARD_ROSTER_COLUMNS}


def map_headers(headers: list[str], overrides: dict[str, str] | None = None) -> list[str | None]:
    """The standard column for each header, or None for a column Pathways does not know."""
    normalised_overrides = {normalise_header(k): v for k, v in (overrides or {}).items()}
    mapped: list[str | None] = []
    for header in headers:
        key = normalise_header(header)
        mapped.append(normalised_overrides.get(key) or _STANDARD.get(key) or SYNONYMS.get(key))
    return mapped
