"""Comparison settings and blocking rules for linking roster alumni to public profiles.

Every comparison works on the columns ``matching.features`` produces. Levels go from most
to least specific; Splink learns an m and u probability for each.
"""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

MODEL_VERSION = "1"


# Given name and surname written the other way round (Zhang Wei / Wei Zhang, or a form
# that swapped the boxes): the same condition is a level of both name comparisons, so a
# swapped pair is not scored as two disagreements. Like the exact levels it is adjusted
# for how common the names are (a swapped Susan Johnson is a namesake's as easily as
# hers), and regularise keeps it below the exact level.
SWAPPED_NAMES = "first_name_l = last_name_r and last_name_l = first_name_r"


def first_name_comparison(swaps: bool = True, several_given_names: bool = True
                          ) -> cl.CustomComparison:
    """Exact (term-frequency adjusted), nickname of the same name (Bill / William), given
    name and surname swapped (when both are compared), close spelling, another given name
    shared (José Luis / Luis, Mary Anne / Anne; when someone has several), loose spelling,
    else. A level no pair of the data can reach is left out: Splink cannot train it, and
    random sampling of u would never stop early waiting to see it."""
    swapped = [cll.CustomLevel(SWAPPED_NAMES).configure(
        label_for_charts="given name and surname swapped", tf_adjustment_column="first_name")
    ] if swaps else []
    other_given = [cll.ArrayIntersectLevel("given_names", min_intersection=1).configure(
        label_for_charts="another given name shared (José Luis / Luis)")
    ] if several_given_names else []
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_description="first name: exact, nickname, swapped with surname, "
                               "Jaro-Winkler, another given name shared",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
            cll.ArrayIntersectLevel("first_name_groups", min_intersection=1).configure(
                label_for_charts="nickname of the same name (Bill / William)"),
            *swapped,
            cll.JaroWinklerLevel("first_name", 0.92),
            *other_given,
            cll.JaroWinklerLevel("first_name", 0.80),
            cll.ElseLevel(),
        ],
    )


def last_name_comparison(former_names: bool = True, swaps: bool = True,
                         particles: bool = True, multi_part: bool = True) -> cl.CustomComparison:
    """Exact (term-frequency adjusted for common surnames; apostrophes, spacing and particles
    written or run together count as exact: O'Brien / O Brien, van der Berg / Vanderberg),
    former/maiden name (when the data has former names), swapped with the given name, the
    same surname without its particles (van der Berg / Berg, al-Hassan / Hassan), close
    spelling, one part of a multi-part or hyphenated surname shared (García López / García,
    Dupré-Smith / Smith; a level of its own, weaker than the whole surname), loose spelling,
    else (a name changed after marriage lands here and is not fatal). The former-name,
    particle and part levels are left out when the data has no former names, particles or
    multi-part surnames (see first_name_comparison)."""
    former = [cll.CustomLevel(
        "former_last_name_l = last_name_r or last_name_l = former_last_name_r",
        label_for_charts="former last name matches",
    )] if former_names else []
    swapped = [cll.CustomLevel(SWAPPED_NAMES).configure(
        label_for_charts="surname and given name swapped", tf_adjustment_column="last_name")
    ] if swaps else []
    without_particles = [cll.ExactMatchLevel("last_name_core").configure(
        label_for_charts="same surname without particles (van der Berg / Berg)")
    ] if particles else []
    part = [cll.ArrayIntersectLevel("last_name_tokens", min_intersection=1).configure(
        label_for_charts="a part of the surname shared (García López / García)")
    ] if multi_part else []
    return cl.CustomComparison(
        output_column_name="last_name",
        comparison_description="last name: exact, former name, swapped, without particles, "
                               "Jaro-Winkler, a part of the surname shared",
        comparison_levels=[
            cll.NullLevel("last_name"),
            cll.ExactMatchLevel("last_name", term_frequency_adjustments=True),
            *former,
            *swapped,
            *without_particles,
            cll.JaroWinklerLevel("last_name", 0.92),
            *part,
            cll.JaroWinklerLevel("last_name", 0.80),
            cll.ElseLevel(),
        ],
    )


