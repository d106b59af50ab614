"""Names from every tradition: how a US roster carries a person's name, and how the same
person writes it on a public profile.

About one person in eleven gets a name whose written form varies by more than a typo (the
shares are rough US figures for people in higher education):

* two Hispanic surnames, García López (2.5%; a quarter hyphenated), often with two given
  names (José Luis); profiles keep the first surname only, or hyphenate;
* a surname with particles, van der Berg, de la Cruz, al-Hassan, dos Santos (1%); profiles
  drop the particles (Berg) or run them together (Vanderberg);
* an apostrophe, O'Brien, D'Souza (1%); profiles write OBrien or O Brien;
* Vietnamese names with a middle name, Nguyễn Thị Lan (0.7%); profiles write the surname
  and middle name together (Nguyễn Thị) or drop the accents;
* Chinese names (1%), Russian or Ukrainian (0.5%) and Greek (0.3%) ones, romanised on
  the roster the way registrars do (pinyin, BGN/PCGN, ELOT) and written in their own script
  on some profiles (王芳, Дмитрий Иванов, Σοφία Παπαδοπούλου); Chinese names are also
  written surname first;
* a hyphenated surname on the roster, Dupré-Smith (1.5% of women), with one part on the
  profile.

A profile of anyone may swap given name and surname (0.4%). Everything is drawn from the
caller's seeded ``random.Random``, so a seed gives the same names everywhere.
"""

from __future__ import annotations

import importlib
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

# Share of people drawn from each tradition, in the order they are tried.
HISPANIC_COMPOUND = 0.025
PARTICLE = 0.01
APOSTROPHE = 0.01
VIETNAMESE = 0.007
CHINESE = 0.01
CYRILLIC = 0.005
GREEK = 0.003
HYPHENATED_WOMEN = 0.015
PROFILE_SWAP = 0.004

PARTICLE_SURNAMES = (
    "van der Berg", "van den Broek", "van Dijk", "van der Meer", "de Vries", "van Houten",
    "von Braun", "von Stein", "de la Cruz", "de la Rosa", "del Río", "de León", "de la Fuente",
    "da Silva", "dos Santos", "da Costa", "de Souza", "de Oliveira", "di Marco", "de Luca",
    "della Valle", "le Roux", "du Pont", "de la Tour", "al-Hassan", "al-Amin", "al-Rashid",
    "el-Sayed", "bin Abdullah", "ibn Saleh", "abu Bakr", "ter Horst", "ten Boer",
)
APOSTROPHE_SURNAMES = (
    "O'Brien", "O'Connor", "O'Neill", "O'Sullivan", "O'Reilly", "O'Donnell", "O'Malley",
    "O'Hara", "D'Souza", "D'Angelo", "D'Amico", "D'Costa", "N'Diaye", "O'Keefe",
)
HISPANIC_LOCALES = ("es_MX", "es_ES", "es_CO", "es_AR")

# Vietnamese surnames with their rough shares among Vietnamese people (a few names cover
# most), and common given names: Faker's list has ten surnames drawn evenly and a dozen
# given names, which would make every Vietnamese person a namesake of dozens.
VIETNAMESE_SURNAMES = {
    "Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7, "Hoàng": 3, "Huỳnh": 2, "Phan": 4.5,
    "Vũ": 2, "Võ": 2, "Đặng": 2.1, "Bùi": 2, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1,
    "Lý": 0.5, "Đinh": 0.5, "Trương": 0.5, "Lâm": 0.4, "Mai": 0.3, "Tô": 0.2, "Cao": 0.3,
}
VIETNAMESE_GIVEN = {
    "F": ("Anh", "Ánh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa",
          "Huyền", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc",
          "Nhung", "Phương", "Quyên", "Tâm", "Thảo", "Thu", "Thủy", "Trang", "Trâm", "Tuyết",
          "Uyên", "Vân", "Vy", "Xuân", "Yến", "Hồng", "Kim", "Diễm", "Khánh Linh", "Bảo Ngọc",
          "Thanh Hương", "Minh Anh", "Phương Thảo"),
    "M": ("Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hòa",
          "Hoàng", "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Minh",
          "Nam", "Nghĩa", "Nhân", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm",
          "Thắng", "Thành", "Thiện", "Tiến", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt",
          "Vinh", "Vũ", "Minh Khôi", "Gia Huy", "Đức Anh", "Quốc Bảo"),
}

