from __future__ import annotations

import random
import re

from storyline.analysis.sentences import _lines

#: The expression ``_lines`` replaced, kept here as its reference.
_THE_EXPRESSION = re.compile(r"\n+(?!\s*[,;])")


def test_lines_split_where_the_expression_split() -> None:
    chance = random.Random(11)
    alphabet = ["a", "b", " ", " ", "\n", "\n", "\t", ",", ";", "."]
    for _ in range(5_000):
        segment = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 40)))
        assert _lines(segment) == _THE_EXPRESSION.split(segment), repr(segment)


def test_a_blanked_stretch_is_split_at_each_run_of_breaks_unless_a_comma_follows() -> None:
    # A page's reader comments blanked as furniture: spaces, the line breaks kept.
    blanked = ("          \n" * 3 + "\n") * 4  # 12 runs of breaks
    ended = "The end." + blanked + "Next line"
    assert _lines(ended) == _THE_EXPRESSION.split(ended)
    assert len(_lines(ended)) == 13
    assert _lines(ended)[0] == "The end.          "
    continued = "The end." + blanked + ", who said so"
    assert _lines(continued) == [continued]
