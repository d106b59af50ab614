"""Pathways linkage: Splink settings, training, prediction, one-to-one resolution, review,
and a generic person-linking API (``from matching import link, dedupe``)."""

from matching.person_dedupe import dedupe
from matching.person_link import PERSON_COLUMNS, link

__all__ = ["PERSON_COLUMNS", "dedupe", "link"]
