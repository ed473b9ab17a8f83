"""Names as printed: initials, acronyms and the key that compares names."""

from __future__ import annotations

import json

import pytest

from wirecopy.names import acronym_forms, entity_key, entity_keys, is_acronym, undot_initials


@pytest.mark.parametrize(
    ("text", "undotted"),
    [
        ("U.S. troops", "US troops"),
        ("the u.s and U.K.", "the us and UK"),
        ("J.B. Orvane", "JB Orvane"),
        ("St. Halvik", "St. Halvik"),  # an abbreviation, not initials
        ("U.SA", "U.SA"),
        ("e.g.", "eg"),
        ("3.5 p.m.", "3.5 pm"),
    ],
)
def test_undot_initials(text: str, undotted: str) -> None:
    assert undot_initials(text) == undotted


@pytest.mark.parametrize(
    ("text", "acronym"),
    [("US", True), ("U.S.", True), ("NATO", True), ("U.S", True), ("Un", False), ("A", False),
     ("ABCDEFG", False), ("U.SA", False), ("", False), ("U S", False)],
)  # fmt: skip
def test_is_acronym(text: str, acronym: bool) -> None:
    assert is_acronym(text) is acronym


def test_acronym_forms() -> None:
    assert acronym_forms(json.dumps(["United States", "U.S.", "US"])) == ["U.S.", "US"]
    assert acronym_forms(json.dumps(["Halvik"])) == []
    assert acronym_forms(None) == acronym_forms("") == []


def test_entity_keys_fold_case_punctuation_and_dotted_initials() -> None:
    assert entity_key("Al-Sadr") == entity_key("al sadr") == "al sadr"
    assert entity_key("U.S.") == entity_key("US") == "us"
    assert entity_key("WikiLeaks") == entity_key("WIKILEAKS") == "wikileaks"


def test_an_entity_counts_under_its_name_and_its_acronyms() -> None:
    assert entity_keys("United States", ["United States", "U.S.", "US"]) == {"united states", "us"}
    assert entity_keys("Halden Varro", ["Varro", "Halden Varro"]) == {"halden varro"}
    assert entity_keys("NATO") == {"nato"}
