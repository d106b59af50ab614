"""Pathways linkage: Splink settings, training, prediction, one-to-one resolution, review,
and a generic person-linking API (``from matching import link``)."""

from matching.person_link import PERSON_COLUMNS, link

__all__ = ["PERSON_COLUMNS", "link"]
