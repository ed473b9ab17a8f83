"""Entity extraction on Reuters-21578: throughput, and what the table and case rules remove.

The first ``--sample`` stories with a body (their bodies keep their tables), as
``benchmarks.stories`` uses them, are read twice in one process, alternately ``--repeat``
times, with the model loaded beforehand:

- ``before``: the reading before the table and case rules (every title and non-empty line,
  every mention kept), merged with the same rules as now;
- ``after``: `wirecopy.stages.entities.extract` as the build calls it;
- with ``--processes``: ``after-pool2``, as a large build on an idle machine runs it
  (`wirecopy.derive`: two forked workers, 256 articles a call split between them), and
  ``after-spacy2``, spaCy's own ``n_process=2``.

For each: CPU seconds of this process and of its finished children (`resource.getrusage`),
wall seconds, articles and words per CPU second. Then the entities of ``before`` and
``after`` are compared per article, (text, label) pairs: how many went, split by why (every
line that gave one is a table row, has no capitalised name word, or the mention has no
capital or names nothing, being an amount or a table word; or it came from an all-capitals
title), and how many of those the model found in prose lines are still there.

    .venv/bin/python -m benchmarks.entities --sample 2000 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.reuters_to_jsonl import REPO, shared_corpus
from wirecopy.stages import entities as stage

if TYPE_CHECKING:
    from spacy.language import Language

Doc = tuple[str, str | None, str]
Found = dict[str, list[stage.EntityCount]]
RESULTS = REPO / "benchmarks" / "results" / "entities.json"


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def before(nlp: Language, docs: Sequence[Doc]) -> tuple[Found, dict[tuple[str, str, str], str]]:
    """The reading before the rules; also where each (article, text, label) came from:
    "prose" when any mention of it came from a line the rules keep, else the rule's name."""
    body: dict[str, list[stage.Mention]] = {article_id: [] for article_id, _, _ in docs}
    title: dict[str, list[stage.Mention]] = {article_id: [] for article_id, _, _ in docs}
    texts: list[tuple[str, tuple[str, bool, bool]]] = []
    stop_words = frozenset(nlp.Defaults.stop_words)
    for article_id, head, text in docs:
        given = list(stage.pieces([(article_id, head, text)], stop_words))
        kept = {line for line, piece in given if not piece.is_title}
        if head and head.strip():
            # An all-capitals title is read in the body's case: it was read if any title was.
            title_read = any(piece.is_title for _, piece in given)
            texts.append((" ".join(head.split()), (article_id, True, title_read)))
        for line in text.splitlines():
            if line.strip():
                texts.append((line.strip(), (article_id, False, line.strip() in kept)))
    origin: dict[tuple[str, str], set[str]] = {}  # (article, cleaned surface): whys
    for doc, (article_id, is_title, read) in nlp.pipe(texts, batch_size=64, as_tuples=True):
        for ent in doc.ents:
            if ent.label_ not in stage.LABELS:
                continue
            (title if is_title else body)[article_id].append(stage.Mention(ent.text, ent.label_))
            if not read:
                why = "table" if stage.is_tabular(doc.text) else "no name word"
            elif not any(ch.isupper() for ch in ent.text):
                why = "small letters"
            elif stage.names_nothing(ent.text, acronyms=doc.text != doc.text.upper()):
                why = "names nothing"
            else:
                why = "title" if is_title else "prose"
            cleaned = stage.clean_mention(ent.text)
            if cleaned is not None:
                origin.setdefault((article_id, cleaned), set()).add(why)
    found = {a: stage.merge_mentions(body[a], title=title[a]) for a in body}
    where: dict[tuple[str, str, str], str] = {}
    for article_id, entities in found.items():
        for entity in entities:
            whys = set().union(*(origin.get((article_id, m), set()) for m in entity.mentions))
            # "prose" when any mention came from prose, else the first reason by name.
            where[(article_id, entity.text, entity.label)] = (
                "prose" if "prose" in whys else min(whys, default="?")
            )
    return found, where


