from pathlib import Path

import pytest
from pydantic import ValidationError

from pathways.core.config import PathwaysConfig, load_config
from pathways.core.errors import UnknownInstitution


def test_configured_institutions_are_valid(config):
    ids = [i.id for i in config.institutions]
    assert len(ids) >= 4
    assert len(set(ids)) == len(ids)
    for institution in config.institutions:
        assert institution.unitid.isdigit() and len(institution.unitid) == 6
        assert institution.name in institution.all_names


def test_unknown_institution_names_the_known_ones(config):
    with pytest.raises(UnknownInstitution, match="northfield"):
        config.get("nowhere")


@pytest.mark.parametrize(
    ("institution", "message"),
    [
        ({"id": "x", "name": "X", "unitid": "12"}, "six digits"),
        ({"id": "Bad-Id", "name": "X", "unitid": "123456"}, "must be a lowercase letter"),
        ({"id": "9lives", "name": "X", "unitid": "123456"}, "must be a lowercase letter"),
        ({"id": "école", "name": "X", "unitid": "123456"}, "must be a lowercase letter"),
        ({"id": "x" * 64, "name": "X", "unitid": "123456"}, "must be a lowercase letter"),
        ({"id": "x", "name": "X", "unitid": "123456", "roster": {"format": "fixed_width"}},
         "need a layout"),
        ({"id": "x", "name": "X", "unitid": "123456",
          "roster": {"column_map": {"Given": "given_name"}}}, "unknown roster columns"),
    ],
)
def test_invalid_institutions_are_rejected(institution, message):
    with pytest.raises(ValidationError, match=message):
        PathwaysConfig.model_validate({"institutions": [institution]})


def test_duplicate_ids_are_rejected():
    same = {"id": "x", "name": "X", "unitid": "123456"}
    with pytest.raises(ValidationError, match="duplicate institution ids"):
        PathwaysConfig.model_validate({"institutions": [same, same]})


def test_load_config_reads_a_given_file(tmp_path: Path):
    path = tmp_path / "institutions.yml"
    path.write_text("institutions:\n  - {id: solo, name: Solo College, unitid: '654321'}\n")
    assert [i.id for i in load_config(path).institutions] == ["solo"]