# Registrar romanisations, which differ from a generic transliteration: BGN/PCGN for
# Russian and Ukrainian (й -> y, я -> ya: Дмитрий -> Dmitriy), ELOT 743 for Greek.
CYRILLIC_ROMAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}
GREEK_ROMAN = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}


@dataclass(frozen=True)
class PersonName:
    """A person's name as the roster carries it, its tradition, and (for names from another
    script) the name in that script."""

    first: str
    middle: str | None
    last: str
    tradition: str = "common"
    native_first: str | None = None
    native_last: str | None = None


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def romanise(text: str, table: dict[str, str]) -> str:
    """``text`` romanised letter by letter with ``table`` (lower-case keys; Greek ου is
    "ou"), capitalised; a letter the table lacks is looked up without its accent (Greek ά
    as α), so letters that are their own (Cyrillic й, ё) keep their own romanisation."""
    letters = []
    text = unicodedata.normalize("NFC", text).lower().replace("ου", "ou").replace("ού", "ou")
    for c in text:
        plain = _strip_marks(c)
        letters.append(table.get(c, table.get(plain, plain)))
    return "".join(letters).capitalize()


def _provider(locale: str):
    return importlib.import_module(f"faker.providers.person.{locale}").Provider


@lru_cache(maxsize=1)
def _sources() -> dict[str, tuple[str, ...]]:
    """Name lists by tradition, from Faker's locale data."""
    hispanic_last: set[str] = set()
    hispanic_female: set[str] = set()
    hispanic_male: set[str] = set()
    for locale in HISPANIC_LOCALES:
        provider = _provider(locale)
        hispanic_last.update(n for n in provider.last_names if n.isalpha())
        hispanic_female.update(n for n in provider.first_names_female if n.isalpha())
        hispanic_male.update(n for n in provider.first_names_male if n.isalpha())
    zh, ru, uk, el = (_provider(x) for x in ("zh_CN", "ru_RU", "uk_UA", "el_GR"))
    return {
        "hispanic_last": tuple(sorted(hispanic_last)),
        "hispanic_F": tuple(sorted(hispanic_female)),
        "hispanic_M": tuple(sorted(hispanic_male)),
        "zh_last": tuple(zh.last_names),
        "zh_F": tuple(zh.first_names_female),
        "zh_M": tuple(zh.first_names_male),
        "cyrillic_last_F": tuple(ru.last_names_female) + tuple(uk.last_names_female_only),
        "cyrillic_last_M": tuple(ru.last_names_male) + tuple(uk.last_names_male_only),
        "cyrillic_F": tuple(ru.first_names_female) + tuple(uk.first_names_female),
        "cyrillic_M": tuple(ru.first_names_male) + tuple(uk.first_names_male),
        "greek_last_F": tuple(el.last_names_female),
        "greek_last_M": tuple(el.last_names_male),
        "greek_F": tuple(el.first_names_female),
        "greek_M": tuple(el.first_names_male),
    }


def pinyin(text: str) -> str:
    """Han characters in pinyin without tones, as US registrars write them (王 -> Wang,
    秀英 -> Xiuying)."""
    return anyascii(text).replace(" ", "").capitalize()