def timed(run: Callable[[], Any], words: int, articles: int) -> tuple[Any, dict[str, float]]:
    cpu, wall = cpu_seconds(), time.perf_counter()
    result = run()
    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    return result, {
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "articles_per_cpu_s": round(articles / cpu, 1),
        "articles_per_wall_s": round(articles / wall, 1),
        "words_per_cpu_s": round(words / cpu),
    }


def in_pool(nlp: Language, docs: Sequence[Doc], batch: int = 256) -> Found:
    from wirecopy.derive import _extractor

    found: Found = {}
    with _extractor(nlp, 2) as extractor:
        for start in range(0, len(docs), batch):
            for article_id, entities in extractor(docs[start : start + batch]).items():
                found[article_id] = list(entities)
    return found


def compare(old: Found, new: Found, where: dict[tuple[str, str, str], str]) -> dict[str, Any]:
    pairs_old = {(a, e.text, e.label) for a, es in old.items() for e in es}
    pairs_new = {(a, e.text, e.label) for a, es in new.items() for e in es}
    gone = pairs_old - pairs_new
    came = pairs_new - pairs_old
    prose = {p for p in pairs_old if where.get(p) == "prose"}
    return {
        "entities_before": len(pairs_old),
        "entities_after": len(pairs_new),
        "by_label_before": dict(Counter(label for _, _, label in pairs_old)),
        "by_label_after": dict(Counter(label for _, _, label in pairs_new)),
        "gone": len(gone),
        "gone_by_why": dict(Counter(where.get(p, "?") for p in gone)),
        "gone_org_by_why": dict(Counter(where.get(p, "?") for p in gone if p[2] == "ORG")),
        "gone_top": Counter((t, label) for _, t, label in gone).most_common(25),
        "came": len(came),
        "came_top": Counter((t, label) for _, t, label in came).most_common(15),
        "prose_before": len(prose),
        "prose_kept": len(prose & pairs_new),
        "prose_gone_top": Counter((t, label) for _, t, label in prose - pairs_new).most_common(15),
        "counts_changed": sum(
            1
            for a, es in new.items()
            for e in es
            if (a, e.text, e.label) in pairs_old
            and e.count != next(o.count for o in old[a] if (o.text, o.label) == (e.text, e.label))
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=Path, default=shared_corpus().parent / "reuters21578")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--processes", action="store_true", help="also time two processes")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from benchmarks.reuters import iter_stories
    from wirecopy.derive import pipeline

    stories = [s for s in iter_stories(args.reuters) if s.body][: args.sample]
    docs: list[Doc] = [(f"r{s.newid}", s.title or None, s.body) for s in stories]
    words = sum(len((t or "").split()) + len(x.split()) for _, t, x in docs)
    nlp = pipeline()
    stage.extract(nlp, docs[:20])  # warm up
    runs: dict[str, list[dict[str, float]]] = {}
    results: dict[str, Any] = {}
    for _ in range(args.repeat):
        (old, where), measure = timed(lambda: before(nlp, docs), words, len(docs))
        runs.setdefault("before", []).append(measure)
        new, measure = timed(lambda: stage.extract(nlp, docs), words, len(docs))
        runs.setdefault("after", []).append(measure)
        if args.processes:
            pooled, measure = timed(lambda: in_pool(nlp, docs), words, len(docs))
            runs.setdefault("after-pool2", []).append(measure)
            two, measure = timed(lambda: stage.extract(nlp, docs, n_process=2), words, len(docs))
            runs.setdefault("after-spacy2", []).append(measure)
            results["same_entities_in_processes"] = pooled == two == new
        results["comparison"] = compare(old, new, where)
        print(json.dumps({k: v[-1] for k, v in runs.items()}), file=sys.stderr)
    report = {
        "command": " ".join(["python -m benchmarks.entities", *(argv or sys.argv[1:])]),
        "articles": len(docs),
        "words": words,
        "runs": runs,
        **results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
