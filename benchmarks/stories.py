"""Stories and entities against gold-labelled corpora: quality and throughput.

For each corpus (a folder of pages and a gold file in the format of ``seeds.gold.json``:
``articles`` with their ``first`` sentence, ``stories`` as lists of article keys), the corpus
is built into a fresh archive with `wirecopy.build.build`, each archive article is matched to
the gold article whose first sentence its text holds (articles matching none are counted and
left out), and the archive's stories are scored against the gold stories:

- pairwise precision, recall and F1 over pairs of articles put in one story;
- BCubed F1 (Bagga and Baldwin 1998), per article, averaged;
- adjusted Rand index.

Throughput: entity extraction (articles per second, the model's loading not counted) and
story placement (articles per second, vectorising and clustering) as the build reports them.

The default corpora are the seeds, the example corpus and the hand-labelled Reuters-21578
events of ``tests/data/reuters_events`` (README.md there): ``reuters_events_tune`` (26 Feb
and 1 March 1987, the half the constants were chosen on) and ``reuters_events_heldout`` (27-29
March 1987, only measured). ``--entities both`` scores each corpus with and without entities.

    .venv/bin/python -m benchmarks.stories                 # the default corpora
    .venv/bin/python -m benchmarks.stories --entities both -o /tmp/stories.json
    .venv/bin/python -m benchmarks.stories --corpus DIR GOLD.json [--corpus ...]
    .venv/bin/python -m benchmarks.stories --entities both --stream 2000
    .venv/bin/python -m benchmarks.stories --stream 2000 --entities off --pairs /tmp/pairs

``--stream N`` also scores each corpus grouped at once with the first N other Reuters-21578
stories (:func:`in_stream`): the parts alone are too small for document frequencies to say
what they say in a real archive, and the seeds and the example corpus must hold there too.
``--pairs DIR`` writes the pairs each such grouping gets wrong, with the parts of their
similarity (:func:`pair_parts`).

``--developing`` also scores the developing stories of ``tests/data/reuters_events`` (a week of
2,468 Reuters stories; some twenty happenings followed over days, each labelled whole, in an
open gold file: `wirecopy.evaluate`), written from the shared corpus into a temporary folder,
and those stories alone (``reuters_developing_alone``: their 166 pages, a small archive of
large stories, the week's other happenings left out).
Stories there are large and span days, as in the news streams Miranda et al. (2018) scored,
where the labelled days above hold mostly single articles. Its result lists each labelled
story's articles, the stories they were put in, the share of the largest, and the articles of
other happenings put with them.

    .venv/bin/python -m benchmarks.stories --developing --entities both --pairs /tmp/pairs
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.reuters import ReutersStory
from benchmarks.reuters_to_jsonl import shared_corpus
from wirecopy.build import build
from wirecopy.config import BuildConfig
from wirecopy.evaluate import OUTSIDE, gold_labels, scores
from wirecopy.stages.story_similarity import ArticleFeatures

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_corpus().parent  # ../shared/corpus, or $WIRECOPY_SHARED/corpus
EVENTS = REPO / "tests" / "data" / "reuters_events"
DEFAULT = {
    "seeds": (SHARED / "seeds", SHARED / "seeds.gold.json"),
    "examples": (REPO / "examples" / "news", REPO / "examples" / "news.gold.json"),
    "reuters_events_tune": (EVENTS / "tune" / "pages", EVENTS / "tune" / "gold.json"),
    "reuters_events_heldout": (EVENTS / "heldout" / "pages", EVENTS / "heldout" / "gold.json"),
}
RESULTS = REPO / "benchmarks" / "results" / "stories.json"


def evaluate(
    name: str,
    pages: Path,
    gold_path: Path,
    db: Path,
    *,
    entities: bool = True,
    pairs: Path | None = None,
) -> dict[str, Any]:
    """Build ``pages`` into ``db`` and score its stories against the gold file (``pairs``: a
    folder to write the wrongly grouped and missed pairs of an open gold file's corpus to)."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    summary = build([pages], db, config=BuildConfig(entities=entities))
    seconds = time.perf_counter() - started
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, text, story_id FROM articles ORDER BY n").fetchall()
        n_stories = conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    finally:
        conn.close()
    labels, predicted, unmatched = gold_labels(gold, rows)
    # The largest story's share of the archive's articles: chaining shows here first.
    sizes = Counter(story or article_id for article_id, _, story in rows)
    derived = summary.derived
    entity_s = float(str(derived.get("entity_seconds") or 0.0))
    story_s = float(str(derived.get("story_seconds") or 0.0))
    entity_n = int(str(derived.get("entity_articles") or 0))
    placed = int(str(derived.get("placed") or 0))
    extra: dict[str, Any] = {}
    if gold.get("open"):
        extra["labelled"] = labelled_stories(gold, labels, predicted)
        if pairs is not None:
            features, _ = archive_features(db)
            _write_pairs(pairs, name, entities, features, labels, predicted)
    return {
        "corpus": name,
        "entities_on": entities,
        "pages": summary.pages_read,
        "articles": len(rows),
        "articles_matched": len(labels),
        "articles_unmatched": len(unmatched),
        "gold_stories": len(gold["stories"]),
        "stories": n_stories,
        "largest_story_share": round(max(sizes.values()) / len(rows), 4) if rows else 0.0,
        **{k: round(v, 4) for k, v in scores(predicted, labels).items()},
        "entities": derived.get("entities"),
        "entity_articles_per_s": round(entity_n / entity_s, 1) if entity_s else None,
        "story_articles_per_s": round(placed / story_s, 1) if story_s else None,
        "build_seconds": round(seconds, 3),
        **extra,
    }


def labelled_stories(
    gold: dict[str, Any], labels: dict[str, int], predicted: dict[str, str | None]
) -> list[dict[str, Any]]:
    """For each labelled story of an open gold file: its articles found, the stories they were
    put in, the largest one's share of them, and the articles outside it (other happenings) put
    with them."""
    number = {tuple(keys): n for n, keys in enumerate(gold["stories"])}
    names = {
        number[tuple(keys)]: name
        for name, keys in gold.get("events", {}).items()
        if tuple(keys) in number
    }
    members: dict[int, list[str]] = {}
    for article, label in labels.items():
        if label != OUTSIDE:
            members.setdefault(label, []).append(article)
    found = []
    for label, articles in sorted(members.items()):
        put = Counter(predicted[a] for a in articles)
        joined = {a for a, story in predicted.items() if story in put and labels[a] != label}
        found.append(
            {
                "story": names.get(label, str(label)),
                "articles": len(articles),
                "put_in": len(put),
                "largest_share": round(max(put.values()) / len(articles), 4),
                "others_joined": len(joined),
            }
        )
    return found


def _write_pairs(
    folder: Path,
    name: str,
    entities: bool,
    articles: Sequence[ArticleFeatures],
    labels: dict[str, int],
    predicted: dict[str, str | None],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}-{'on' if entities else 'off'}.jsonl"
    with out.open("w", encoding="utf-8") as sink:
        for row in pair_parts(articles, labels, predicted):
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")


def _reuters_features(
    stories: Sequence[ReutersStory], *, entities: bool
) -> tuple[list[ArticleFeatures], float, float]:
    """Reuters stories as clustering sees them (ids ``r<newid>``), with the CPU seconds of
    entity extraction (the model loaded beforehand) and of vectorising."""
    from wirecopy.derive import pipeline
    from wirecopy.names import entity_keys
    from wirecopy.stages.dates import mentioned_dates
    from wirecopy.stages.entities import extract
    from wirecopy.stages.story_similarity import vectorise

    docs = [(f"r{s.newid}", s.title or None, s.body) for s in stories]
    found: dict[str, Any] = {}
    entity_seconds = 0.0
    if entities:
        nlp = pipeline()
        started = time.process_time()
        found = extract(nlp, docs)
        entity_seconds = time.process_time() - started
    started = time.process_time()
    vectors = vectorise([(title, text) for _, title, text in docs])
    articles = []
    for (article_id, title, text), story, terms in zip(docs, stories, vectors, strict=True):
        keys: Counter[str] = Counter()
        for entity in found.get(article_id, ()):
            for key in entity_keys(entity.text, entity.mentions):
                keys[key] += entity.count
        mentioned = mentioned_dates(text)
        articles.append(
            ArticleFeatures(
                article_id,
                terms,
                entities=dict(keys),
                date=story.date.date() if story.date else None,
                mentioned=max(mentioned) if mentioned else None,
                title=title,
            )
        )
    return articles, entity_seconds, time.process_time() - started


def reuters(folder: Path, sample: int) -> dict[str, Any]:
    """Throughput on real newswire, and how stories spread there (no gold: a diagnostic).

    The first ``sample`` Reuters-21578 stories with a body: entity extraction (articles/s of
    CPU, the model loaded beforehand), vectorising and clustering them at once (articles/s of
    CPU), and the sizes of the stories found: the largest story's share of the articles shows
    chaining.
    """
    from benchmarks.reuters import iter_stories
    from wirecopy.stages.stories import cluster

    stories = [s for s in iter_stories(folder) if s.body][:sample]
    articles, entity_seconds, vector_seconds = _reuters_features(stories, entities=True)
    started = time.process_time()
    groups = cluster(articles)
    story_seconds = vector_seconds + time.process_time() - started
    sizes = sorted((len(g) for g in groups), reverse=True)
    return {
        "corpus": f"reuters21578 (first {len(stories)} stories with a body)",
        "articles": len(stories),
        "stories": len(groups),
        "largest_stories": sizes[:5],
        "largest_share": round(sizes[0] / len(stories), 4) if sizes else 0.0,
        "alone": sum(1 for n in sizes if n == 1),
        "entity_articles_per_s": round(len(stories) / entity_seconds, 1),
        "story_articles_per_s": round(len(stories) / story_seconds, 1),
    }


def archive_features(db: Path) -> tuple[list[ArticleFeatures], dict[str, str]]:
    """The features of an archive's articles, as story placement reads them, and their texts."""
    from wirecopy.archive.stories import load_features

    conn = sqlite3.connect(db)
    try:
        return load_features(conn), dict(conn.execute("SELECT id, text FROM articles").fetchall())
    finally:
        conn.close()


def stream_features(
    stories: Iterable[ReutersStory], gold: dict[str, Any], count: int, *, entities: bool
) -> list[ArticleFeatures]:
    """The first ``count`` stories with a body dated on none of the gold articles' days, as
    clustering sees them: a stream around a labelled part that shares none of its events."""
    days = {a["date"] for a in gold["articles"].values() if a.get("date")}
    chosen = [s for s in stories if s.body and not (s.date and s.date.date().isoformat() in days)][
        :count
    ]
    features, _, _ = _reuters_features(chosen, entities=entities)
    return features


def in_stream(
    name: str,
    db: Path,
    gold_path: Path,
    folder: Path,
    extra: int,
    *,
    entities: bool,
    pairs: Path | None = None,
) -> dict[str, Any]:
    """A labelled part's articles (as the build of ``db`` left them) grouped at once with the
    first ``extra`` other Reuters-21578 stories with a body (none of the part's days), as in
    an archive of a news stream; scored on the part's articles only.

    The parts alone are small (250-360 articles), so a term's document frequency there says
    little; within a stream of thousands of stories around them it says what it would in a
    real archive. The seeds and the example corpus, dated decades later, share no time with
    the stream: there it weighs only on document frequencies and on the archive's size.

    ``pairs``: a folder to write the pairs put in one story against the gold (``wrong``) and
    the gold pairs left apart (``missed``) to, each with the parts of its similarity
    (:func:`pair_parts`)."""
    from benchmarks.reuters import iter_stories
    from wirecopy.stages.stories import cluster

    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    part, texts = archive_features(db)
    others = stream_features(iter_stories(folder), gold, extra, entities=entities)
    story_of = {a: str(n) for n, group in enumerate(cluster(part + others)) for a in group}
    labels, predicted, _ = gold_labels(gold, [(f.id, texts[f.id], story_of[f.id]) for f in part])
    if pairs is not None:
        _write_pairs(pairs, name, entities, part + others, labels, predicted)
    return {
        "corpus": f"{name} in a stream of {len(others)} other Reuters stories",
        "entities_on": entities,
        "articles": len(part) + len(others),
        "articles_matched": len(labels),
        **{k: round(v, 4) for k, v in scores(predicted, labels).items()},
    }


def pair_parts(
    articles: Sequence[ArticleFeatures], labels: dict[str, int], predicted: dict[str, str | None]
) -> list[dict[str, Any]]:
    """The pairs of labelled articles put in one story against the gold (``wrong``) and the
    gold pairs left apart (``missed``), with the parts of their similarity as
    `wirecopy.stages.story_similarity` works it out over all ``articles`` (document
    frequencies from them): the text and entity cosines, the entity weight W, the time factor,
    whether the two are apart (many entities, none shared) and s; strongest first."""
    import numpy as np

    from wirecopy.stages.story_similarity import (
        ENTITY_FULL,
        SCALE,
        entity_df,
        entity_weights,
        neighbours,
        space,
        time_factors,
    )

    term_df: Counter[int] = Counter()
    for art in articles:
        term_df.update(art.terms.terms.tolist())
    sp = space(articles, term_df, entity_df(articles), len(articles))
    index = {art.id: i for i, art in enumerate(articles)}
    found = []
    ids = sorted(labels)
    for k, a in enumerate(ids):
        for b in ids[k + 1 :]:
            if labels[a] == labels[b] == OUTSIDE:  # an open gold file leaves them unscored
                continue
            same_gold = labels[a] == labels[b]
            # Two unplaced articles (no story) are not in one story.
            same_story = predicted[a] is not None and predicted[a] == predicted[b]
            if same_gold == same_story:
                continue
            i, j = np.array([index[a]]), np.array([index[b]])
            both = bool(sp.has_ents[i[0]] and sp.has_ents[j[0]])
            fewer = min(sp.n_ents[i[0]], sp.n_ents[j[0]])
            ents = float((sp.ents[i] @ sp.ents[j].T).toarray()[0, 0]) if both else None
            found.append(
                {
                    "kind": "missed" if same_gold else "wrong",
                    "a": a,
                    "b": b,
                    "title_a": articles[i[0]].title,
                    "title_b": articles[j[0]].title,
                    "s": int(neighbours(sp, i, j).toarray()[0, 0]) / SCALE,
                    "text": round(float((sp.text[i] @ sp.text[j].T).toarray()[0, 0]), 4),
                    "entities": None if ents is None else round(ents, 4),
                    "w": round(float(entity_weights(sp, i, j)[0]), 4) if both else 0.0,
                    "apart": bool(both and fewer >= ENTITY_FULL and not ents),
                    "time": round(float(time_factors(sp, i, j)[0]), 4),
                }
            )
    return sorted(found, key=lambda row: (row["kind"], -row["s"], row["a"], row["b"]))


def _name(pages: Path) -> str:
    """A corpus's name: its folder's, or the folder above for a folder called ``pages``."""
    return pages.parent.name if pages.name == "pages" else pages.name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", nargs=2, action="append", metavar=("PAGES", "GOLD"), help="a labelled corpus"
    )
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--reuters", type=Path, metavar="DIR", help="also measure throughput on Reuters-21578"
    )
    parser.add_argument("--sample", type=int, default=2000, help="Reuters stories to use")
    parser.add_argument(
        "--stream",
        type=int,
        default=0,
        metavar="N",
        help="also score each labelled Reuters part grouped with N other Reuters stories",
    )
    parser.add_argument(
        "--pairs",
        type=Path,
        metavar="DIR",
        help="with --stream, or for an open gold file's corpus: write each corpus's wrong and "
        "missed pairs, with the parts of their similarity, to DIR/<corpus>-<entities>.jsonl",
    )
    parser.add_argument(
        "--developing",
        action="store_true",
        help="also score the developing stories' week of Reuters (needs the shared corpus)",
    )
    parser.add_argument(
        "--entities",
        choices=["on", "off", "both"],
        default="on",
        help="build with entities, without, or each corpus both ways (default: on)",
    )
    args = parser.parse_args(argv)
    corpora = (
        {_name(Path(p)): (Path(p), Path(g)) for p, g in args.corpus} if args.corpus else DEFAULT
    )
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.entities]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.developing:
            from benchmarks.reuters_events import write_developing

            week, alone = Path(tmp) / "reuters_developing", Path(tmp) / "reuters_developing_alone"
            collection = SHARED / "reuters21578"
            corpora = {
                **corpora,
                week.name: (week / "pages", write_developing(week, collection)),
                alone.name: (alone / "pages", write_developing(alone, collection, alone=True)),
            }
        for name, (pages, gold) in corpora.items():
            is_open = bool(json.loads(gold.read_text(encoding="utf-8")).get("open"))
            for entities in modes:
                db = Path(tmp) / f"{name}-{'on' if entities else 'off'}.db"
                result = evaluate(
                    name, pages, gold, db, entities=entities, pairs=args.pairs if is_open else None
                )
                results.append(result)
                print(json.dumps(result), file=sys.stderr)
                # A large open corpus is its own stream.
                if args.stream and not is_open:
                    result = in_stream(
                        name,
                        db,
                        gold,
                        SHARED / "reuters21578",
                        args.stream,
                        entities=entities,
                        pairs=args.pairs,
                    )
                    results.append(result)
                    print(json.dumps(result), file=sys.stderr)
    if args.reuters:
        result = reuters(args.reuters, args.sample)
        results.append(result)
        print(json.dumps(result), file=sys.stderr)
    report = {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "command": " ".join(["python -m benchmarks.stories", *(argv or sys.argv[1:])]),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
