import csv
import gzip
import hashlib

import orjson
import pytest

from pathways.generate import generate, split_evenly
from pathways.generate.people import typo


def _digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        data = path.read_bytes()
        digest.update(gzip.decompress(data) if path.suffix == ".gz" else data)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def landing(tmp_path_factory, config):
    out = tmp_path_factory.mktemp("gen")
    summary = generate(out, config.institutions[:4], n_alumni=800, n_profiles=6000, seed=11)
    return out, summary


def test_same_seed_same_files(tmp_path, config):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, config.institutions[:2], n_alumni=100, n_profiles=800, seed=5)
    generate(b, config.institutions[:2], n_alumni=100, n_profiles=800, seed=5)
    assert _digest(a) == _digest(b)


def test_other_seed_same_institutions_other_people(tmp_path, config):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, config.institutions[:2], n_alumni=100, n_profiles=800, seed=5)
    generate(b, config.institutions[:2], n_alumni=100, n_profiles=800, seed=6)
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    assert _digest(a) != _digest(b)


def test_layout_and_real_world_shapes(landing, config):
    out, summary = landing
    assert summary.alumni == 800 and summary.profiles == 6000
    assert summary.roster_files == 12 and summary.nsc_files == 4
    ids = [i.id for i in config.institutions[:4]]
    assert sorted(p.name for p in out.iterdir()) == sorted([*ids, "profiles", "_truth"])
    lakeshore = next((out / "lakeshore" / "roster").iterdir()).read_bytes()
    assert lakeshore.startswith(b"Student ID,First,Middle")  # its own headers, cp1252
    riverbend = next((out / "riverbend" / "roster").iterdir()).read_text("utf-8")
    assert riverbend.splitlines()[0].count("|") == 16
    hillcrest = next((out / "hillcrest" / "roster").iterdir()).read_bytes()
    assert b"," not in hillcrest.splitlines()[0][:10]  # fixed width, no delimiters


def test_truth_agrees_with_profiles(landing):
    out, summary = landing
    with (out / "_truth" / "alumni.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    assert len(truth) == summary.alumni
    truth_profiles = {r["profile_id"] for r in truth if r["profile_id"]}
    assert len(truth_profiles) == summary.alumni_with_profile
    profile_ids = set()
    for path in (out / "profiles").glob("*.jsonl.gz"):
        with gzip.open(path) as handle:
            profile_ids.update(orjson.loads(line)["profile_id"] for line in handle)
    assert len(profile_ids) == summary.profiles
    assert truth_profiles <= profile_ids
    # Realistic coverage: most but not all alumni have a profile.
    assert 0.6 < len(truth_profiles) / len(truth) < 0.85


def test_roster_messiness_is_present(landing):
    out, _ = landing
    northfield = "".join(p.read_text("utf-8") for p in (out / "northfield" / "roster").iterdir())
    rows = list(csv.DictReader(northfield.splitlines()))
    rows = [r for r in rows if r["student_id"] != "student_id"]
    assert any(r["student_id"].startswith("0") for r in rows)
    assert any(r["postal_code"].startswith("0") for r in rows)  # New England ZIP codes
    assert any(not r["email"] for r in rows)
    names = [(r["first_name"], r["last_name"]) for r in rows]
    assert len(names) > len(set(names))  # namesakes at one school


def test_split_evenly_and_typo():
    assert split_evenly(10, 3) == [4, 3, 3]
    import random

    word = "Jennifer"
    assert typo(random.Random(1), word) != word
