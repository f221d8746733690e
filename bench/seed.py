"""The seed page: does Storyline find each hand-annotated quote with its speaker and role?

    python bench/seed.py [SEED_DIR]

SEED_DIR (default ``../shared/seed``) holds ``seed.gold.json``: the page's file name, its
publication date and the quotes a reader takes from it (content, the speaker a reader
resolves, their role where the page gives one, the cue). The page is analysed by ``storyline
analyze`` as a user would run it, and each gold quote is looked for among the predicted ones:

- **content**: a predicted quote whose content (its fragments joined by a space) is the gold
  content, compared without surrounding spaces, quotation marks and final punctuation, and
  without a leading "that" (PolNeAR's contents keep the complementiser, the seed's do not;
  the gold marks "[first]" as an editor's insertion, which the page prints as "first");
- **speaker**: the resolved speaker's name equals the gold speaker, ignoring case; where the
  gold leaves the speaker open (``null``, with a note on what is acceptable), the speaker is
  printed for the reader to check against the note, not judged;
- **role**: where the gold gives one, the quote's role contains it or it contains the role.

A second count is looser on content only: the gold content is one of the quote's fragments, or
lies within its content (a reader sees the gold's words, and some more: "accused Turkey, one of
the sponsors, of continuing to support ..." where the gold's content starts at "of").

Prints one line per gold quote with what was found, then ``right: N of M``.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from common import ROOT, run_analyze

_EDGES = " \t\n\"'\u201c\u201d\u2018\u2019.,;:"


def normal(text: str) -> str:
    """Text as compared: brackets of an editor's insertion dropped, spaces folded, edges
    trimmed of spaces, quotation marks and punctuation."""
    text = re.sub(r"\[([^\]]*)\]", r"\1", text)
    text = " ".join(text.split()).strip(_EDGES)
    return re.sub(r"^that\s+", "", text).strip(_EDGES)


def predicted(text: str, quote: dict[str, Any]) -> dict[str, Any]:
    fragments = [text[s["start"] : s["end"]] for s in quote["content"]]
    return {
        "content": normal(" ".join(fragments)),
        "fragments": [normal(fragment) for fragment in fragments],
        "speaker": quote.get("speaker_name") or "",
        "role": quote.get("role") or "",
    }


def judge(gold: dict[str, Any], quotes: list[dict[str, Any]], *, loose: bool) -> tuple[bool, str]:
    """Whether a predicted quote has the gold quote's content, speaker and role; and what
    the nearest one holds when none does."""
    wanted = normal(gold["content"])
    if loose:
        same = [q for q in quotes if wanted in q["fragments"] or wanted in q["content"]]
    else:
        same = [q for q in quotes if q["content"] == wanted]
    if not same:
        return False, "content not found"
    for quote in same:
        speaker = gold["speaker"]
        if speaker is None:
            return (
                True,
                f"speaker {quote['speaker']!r} (open in the gold: {gold.get('speaker_note')})",
            )
        speaker_right = quote["speaker"].casefold() == speaker.casefold()
        role = gold.get("role")
        role_right = not role or (
            bool(quote["role"])
            and (
                role.casefold() in quote["role"].casefold()
                or quote["role"].casefold() in role.casefold()
            )
        )
        if speaker_right and role_right:
            return True, f"speaker {quote['speaker']!r}, role {quote['role']!r}"
    quote = same[0]
    return False, f"speaker {quote['speaker']!r}, role {quote['role']!r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", type=Path, nargs="?", default=ROOT.parent / "shared" / "seed")
    args = parser.parse_args()
    try:
        gold = json.loads((args.seed / "seed.gold.json").read_text(encoding="utf-8"))
        text = (args.seed / gold["file"]).read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(f"{args.seed}: not a seed folder ({exc})") from None
    with tempfile.TemporaryDirectory() as folder:
        record = {"id": gold["file"], "text": text, "published": gold["published"]}
        (Path(folder) / "articles.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
        (analysis,), _ = run_analyze(Path(folder), "entities,quotes")
    quotes = [predicted(text, quote) for quote in analysis["quotes"]]
    right = within = 0
    for number, item in enumerate(gold["quotes"], 1):
        ok, found = judge(item, quotes, loose=False)
        status = "right" if ok else "WRONG"
        right += ok
        if not ok:
            ok, within_found = judge(item, quotes, loose=True)
            if ok:
                status, found = "within", f"content within a longer one; {within_found}"
        within += ok
        print(
            f"{number}. {status}: {item['speaker']} / {item.get('role')}"
            f" / {normal(item['content'])[:60]!r}: {found}"
        )
    print(
        f"right: {right} of {len(gold['quotes'])}; with the content within a longer one:"
        f" {within} ({len(quotes)} quotes predicted)"
    )


if __name__ == "__main__":
    main()
