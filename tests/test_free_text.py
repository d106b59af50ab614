"""Identifiers typed into free text are found and redacted; ordinary employer names are not."""

from __future__ import annotations

import duckdb
import pytest

from pathways.core.free_text import Scanner
from pathways.core.settings import Settings
from pathways.warehouse.publish import PrivacyViolation, publish

ROSTER = [("Sandra", "Philban", None), ("José", "Núñez", "García"),
          ("Mary Ann", "van der Berg", None), ("Kelly", "Jones", None)]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(ROSTER)


def test_a_title_with_a_phone_number_and_an_email_keeps_only_its_words(scanner):
    redaction = scanner.redact("Owner (call (630) 555-9311 or sandraphilban@hotmail.com)")
    assert redaction.redacted == "Owner (call [phone removed] or [email removed])"
    assert redaction.kinds == ("phone", "email")


def test_a_business_named_after_a_roster_person_loses_the_name(scanner):
    assert scanner.redact("Sandra Philban Photography").redacted == "[name removed] Photography"
    assert scanner.redact("SANDRA J. PHILBAN LLC").redacted == "[name removed] LLC"
    assert scanner.redact("Philban, Sandra").redacted == "[name removed]"


def test_names_are_found_without_their_accents_and_under_a_former_surname(scanner):
    assert scanner.redact("Jose Nunez Tutoring").kinds == ("name",)
    assert scanner.redact("José García, CPA").kinds == ("name",)
    assert scanner.redact("Mary van der Berg Design").redacted == "[name removed] Design"


@pytest.mark.parametrize("text", [
    "3M", "Route 66 Diner", "7-Eleven", "Johnson & Johnson", "24 Hour Fitness", "Studio 54",
    "Class of 2019-2020", "Garcia, Kelly and Jones", "Philbanks Bakery", "Sandra's Kitchen",
    "Kelly and Jones Partners", "GS-0343-12 Program Analyst", "Boeing 737 Program",
    "a3f5551234567b9c0d1e2f3a4b5c6d7e", "Crescent Accounting Services"])
def test_ordinary_employer_names_and_titles_survive(scanner, text):
    assert scanner.redact(text) is None


@pytest.mark.parametrize(("text", "kind"), [
    ("Reach me at 630.555.9311", "phone"), ("cell +1 312 555 0100", "phone"),
    ("Desk 555-9311", "phone"), ("1200 W Oak Street, Apt 4", "address"),
    ("PO Box 77", "address"), ("sandra at gmail dot com", "email"),
    ("Freelance (s.philban+jobs@example.co.uk)", "email")])
def test_each_kind_of_identifier_is_found_in_running_text(scanner, text, kind):
    assert kind in scanner.redact(text).kinds


def _crafted_build(tmp_path, employer: str):
    build = tmp_path / "build" / "build.duckdb"
    build.parent.mkdir()
    con = duckdb.connect(str(build))
    con.execute("create schema staging; create schema marts; create schema ops")
    con.execute("create table ops.refresh_runs (run_id varchar)")
    con.execute("create table staging.stg_rosters__students as select '00012345' as "
                "student_id, 'sp@x.org' as email, null as phone_digits, null as street_address, "
                "'Sandra' as first_name, 'Philban' as last_name, null as former_last_name")
    con.execute("create table marts.fct_alumni_positions as select 'u' as institution_id, "
                "? as employer_name", [employer])
    con.close()
    return build


def test_the_publish_gate_refuses_text_that_escaped_redaction(tmp_path):
    root = Settings.from_env().project_root
    warehouse = tmp_path / "wh.duckdb"
    build = _crafted_build(tmp_path, "Sandra Philban Photography")
    with pytest.raises(PrivacyViolation) as error:
        publish(build, warehouse, ["u"], project_root=root)
    # The message counts what it found and never quotes it.
    assert str(error.value) == ("marts.fct_alumni_positions.employer_name holds text values "
                                "that were not redacted: 1 with a roster person's name")
    assert not warehouse.exists()
    (tmp_path / "second").mkdir()
    redacted = _crafted_build(tmp_path / "second", "[name removed] Photography")
    assert publish(redacted, warehouse, ["u"], project_root=root) == ["fct_alumni_positions"]


def test_a_classification_code_alone_is_not_taken_for_a_phone_number(scanner):
    # O*NET-SOC 13-1011.00 reads as a valid number to libphonenumber; alone, it is a code.
    for code in ("13-1011.00", "15-1252", "11.0701", "52"):
        assert scanner.findings(code) == []
    assert scanner.findings("call 555-9311")
