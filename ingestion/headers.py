"""Matching the headers institutions write to Pathways' standard roster columns.

Headers are compared after normalisation (case, spaces and punctuation removed), so
"First Name", "FIRST_NAME" and "first name" all become ``first_name``. Synonyms below
cover what registrars commonly write, including the field names student information
systems export under (Ellucian Banner's SPRIDEN_ID, PeopleSoft's EMPLID and DEGR_CONFER_DT,
Colleague's PERSON.ID, Jenzabar's ID_NUM); one name column ("Name", "Student Name",
"Last, First") maps to ``full_name``, split at ingest. An institution's ``column_map`` in
the configuration overrides both.
"""

from __future__ import annotations

import re

from pathways.core.config import (
    REQUIRED_ROSTER_COLUMNS,
    SINGLE_NAME_COLUMN,
    STANDARD_ROSTER_COLUMNS,
)

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
    # Other common registrar wording.
    "studentidnumber": "student_id",
    "idnumber": "student_id",
    "campusid": "student_id",
    "bannerid": "student_id",
    "emailaddr": "email",
    "mobile": "phone",
    "mobilephone": "phone",
    "addressline1": "street_address",
    "cip2020": "program_cip",
    "cip6": "program_cip",
    "awardtype": "degree_level",
    "degreeconferreddate": "graduation_date",
    "dateconferred": "graduation_date",
    "awarddate": "graduation_date",
    # Ellucian Banner (table_column).
    "spridenid": "student_id",
    "spridenfirstname": "first_name",
    "spridenmi": "middle_name",
    "spridenlastname": "last_name",
    "spbpersnamesuffix": "suffix",
    "spbpersbirthdate": "date_of_birth",
    "goremalemailaddress": "email",
    "sprtelephonenumber": "phone",
    "spraddrstreetline1": "street_address",
    "spraddrcity": "city",
    "spraddrstatcode": "state",
    "spraddrzip": "postal_code",
    "stvmajrcipccode": "program_cip",
    "stvmajrdesc": "program_name",
    "shrdgmrdegccode": "degree_level",
    "shrdgmrgraddate": "graduation_date",
    # PeopleSoft Campus Solutions (EMPLID, FIRST_NAME, ... are covered above).
    "emailaddress1": "email",
    "postal": "postal_code",
    "acadplandescr": "program_name",
    "degrconferdt": "graduation_date",
    # Ellucian Colleague (PERSON.ID, ACAD.DEGREE, ...).
    "personid": "student_id",
    "acaddegree": "degree_level",
    "acaddegreedate": "graduation_date",
    "acadmajors": "program_name",
    # Jenzabar.
    "idnum": "student_id",
    "birthdte": "date_of_birth",
    "degcde": "degree_level",
    "major1": "program_name",
    "dtedegrconferred": "graduation_date",
    # One column with the whole name.
    "name": SINGLE_NAME_COLUMN,
    "fullname": SINGLE_NAME_COLUMN,
    "studentname": SINGLE_NAME_COLUMN,
    "studentfullname": SINGLE_NAME_COLUMN,
    "graduatename": SINGLE_NAME_COLUMN,
    "legalname": SINGLE_NAME_COLUMN,
    "lastfirst": SINGLE_NAME_COLUMN,
    "lastfirstmiddle": SINGLE_NAME_COLUMN,
    "lastnamefirstname": SINGLE_NAME_COLUMN,
    "namelastfirst": SINGLE_NAME_COLUMN,
    "namelastfirstmiddle": SINGLE_NAME_COLUMN,
}


def normalise_header(header: str) -> str:
    """Lowercase letters and digits only: 'E-mail Address ' -> 'emailaddress'."""
    return re.sub(r"[^0-9a-z]", "", header.lower())


_STANDARD = {normalise_header(c): c for c in STANDARD_ROSTER_COLUMNS}


def map_headers(headers: list[str], overrides: dict[str, str] | None = None) -> list[str | None]:
    """The standard column for each header, or None for a column Pathways does not know.
    A single name column counts only when the file has no first or last name column
    (otherwise it is kept as an extra column)."""
    normalised_overrides = {normalise_header(k): v for k, v in (overrides or {}).items()}
    mapped: list[str | None] = []
    for header in headers:
        key = normalise_header(header)
        mapped.append(normalised_overrides.get(key) or _STANDARD.get(key) or SYNONYMS.get(key))
    if SINGLE_NAME_COLUMN in mapped and ({"first_name", "last_name"} & set(mapped)
                                         or mapped.count(SINGLE_NAME_COLUMN) > 1):
        mapped = [None if m == SINGLE_NAME_COLUMN else m for m in mapped]
    return mapped


def missing_required(mapped: list[str | None]) -> list[str]:
    """The required roster columns no header maps to (a single name column stands in for
    first_name and last_name)."""
    present = {m for m in mapped if m}
    if SINGLE_NAME_COLUMN in present:
        present |= {"first_name", "last_name"}
    return [c for c in REQUIRED_ROSTER_COLUMNS if c not in present]
