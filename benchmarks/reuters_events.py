"""Write the hand-labelled Reuters event corpus: pages and gold files from ``events.json``.

``tests/data/reuters_events/events.json`` holds the labels (events of two or more stories, by
NEWID, for each part: the days it covers). This reads the Reuters-21578 collection, takes every
story with a body dated on a part's days, and writes, for each part:

- ``<part>/pages/reuters.jsonl``: one page a story, as `benchmarks.reuters_to_jsonl` writes
  them (page ids ``reuters.jsonl#1``, ``#2`` ...);
- ``<part>/gold.json``: the gold file `benchmarks.stories` reads (the format of
  ``seeds.gold.json``): ``articles`` keyed ``r<newid>`` with their title, date, ``first`` (the
  opening of the body, extended sentence by sentence until no other story of the part holds
  it) and copies; ``stories`` from the events, every unlabelled story alone.

``developing.json`` beside it labels *developing stories* of another week (a happening followed
over days: its sequels, the parties' statements, reactions), every article of each, and no other
story of that week: :func:`write_developing` writes their pages and an *open* gold file
(`wirecopy.evaluate`) to a folder of the caller's choosing (2,468 pages, not committed), or
only the labelled stories' 166 pages.

Stories printing the same opening are one gold article with several copies (the wire sent
them twice, or corrected), and so is a story whose whole body another one holds (a shorter
print, a ``partial`` copy); the labels must put them in one event, and this checks it.

    .venv/bin/python -m benchmarks.reuters_events            # rewrite the corpus
    .venv/bin/python -m benchmarks.reuters_events --developing /tmp/developing
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.reuters import ReutersStory, iter_stories
from benchmarks.reuters_to_jsonl import page_record, shared_corpus
from wirecopy.textnorm import normalize

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "tests" / "data" / "reuters_events"
DEVELOPING = FOLDER / "developing.json"
PAGES_FILE = "reuters.jsonl"
# A sentence ends at . ! or ? followed by white space (abbreviations may cut one short: the
# opening is then extended to the next one, which is harmless).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _sentences(body: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(" ".join(body.split())) if s]


def opening(body: str, others: Sequence[str]) -> str:
    """The shortest run of ``body``'s first sentences that no text in ``others`` holds
    (normalised), or the whole body when every run is held."""
    sentences = _sentences(body)
    for n in range(1, len(sentences) + 1):
        candidate = " ".join(sentences[:n])
        folded = normalize(candidate)
        if not any(folded in other for other in others):
            return candidate
    return " ".join(sentences)


def part_gold(
    name: str, stories: Sequence[ReutersStory], events: dict[str, list[int]], *, open_: bool = False
) -> dict[str, Any]:
    """The gold file of one part (see the module's docstring). ``open_``: the events are not
    all of the part's (two unlabelled stories may print one text)."""
    event_of = {newid: event for event, ids in events.items() for newid in ids}
    known = {s.newid for s in stories}
    missing = sorted(set(event_of) - known)
    if missing:
        raise ValueError(f"{name}: labelled stories not in the part: {missing}")
    bodies = {s.newid: normalize(s.body) for s in stories}
    line_of = {s.newid: n for n, s in enumerate(stories, start=1)}
    # A story whose whole body another story's holds is a shorter print of it: a copy.
    holder = {
        story.newid: max(
            (n for n, b in bodies.items() if bodies[story.newid] in b and b != bodies[story.newid]),
            key=lambda n: (len(bodies[n]), -n),
        )
        for story in stories
        if any(bodies[story.newid] in b and b != bodies[story.newid] for b in bodies.values())
    }
    articles: dict[str, dict[str, Any]] = {}
    key_of: dict[int, str] = {}
    key_of_first: dict[str, str] = {}
    for story in stories:
        if story.newid in holder:
            continue
        # Its own shorter prints are copies of it: they may hold its opening.
        others = [b for b in bodies.values() if b not in bodies[story.newid]]
        first = opening(story.body, others)
        folded = normalize(first)
        if folded in key_of_first:  # the same opening printed again: one article
            key_of[story.newid] = key_of_first[folded]
            continue
        key = key_of[story.newid] = key_of_first[folded] = f"r{story.newid}"
        articles[key] = {
            "title": story.title,
            "date": story.date.date().isoformat() if story.date else None,
            "first": first,
            "copies": {},
        }
    for story in stories:
        top = story.newid
        while top in holder:
            top = holder[top]
        key = key_of[story.newid] = key_of[top]
        alone = ("", "") if open_ else (key, f"r{story.newid}")
        if event_of.get(int(key[1:]), alone[0]) != event_of.get(story.newid, alone[1]):
            raise ValueError(f"{name}: {key} and r{story.newid} print one text, two events")
        kind = "partial" if story.newid in holder else "full"
        articles[key]["copies"][f"{PAGES_FILE}#{line_of[story.newid]}"] = kind
    groups: dict[str, list[str]] = {}
    for key in articles:
        groups.setdefault(event_of.get(int(key[1:]), key), []).append(key)
    return {
        "about": (
            f"Reuters-21578 stories of {', '.join(sorted({a['date'] for a in articles.values()}))}"
            " with a body, one page each, and their events labelled by hand: see README.md"
            " beside this part. 'first' is the opening of the body, long enough that no other"
            " story of the part holds it."
        ),
        "articles": articles,
        "stories": sorted(groups.values(), key=lambda keys: int(keys[0][1:])),
        "events": {event: list(keys) for event, keys in groups.items() if len(keys) > 1},
    }


def _by_day(corpus: Path) -> dict[str, list[ReutersStory]]:
    by_day: dict[str, list[ReutersStory]] = {}
    for story in iter_stories(corpus):
        if story.body and story.date:
            by_day.setdefault(story.date.date().isoformat(), []).append(story)
    return by_day


def _write_part(folder: Path, stories: Sequence[ReutersStory], gold: dict[str, Any]) -> Path:
    """Write a part's pages and gold file into ``folder``; the gold file's path."""
    pages = folder / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    with (pages / PAGES_FILE).open("w", encoding="utf-8") as out:
        for story in stories:
            out.write(json.dumps(page_record(story), ensure_ascii=False) + "\n")
    path = folder / "gold.json"
    path.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write(folder: Path, corpus: Path) -> dict[str, int]:
    labels = json.loads((folder / "events.json").read_text(encoding="utf-8"))
    by_day = _by_day(corpus)
    counts = {}
    for name, part in labels["parts"].items():
        stories = [s for day in part["days"] for s in by_day.get(day, [])]
        gold = part_gold(name, stories, {e: list(ids) for e, ids in part["events"].items()})
        _write_part(folder / name, stories, gold)
        counts[name] = len(stories)
    return counts


def developing_gold(labels: dict[str, Any], stories: Sequence[ReutersStory]) -> dict[str, Any]:
    """The gold file of the developing stories (see the module's docstring): every one of
    ``stories`` is an article of it, only the labelled ones are in ``stories`` (an open gold
    file when some are not labelled)."""
    events = {name: list(story["newids"]) for name, story in labels["stories"].items()}
    gold = part_gold("developing", stories, events, open_=True)
    event_of = {newid: name for name, ids in events.items() for newid in ids}
    groups: dict[str, list[str]] = {}
    for key in gold["articles"]:
        if int(key[1:]) in event_of:
            groups.setdefault(event_of[int(key[1:])], []).append(key)
    unlabelled = any(int(key[1:]) not in event_of for key in gold["articles"])
    gold["about"] = (
        f"Reuters-21578 stories of {', '.join(labels['days'])} with a body, one page each;"
        " the developing stories of tests/data/reuters_events/developing.json labelled by hand"
        " (every article of each)"
        + (", no other story of the week (an open gold file)." if unlabelled else ".")
    )
    gold["open"] = unlabelled
    gold["stories"] = [groups[name] for name in sorted(groups)]
    gold["events"] = {name: groups[name] for name in sorted(groups)}
    return gold


def write_developing(
    out: Path, corpus: Path, labels_path: Path = DEVELOPING, *, alone: bool = False
) -> Path:
    """Write the developing stories' week (pages and open gold file) into ``out``; the gold
    file's path. ``alone``: only the labelled stories' pages, every article of the gold file
    in a labelled story (a small archive of large stories, the other happenings left out)."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    by_day = _by_day(corpus)
    stories = [s for day in labels["days"] for s in by_day.get(day, [])]
    if alone:
        labelled = {n for story in labels["stories"].values() for n in story["newids"]}
        stories = [s for s in stories if s.newid in labelled]
    return _write_part(out, stories, developing_gold(labels, stories))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=Path, default=shared_corpus(), metavar="DIR")
    parser.add_argument("--out", type=Path, default=FOLDER, metavar="DIR")
    parser.add_argument(
        "--developing",
        type=Path,
        metavar="DIR",
        help="write the developing stories' week (pages and open gold file) into DIR instead",
    )
    args = parser.parse_args(argv)
    if args.developing:
        print(write_developing(args.developing, args.reuters))
        return 0
    print(json.dumps(write(args.out, args.reuters)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
