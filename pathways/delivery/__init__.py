"""Delivering published outcomes: the REST API, its keys, and the HTML outcomes report."""
