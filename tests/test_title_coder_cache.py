"""The built title coder is kept between refreshes and built again whenever anything that
decides its codes changes (pathways.occupations.cache)."""

import pyarrow as pa
import pytest

from pathways.occupations import Reference
from pathways.occupations.cache import cached_coder, coder_key

TITLES = ["Sr. Software Engineer II", "RN - Night Shift", "Staff Accountant (CPA)",
          "asst mgr, retail", None]


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference.from_directory()


def _codes(coder) -> list[dict]:
    titles = pa.array(TITLES, pa.string())
    return coder.code_distinct(titles, pa.nulls(len(TITLES), pa.string())).to_pylist()


def _overrides(soc_code: str) -> pa.Table:
    return pa.table({"title": ["asst mgr, retail"], "soc_code": [soc_code]})


def test_a_kept_coder_is_read_back_and_codes_as_the_one_built(reference, tmp_path):
    built = cached_coder(reference, None, tmp_path)
    kept = list(tmp_path.glob("title_coder-*.pickle"))
    assert len(kept) == 1
    read_back = cached_coder(reference, None, tmp_path)
    assert read_back is not built
    assert _codes(read_back) == _codes(built)


def test_changed_overrides_build_a_new_coder_and_remove_the_old_one(reference, tmp_path):
    first = cached_coder(reference, _overrides("41-1011"), tmp_path)
    [first_file] = tmp_path.glob("title_coder-*.pickle")
    second = cached_coder(reference, _overrides("11-2022"), tmp_path)
    [second_file] = tmp_path.glob("title_coder-*.pickle")
    assert first_file != second_file
    assert _codes(first)[3]["soc_code"] == "41-1011"
    assert _codes(second)[3]["soc_code"] == "11-2022"


def test_the_key_follows_the_reference_rows_not_their_order(reference):
    occupations = reference.occupations
    shuffled = Reference(occupations=occupations.take(list(range(len(occupations)))[::-1]),
                         alternate_titles=reference.alternate_titles,
                         direct_match_titles=reference.direct_match_titles,
                         soc_structure=reference.soc_structure,
                         employment=reference.employment)
    assert coder_key(shuffled, None) == coder_key(reference, None)
    fewer = Reference(occupations=occupations.slice(1),
                      alternate_titles=reference.alternate_titles,
                      direct_match_titles=reference.direct_match_titles,
                      soc_structure=reference.soc_structure,
                      employment=reference.employment)
    assert coder_key(fewer, None) != coder_key(reference, None)


def test_an_unreadable_kept_coder_is_built_again(reference, tmp_path):
    cached_coder(reference, None, tmp_path)
    [kept] = tmp_path.glob("title_coder-*.pickle")
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short, as by a full disk
    coder = cached_coder(reference, None, tmp_path)
    assert _codes(coder)[0]["soc_code"]
    assert kept.stat().st_size > 1000


def test_a_kept_coder_in_a_folder_others_may_write_to_is_not_read_but_built_again(
        reference, tmp_path):
    cached_coder(reference, None, tmp_path)
    [kept] = tmp_path.glob("title_coder-*.pickle")
    first = kept.stat().st_ino
    tmp_path.chmod(0o777)  # anyone could have put a pickle here: unpickling runs code
    coder = cached_coder(reference, None, tmp_path)
    assert _codes(coder)[0]["soc_code"]
    [rebuilt] = tmp_path.glob("title_coder-*.pickle")
    assert rebuilt.stat().st_ino != first  # written again, not read


def test_a_cache_folder_that_cannot_be_written_still_gives_a_coder(reference, tmp_path):
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    coder = cached_coder(reference, None, blocked / "cache")
    assert _codes(coder)[0]["soc_code"]
    assert blocked.read_text() == "not a folder"