def email_comparison() -> cl.CustomComparison:
    """Exact, else. There is no level for the same local part at another domain: the local
    part is mostly the person's name (karen.johnson@...), so agreeing on it repeats the
    name evidence, while its weight, learned from random pairs, counts it as independent
    (it made namesakes certain)."""
    return cl.CustomComparison(
        output_column_name="email",
        comparison_description="email: exact",
        comparison_levels=[
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            cll.ElseLevel(),
        ],
    )


def school_comparison() -> cl.CustomComparison:
    """School evidence: the profile lists this institution, with graduation year agreeing
    with the education end year exactly, within one year, or not."""
    same_school = "institution_id_l = institution_id_r"
    return cl.CustomComparison(
        output_column_name="school",
        comparison_description="school listed and graduation year vs education end year",
        comparison_levels=[
            cll.CustomLevel(
                "institution_id_l is null or institution_id_r is null"
            ).configure(is_null_level=True),
            cll.CustomLevel(f"{same_school} and grad_year_l = grad_year_r",
                            label_for_charts="same school, same year"),
            cll.CustomLevel(f"{same_school} and abs(grad_year_l - grad_year_r) <= 1",
                            label_for_charts="same school, year within 1"),
            cll.CustomLevel(same_school, label_for_charts="same school"),
            cll.ElseLevel(),
        ],
    )


def field_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="field",
        comparison_description="program vs field of study",
        comparison_levels=[
            cll.NullLevel("field"),
            cll.ExactMatchLevel("field"),
            # Splink writes the Jaro-Winkler function each engine has (DuckDB's built-in,
            # the jar's UDF on Spark); contains() means the same on both.
            cll.Or(
                cll.JaroWinklerLevel("field", 0.85),
                cll.CustomLevel("contains(field_l, field_r) or contains(field_r, field_l)"),
            ).configure(
                label_for_charts="similar or contained (Marketing / Digital Marketing)",
            ),
            cll.ElseLevel(),
        ],
    )


def location_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="location",
        comparison_description="city and state",
        comparison_levels=[
            cll.NullLevel("state"),
            cll.And(cll.ExactMatchLevel("city"), cll.ExactMatchLevel("state")),
            cll.ExactMatchLevel("state"),
            cll.ElseLevel(),
        ],
    )


def middle_initial_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_initial",
        comparison_description="middle initial",
        comparison_levels=[
            cll.NullLevel("middle_initial"),
            cll.ExactMatchLevel("middle_initial"),
            cll.ElseLevel(),
        ],
    )


# Blocking on the swap: an equi-join like the others.
SWAPPED_NAMES_RULE = "l.first_name = r.last_name and l.last_name = r.first_name"


def blocking_rules() -> list:
    """Rules that generate candidate pairs. Each is an equi-join, so cost grows with the
    number of people sharing a key, not with alumni x profiles."""
    return [
        block_on("first_name", "last_name"),
        block_on("email"),
        block_on("institution_id", "last_name"),
        block_on("institution_id", "first_name", "grad_year"),
        block_on("last_name", "state", "substr(first_name, 1, 1)"),
        # A multi-part or hyphenated surname on one side, one of its parts on the other
        # (García López / García, Dupré-Smith / Smith).
        block_on("first_name", "last_name_head"),
        block_on("first_name", "last_name_tail"),
        SWAPPED_NAMES_RULE,
    ]


def settings(probability_two_random_records_match: float = 1e-5) -> SettingsCreator:
    """The Pathways linkage settings (link_only: alumni on the left, profiles on the right).

    Every level is a Splink library level or SQL that means the same on DuckDB and Spark,
    so ``create_settings_dict(dialect)`` gives runnable settings for either engine
    (see matching.dialect_settings for a trained model's parameters)."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        blocking_rules_to_generate_predictions=blocking_rules(),
        comparisons=[
            first_name_comparison(),
            last_name_comparison(),
            email_comparison(),
            school_comparison(),
            field_comparison(),
            location_comparison(),
            middle_initial_comparison(),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,
        additional_columns_to_retain=["record_id"],
    )
