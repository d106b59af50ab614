"""Dates as student information systems write them: ingestion/dates.py and the dbt macro
parse_roster_date read them the same way, with the same century pivot, and a file's day or
month order is decided from all its dates, never row by row."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.dates import file_date_order, parse_date

MACRO = Path(__file__).resolve().parent.parent / "dbt_project" / "macros" / "parse_roster_date.sql"
PORTABLE = MACRO.with_name("portable_sql.sql")


@jinja2.pass_context
def dispatch(context, macro_name, macro_namespace=None):
    """dbt's adapter.dispatch on DuckDB: the macro's default__ implementation."""
    return context.resolve(f"default__{macro_name}")


@pytest.fixture(scope="module")
def sql_parse():
    """parse_roster_date rendered as dbt renders it, run in DuckDB."""
    source = (PORTABLE.read_text(encoding="utf-8") + MACRO.read_text(encoding="utf-8")
              + "{{ parse_roster_date('v') }}")
    environment = jinja2.Environment()
    # What dbt gives macros on DuckDB: dispatch to the default__ form, return its text.
    environment.globals.update(adapter=SimpleNamespace(dispatch=dispatch),
                               **{"return": lambda value: value})
    expression = environment.from_string(source).render().strip()
    con = duckdb.connect()

    def parse(value: str) -> date | None:
        return con.execute(f"select {expression} from (select ? as v)", [value]).fetchone()[0]

    yield parse
    con.close()


CASES = [
    ("2021-05-15", date(2021, 5, 15)), ("2021-5-1", date(2021, 5, 1)),
    ("2021-05-15T14:30:00Z", date(2021, 5, 15)),
    ("2021-05-15 23:59:59.123-05:00", date(2021, 5, 15)),
    ("2021/05/15", date(2021, 5, 15)), ("20210515", date(2021, 5, 15)),
    ("05/15/2021", date(2021, 5, 15)), ("5/15/21", date(2021, 5, 15)),
    ("05-15-2021", date(2021, 5, 15)), ("05.15.2021", date(2021, 5, 15)),
    ("5/15/2021 12:00:00 AM", date(2021, 5, 15)), ("15-MAY-21", date(2021, 5, 15)),
    ("15-May-2021", date(2021, 5, 15)), ("15 may 2021", date(2021, 5, 15)),
    ("May 15, 2021", date(2021, 5, 15)), ("Sept. 5 2021", date(2021, 9, 5)),
    ("September 5, 2021", date(2021, 9, 5)), ("44331", date(2021, 5, 15)),
    (" 2021-05-15 ", date(2021, 5, 15)),
    # The century pivot: 00-49 are 2000-2049, 50-99 are 1950-1999.
    ("03-FEB-49", date(2049, 2, 3)), ("03-FEB-50", date(1950, 2, 3)),
    ("2/3/65", date(1965, 2, 3)), ("2/3/00", date(2000, 2, 3)),
    # Not dates.
    ("31/02/1999", None), ("2021-02-30", None), ("soon", None), ("00000000", None),
    ("0000-01-01", None), ("05/15-2021", None), ("15-MAYO-21", None), ("13/13/2021", None),
    ("", None), ("2021-05-15T", None), ("May 15", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_python_and_the_dbt_macro_read_each_format_alike(sql_parse, text, expected):
    assert parse_date(text) == expected
    assert sql_parse(text) == expected


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.one_of(
    st.text(alphabet="0123456789/-.: TZAPMapmy,", max_size=24),
    st.from_regex(r"[0-9]{1,2}[-/. ][A-Za-z]{3,9}\.?[-/. ][0-9]{2,4}", fullmatch=True),
    st.from_regex(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}( [0-9]{1,2}:[0-9]{2})?",
                  fullmatch=True)))
def test_python_and_the_dbt_macro_agree_on_any_date_like_text(sql_parse, text):
    assert sql_parse(text) == parse_date(text)


def test_day_first_is_read_only_where_the_numeric_order_is_ambiguous():
    assert parse_date("05/06/2021", day_first=True) == date(2021, 6, 5)
    assert parse_date("15-MAY-21", day_first=True) == date(2021, 5, 15)
    assert parse_date("2021-05-06", day_first=True) == date(2021, 5, 6)


def test_a_file_is_day_first_when_a_day_above_12_says_so_and_nothing_contradicts():
    assert file_date_order([(2, "25/05/2021"), (3, "03/02/2021")]).day_first
    assert not file_date_order([(2, "05/25/2021"), (3, "03/02/2021")]).day_first
    assert not file_date_order([(2, "03/02/2021")]).day_first  # no evidence: month first


def test_a_configured_order_holds_unless_every_telling_date_contradicts_it():
    assert file_date_order([(2, "03/02/2021")], "day_first").day_first
    overruled = file_date_order([(7, "05/25/2021")], "day_first")
    assert not overruled.day_first
    assert overruled.warning == (
        "dates are month/day/year (line 7: '05/25/2021'), not day first as configured: the "
        "file was read month/day/year; if this institution's files are always so, set "
        "date_order: month_first under its roster in config/institutions.yml")