def draw_tradition(rng: random.Random, sex: str, common_first, common_last
                   ) -> PersonName | None:
    """A name from one of the traditions above, or None (about 91% of people: the caller
    draws a common name). ``common_first`` and ``common_last`` draw the caller's usual
    given names and surnames (for hyphenated ones)."""
    sources = _sources()
    draw = rng.random()
    edge = HISPANIC_COMPOUND
    if draw < edge:
        first = rng.choice(sources[f"hispanic_{sex}"])
        if rng.random() < 0.3:
            first = f"{first} {rng.choice(sources[f'hispanic_{sex}'])}"
        a, b = rng.sample(sources["hispanic_last"], 2)
        joiner = "-" if rng.random() < 0.25 else " "
        return PersonName(first, None, f"{a}{joiner}{b}", "hispanic")
    edge += PARTICLE
    if draw < edge:
        return PersonName(common_first(), None, rng.choice(PARTICLE_SURNAMES), "particle")
    edge += APOSTROPHE
    if draw < edge:
        return PersonName(common_first(), None, rng.choice(APOSTROPHE_SURNAMES), "apostrophe")
    edge += VIETNAMESE
    if draw < edge:
        last = rng.choices(list(VIETNAMESE_SURNAMES), weights=VIETNAMESE_SURNAMES.values())[0]
        return PersonName(rng.choice(VIETNAMESE_GIVEN[sex]), "Thị" if sex == "F" else "Văn",
                          last, "vietnamese")
    edge += CHINESE
    if draw < edge:
        first, last = rng.choice(sources[f"zh_{sex}"]), rng.choice(sources["zh_last"])
        return PersonName(pinyin(first), None, pinyin(last), "chinese", first, last)
    edge += CYRILLIC
    if draw < edge:
        first = rng.choice(sources[f"cyrillic_{sex}"])
        last = rng.choice(sources[f"cyrillic_last_{sex}"])
        return PersonName(romanise(first, CYRILLIC_ROMAN), None,
                          romanise(last, CYRILLIC_ROMAN), "cyrillic", first, last)
    edge += GREEK
    if draw < edge:
        first = rng.choice(sources[f"greek_{sex}"])
        last = rng.choice(sources[f"greek_last_{sex}"])
        return PersonName(romanise(first, GREEK_ROMAN), None, romanise(last, GREEK_ROMAN),
                          "greek", first, last)
    edge += HYPHENATED_WOMEN
    if draw < edge and sex == "F":
        a, b = common_last(), common_last()
        if a != b:
            return PersonName(common_first(), None, f"{a}-{b}", "hyphenated")
    return None


def profile_surname(rng: random.Random, last: str, tradition: str) -> str:
    """How a person with roster surname ``last`` of ``tradition`` writes it on a profile."""
    draw = rng.random()
    if tradition == "hispanic":
        parts = last.replace("-", " ").split()
        if draw < 0.4:
            return parts[0]
        if draw < 0.55:
            return "-".join(parts) if " " in last else " ".join(parts)
    elif tradition == "particle":
        words = last.replace("-", " ").split()
        if draw < 0.2:
            return words[-1]
        if draw < 0.35:
            return "".join(words).capitalize()
        if draw < 0.5:
            return " ".join(w.capitalize() for w in words)
    elif tradition == "apostrophe":
        if draw < 0.25:
            return last.replace("'", "")
        if draw < 0.4:
            return last.replace("'", " ")
    elif tradition == "hyphenated":
        parts = last.split("-")
        if draw < 0.4:
            return parts[-1]
        if draw < 0.6:
            return parts[0]
    return last


def profile_given_name(rng: random.Random, first: str, tradition: str) -> str:
    """How a person writes given name ``first`` on a profile: one of two Hispanic given
    names is often dropped (José Luis -> José)."""
    if tradition == "hispanic" and " " in first and rng.random() < 0.35:
        return first.split()[0]
    return first


def profile_script(rng: random.Random, name: PersonName, first: str, last: str
                   ) -> tuple[str, str]:
    """A profile's (first, last) for a name from another script: in that script (30%),
    romanised another way (15%, e.g. Dmitrii for the roster's Dmitriy), or as on the
    roster; Chinese names surname first on a further 15%."""
    if name.native_first is None or name.native_last is None:
        return first, last
    draw = rng.random()
    if draw < 0.3:
        first, last = name.native_first, name.native_last
    elif draw < 0.45 and name.tradition != "chinese":
        first, last = anyascii(name.native_first), anyascii(name.native_last)
    if name.tradition == "chinese" and rng.random() < 0.15:
        first, last = last, first
    return first, last


def vietnamese_surname(rng: random.Random, last: str, middle: str | None) -> tuple[str, bool]:
    """A Vietnamese profile's surname: with the middle name attached (Nguyễn Thị) on a
    quarter of profiles; True when the middle name went into the surname."""
    if middle and rng.random() < 0.25:
        return f"{last} {middle}", True
    return last, False


def maybe_swap(rng: random.Random, first: str, last: str) -> tuple[str, str]:
    """Given name and surname in the wrong boxes, on PROFILE_SWAP of profiles."""
    if rng.random() < PROFILE_SWAP:
        return last, first
    return first, last
