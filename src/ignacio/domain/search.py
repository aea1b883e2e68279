"""How text is read for search: its words, folded, and whether a passage speaks to a question.

Every index (SQLite FTS5, PostgreSQL, memory) and the offline assistant fold words the same way,
so that what matches in one matches in all: case folded (Unicode's compatibility caseless form),
accents and other combining marks dropped, runs of letters and digits.

Ranking (BM25) orders passages but cannot say that none is about the question: a question's
function words ("what is the ... of") match any document. `answers` is the floor: a passage
must hold at least half of the question's content words, those outside `FUNCTION_WORDS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_QUERY_WORDS = 16
"""A query's first distinct words that are searched; the rest are left out."""
MAX_WORD_CHARS = 64
"""Longer runs of letters (a hash, a base64 blob) are not words anyone searches for."""

_WORD = re.compile(r"[^\W_]+")

# The most common words of the languages Ignacio's members write in most (English, Spanish,
# Portuguese, French, Italian, German, Catalan), folded as `words` folds them. Not a full
# stop-word list: enough that a question's grammar never counts as what it is about.
_FUNCTION_WORDS = """
    a about after all also am an and any are as at be been before but by can could did do does
    for from had has have he her here him his how i if in into is it its just me more my no not
    of on or our out over she so some than that the their them then there these they this those
    to up us was we were what when where which while who whom why will with would you your tell
    show give find please know want need say says said get got al algo como con cual cuales
    cuando cuanto de del donde el ella ellas ellos en era es esa esas ese eso esos esta estas
    este esto estos fue ha hay la las le les lo los mas me mi muy nada ni no nos o para pero por
    porque que quien se sea ser si sin sobre son su sus tambien te tiene tu un una uno unos unas
    y ya yo dime decir saber quiero puedes ao aos as com da das do dos ele ela em essa esse isso
    na nas no nos num numa os ou pelo pela qual quando quem sao seu sua uma voce au aux avec ce
    ces cette comment dans des du elle est et il ils je la le les leur lui mais moi ne nous ou
    par pas peut pour quand que quel quelle qui sa se ses son sont sur ta te toi ton tu une vous
    che chi come con cosa dei della delle di e gli il in lo nel non per piu quale quando questo
    sono un una am auf aus bei bin bist das dass dein dem den der des die du ein eine einem
    einen einer er es fur hat ich ihr im ist mit nicht noch oder sein sich sie sind und uns von
    was wer wie wir wo zu zum zur els amb dels per quan qui una
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())


def words(text: str) -> list[str]:
    """The words of a text, folded for search, in order and with repeats."""
    if text.isascii():
        folded = text.lower()
    else:
        # Canonical caseless form (Unicode D145, compatibility variant), then no combining marks.
        decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return [word for word in _WORD.findall(folded) if len(word) <= MAX_WORD_CHARS]


def query_words(query: str) -> list[str]:
    """The distinct words of a query, first ones first, at most MAX_QUERY_WORDS."""
    return list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]


def content_words(question: str) -> list[str]:
    """The words a question is about: its searched words that are not function words."""
    return [word for word in query_words(question) if word not in FUNCTION_WORDS]


def coverage(question_words: Iterable[str], passage: str) -> int:
    """How many of the question's words the passage holds."""
    held = set(words(passage))
    return sum(1 for word in question_words if word in held)


def answers(question_words: list[str], passage: str) -> bool:
    """Whether the passage holds at least half of the question's content words (and one)."""
    if not question_words:
        return False
    return 2 * coverage(question_words, passage) >= max(2, len(question_words))
