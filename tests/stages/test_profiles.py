"""Site profiles: a generated site whose widget and source name the corpus cannot teach.

The site has one page of its own in the corpus, so no line recurs: without a profile its
in-body widget reads as a subhead and its source line as page furniture. A profile (data,
made here from generated words) says what they are, at the stage and through a build.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import archive_content
from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.records import Block, Page
from wirecopy.stages.lines import name_key, shape_key
from wirecopy.stages.profiles import Profiles, load_profiles, parse_profiles
from wirecopy.stages.segment import BODY, BOILERPLATE, SOURCE, SUBHEAD, line_stats, segment
from wirecopy.textnorm import normalize

SITE = "vellomar.example"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(("ka", "lo", "mir", "ven", "tus", "ob", "ral", "es")) for _ in "xx")


def _sentence(rng: random.Random, n: int) -> str:
    words = [_word(rng) for _ in range(n)]
    return " ".join([words[0].title(), *words[1:]]) + "."


def generated_page(seed: int) -> tuple[str, str, str]:
    """(page text, its widget line, its source name), from generated words."""
    rng = random.Random(seed)
    title = " ".join(_word(rng).title() for _ in range(6))
    paragraphs = [" ".join(_sentence(rng, 9) for _ in range(3)) for _ in range(4)]
    widget = f"{_word(rng).title()} {_word(rng).title()} {_word(rng)}"
    source = f"{_word(rng).title()} {_word(rng).title()}"
    lines = [title, paragraphs[0], paragraphs[1], widget, paragraphs[2], paragraphs[3], source]
    return "\n\n".join(lines) + "\n", widget, source


def _page(text: str) -> Page:
    return Page(
        id="p.txt", uri=None, format="text", content_hash="h", raw=b"", site=SITE, text=text
    )


def _labels(blocks: list[Block], text: str) -> set[str]:
    return {b.label for b in blocks if normalize(b.text) == normalize(text)}


def test_a_profile_names_boilerplate_and_sources_the_corpus_cannot_teach() -> None:
    text, widget, source = generated_page(1)
    page = _page(text)
    (plain,) = segment([page], line_stats([page]))
    assert _labels(plain.blocks, widget) == {SUBHEAD}
    assert _labels(plain.blocks, source) == {BOILERPLATE}
    assert plain.copies[0].source is None

    profiles = Profiles(
        parse_profiles({"sites": {SITE: {"boilerplate": [widget], "sources": [source]}}})
    )
    (profiled,) = segment([page], line_stats([page]), profiles)
    assert _labels(profiled.blocks, widget) == {BOILERPLATE}
    assert _labels(profiled.blocks, source) == {SOURCE}
    (copy,) = profiled.copies
    assert copy.source == source
    assert normalize(widget) not in normalize(copy.text)
    assert sum(b.label == BODY for b in profiled.blocks) == 4
    widget_block = next(b for b in profiled.blocks if b.text == widget)
    assert widget_block.evidence["profile"] == "boilerplate"


def test_profiles_match_numbers_case_www_and_every_site() -> None:
    profiles = Profiles(
        parse_profiles(
            {
                "sites": {
                    "www.Vellomar.example": {"boilerplate": ["Seen 12 times"]},
                    "*": {"sources": ["Rasto Wire"]},
                }
            }
        )
    )
    profile = profiles.for_site(SITE)
    assert shape_key("seen 3,410 TIMES") in profile.boilerplate
    assert name_key("- Rasto Wire") in profile.sources
    assert profiles.for_site(None).sources == profile.sources
    assert not profiles.for_site("other.example").boilerplate


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ([], '"sites" object'),
        ({"sites": {"a.example": []}}, "must be an object"),
        ({"sites": {"a.example": {"boilerplate": "Share"}}}, "list of strings"),
        ({"sites": {"a.example": {"widgets": []}}}, "unknown field 'widgets'"),
    ],
)
def test_a_bad_profile_says_where(document: object, words: str, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=words):
        load_profiles(path)


def _site_folder(root: Path, seeds: range) -> tuple[Path, list[tuple[str, str]]]:
    folder = root / "in"
    (folder / SITE).mkdir(parents=True)
    found = []
    for seed in seeds:
        text, widget, source = generated_page(seed)
        (folder / SITE / f"page{seed}.txt").write_text(text)
        found.append((widget, source))
    return folder, found


def test_build_with_profiles_resegments_the_site_and_matches_a_fresh_build(tmp_path: Path) -> None:
    folder, found = _site_folder(tmp_path, range(3))
    profile_file = tmp_path / "profiles.json"
    widgets = [w for w, _s in found]
    sources = [s for _w, s in found]
    profile_file.write_text(
        json.dumps({"sites": {SITE: {"boilerplate": widgets, "sources": sources}}})
    )

    db = tmp_path / "a.db"
    first = build([folder], db)
    assert first.pages_segmented == 3
    runner = CliRunner()
    result = runner.invoke(
        cli, ["build", str(folder), "--db", str(db), "--profiles", str(profile_file), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["pages_unchanged"] == 3 and summary["pages_segmented"] == 3
    assert summary["profiles_changed"] == 1

    pages = [
        json.loads(line)
        for line in runner.invoke(cli, ["export", "pages", "--db", str(db)]).output.splitlines()
    ]
    articles = [
        json.loads(line)
        for line in runner.invoke(cli, ["export", "articles", "--db", str(db)]).output.splitlines()
    ]
    for page in pages:
        assert len(page["articles"]) == 1
        assert {normalize(t) for t in page["boilerplate"]} & {normalize(w) for w in widgets}
    assert sorted(a["source"] for a in articles) == sorted(sources)
    assert not any(normalize(w) in normalize(a["text"]) for a in articles for w in widgets)

    # The profile is kept: a later build without --profiles changes nothing.
    again = build([folder], db)
    assert again.pages_segmented == 0
    fresh = tmp_path / "fresh.db"
    build([folder], fresh, profiles=load_profiles(profile_file))
    assert archive_content(db) == archive_content(fresh)


def test_a_bad_profile_file_is_a_usage_error(tmp_path: Path) -> None:
    folder, _found = _site_folder(tmp_path, range(1))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(
        cli, ["build", str(folder), "--db", str(tmp_path / "a.db"), "--profiles", str(bad)]
    )
    assert result.exit_code == 2 and "not valid JSON" in result.output
