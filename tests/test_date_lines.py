"""Date lines under a headline, in several languages and forms, through a whole build: each
gives the article its date and stays out of its title and text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from wirecopy.build import build
from wirecopy.config import BuildConfig

TITLE = "Grève des contrôleurs aériens à Orly"
BODY = (
    "Les contrôleurs aériens de l’aéroport d’Orly ont cessé le travail dimanche matin, "
    "provoquant l’annulation de plusieurs dizaines de vols vers le sud de la France.\n\n"
    "La direction de l’aviation civile a demandé aux compagnies de réduire leurs programmes "
    "de vols de moitié jusqu’à mardi soir."
)


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("le 3 mars 2024", "2024-03-03"),  # in small letters: not the headline's end
        ("dimanche 3 mars 2024", "2024-03-03"),
        ("Paris, le 3 mars 2024", "2024-03-03"),  # a place in ordinary case, then the date
        ("Berlin, 17. Mai 2024", "2024-05-17"),
        ("Madrid, 10 de mayo de 2024", "2024-05-10"),
        ("Glasgow, May 14, 2024", "2024-05-14"),
    ],
)
def test_a_date_line_dates_the_article(tmp_path: Path, line: str, day: str) -> None:
    assert _built(tmp_path, TITLE, line, BODY) == (TITLE, day, BODY)


CJK_TITLE = "深圳盐田港新集装箱码头正式投入运营"
CJK_BODY = (
    "深圳盐田港东作业区新建的自动化集装箱码头昨天正式投入运营，该码头共有四个十万吨级泊位。\n\n"
    "港口负责人表示，新码头投入使用后，全年吞吐量有望突破一千八百万标准箱。"
)


@pytest.mark.parametrize(
    "line",
    ["2024年5月17日", "2024年5月17日（星期五）", "2024年5月17日 10:32", "２０２４年５月１７日"],
)
def test_a_chinese_date_line_dates_the_article(tmp_path: Path, line: str) -> None:
    assert _built(tmp_path, CJK_TITLE, line, CJK_BODY) == (CJK_TITLE, "2024-05-17", CJK_BODY)


def _built(tmp_path: Path, title: str, line: str, body: str) -> tuple[str, str, str]:
    """The (title, date, text) of the one article of a page: title, date line, body."""
    pages = tmp_path / "pages" / "x.example"
    pages.mkdir(parents=True)
    (pages / "a.txt").write_text(f"{title}\n\n{line}\n\n{body}\n", encoding="utf-8")
    db = tmp_path / "a.db"
    build([tmp_path / "pages"], db, config=BuildConfig(entities=False))
    conn = sqlite3.connect(db)
    [(title, date, text)] = conn.execute("SELECT title, date, text FROM articles").fetchall()
    conn.close()
    return str(title), str(date), str(text)
