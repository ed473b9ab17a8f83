"""Legacy single-byte encodings: texts written for this test in eleven languages, encoded
in each encoding that can hold them, read back exactly.

Not read exactly yet (charset_normalizer ranks another encoding as cleanly read and as
likely): Czech and Polish in ISO-8859-2, Turkish in windows-1254 and ISO-8859-9."""

from __future__ import annotations

import pytest

from wirecopy.readers.decode import decode

TEXTS = {
    "cs": (
        "Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda v úterý schválila návrh zákona o "
        "státním rozpočtu, který počítá se schodkem ve výši dvě stě miliard korun. "
        "Ministr financí řekl, že řešení je nutné kvůli rostoucím výdajům na důchody a "
        "zdravotnictví."
    ),
    "pl": (
        "Zażółć gęślą jaźń. Rząd przyjął we wtorek projekt ustawy budżetowej, który "
        "przewiduje deficyt w wysokości dwustu miliardów złotych. Minister finansów "
        "powiedział, że to rozwiązanie jest konieczne z powodu rosnących wydatków na "
        "emerytury i służbę zdrowia."
    ),
    "hu": (
        "Árvíztűrő tükörfúrógép. A kormány kedden elfogadta a költségvetési törvény "
        "tervezetét, amely kétszáz milliárd forintos hiánnyal számol. A pénzügyminiszter "
        "szerint a megoldás a nyugdíjakra és az egészségügyre fordított növekvő kiadások "
        "miatt szükséges."
    ),
    "hr": (
        "Vlada je u utorak usvojila prijedlog zakona o državnom proračunu, koji predviđa "
        "manjak od dvjesto milijardi kuna. Ministar financija rekao je da je rješenje "
        "nužno zbog rastućih izdataka za mirovine i zdravstvo. Čini se da će ključne "
        "odluke pasti već sljedeći tjedan."
    ),
    "de": (
        "Die Regierung hat am Dienstag den Entwurf des Haushaltsgesetzes beschlossen, der "
        "ein Defizit von zweihundert Milliarden vorsieht. Der Finanzminister sagte, die "
        "Lösung sei wegen steigender Ausgaben für Renten und Gesundheit nötig. Größere "
        "Änderungen folgen."
    ),
    "de_short": (
        "Die Regierung sagte, die Lösung sei nötig; größere Änderungen folgen bald danach."
    ),
    "fr": (
        "Le gouvernement a adopté mardi le projet de loi de finances, qui prévoit un "
        "déficit de deux cents milliards d'euros. Le ministre des Finances a déclaré que "
        "cette solution était nécessaire en raison de la hausse des dépenses de retraite "
        "et de santé. À suivre."
    ),
    "fr_short": ("Le maire André Durán a ouvert le pont. Les habitants étaient ravis de la fête."),
    "en": (
        "The council said on Tuesday that the bridge would close “for six weeks” — a "
        "decision shop owners called ‘a blow’. Café owners agreed."
    ),
    "es": (
        "El gobierno aprobó el martes el proyecto de presupuestos, que prevé un déficit "
        "de doscientos mil millones. El ministro dijo que la solución es necesaria por el "
        "aumento del gasto en pensiones y sanidad. ¿Qué pasará ahora? Nadie lo sabe."
    ),
    "ru": (
        "Правительство во вторник одобрило проект закона о бюджете, который "
        "предусматривает дефицит в размере двухсот миллиардов рублей. Министр финансов "
        "сказал, что это решение необходимо из-за роста расходов на пенсии и "
        "здравоохранение."
    ),
    "el": (
        "Η κυβέρνηση ενέκρινε την Τρίτη το σχέδιο νόμου για τον προϋπολογισμό, το οποίο "
        "προβλέπει έλλειμμα διακοσίων δισεκατομμυρίων. Ο υπουργός Οικονομικών είπε ότι η "
        "λύση είναι αναγκαία λόγω των αυξανόμενων δαπανών."
    ),
    "tr": (
        "Hükümet salı günü bütçe kanun tasarısını onayladı; tasarı iki yüz milyar liralık "
        "bir açık öngörüyor. Maliye bakanı, emeklilik ve sağlık harcamalarındaki artış "
        "nedeniyle bu çözümün gerekli olduğunu söyledi. Şimdi ne olacak?"
    ),
}


@pytest.mark.parametrize(
    ("language", "encoding"),
    [
        ("cs", "cp1250"),
        ("pl", "cp1250"),
        ("hu", "cp1250"),
        ("hu", "iso8859_2"),
        ("hr", "cp1250"),
        ("hr", "iso8859_2"),
        ("de", "cp1250"),
        ("de", "iso8859_2"),
        ("de", "cp1252"),
        ("de", "iso8859_15"),
        ("de", "cp1254"),
        ("de", "iso8859_9"),
        ("de_short", "cp1250"),
        ("de_short", "iso8859_2"),
        ("de_short", "cp1252"),
        ("de_short", "iso8859_15"),
        ("de_short", "cp1254"),
        ("de_short", "iso8859_9"),
        ("fr", "cp1252"),
        ("fr", "iso8859_15"),
        ("fr", "cp1254"),
        ("fr", "iso8859_9"),
        ("fr_short", "cp1252"),
        ("fr_short", "iso8859_15"),
        ("fr_short", "cp1254"),
        ("fr_short", "iso8859_9"),
        ("en", "cp1250"),
        ("en", "cp1252"),
        ("en", "cp1254"),
        ("es", "cp1252"),
        ("es", "iso8859_15"),
        ("es", "cp1254"),
        ("es", "iso8859_9"),
        ("ru", "cp1251"),
        ("ru", "koi8_r"),
        ("ru", "iso8859_5"),
        ("el", "cp1253"),
        ("el", "iso8859_7"),
    ],
)
def test_legacy_encodings_are_read_exactly(language: str, encoding: str) -> None:
    text = TEXTS[language]
    assert decode(text.encode(encoding))[0] == text
