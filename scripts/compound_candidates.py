"""List the compounds a keyword follow reaches, for judging by meaning.

A follow of a noun (``/volg olie``) counts a compound for its head and its first parts
unless the compound is lexicalised away from them (``oliebol``).  Which compounds are
opaque is a judgment per word (docs/matching.md: word frequency does not tell them
apart), so this script makes the *candidates* systematically, out of real word lists,
and ``bot/news/data/senses.toml`` holds the judgments:

1. the keywords: ``scripts/senses_keywords.txt`` (news nouns a reader plausibly follows);
2. the words: every entry of OpenTaal's Hunspell dictionary (Debian ``hunspell-nl``, read
   as ``scripts/build_lexicon.py`` reads it) with wordfreq Zipf >= 1.5, and every word of
   wordfreq's Dutch list with Zipf >= 2.0 (compounds Hunspell makes from its compound
   flags but does not list: ``luchthaven``); a form goes with its lemma
   (``oliebollen`` with ``oliebol``);
3. a word is a candidate of a keyword where the shipped splitter
   (:meth:`bot.news.lexicon.Lexicon.split`, recursively) finds the keyword among its parts,
   as head (last part) or as a first part.

Every candidate of the listed keywords was judged: the opaque ones are in
``senses.toml``, the others count (the default).  A keyword added to the list needs its
candidates judged (``--keyword``).  Output (TSV, most frequent first per keyword):
keyword, role (``head``/``first``), compound, Zipf, the split, and whether ``/volg
keyword`` reaches the compound with the current data (``yes``/``no``).  Run from the
repository root::

    apt-get install hunspell-nl
    .venv/bin/python scripts/compound_candidates.py > /tmp/candidates.tsv
    .venv/bin/python scripts/compound_candidates.py --keyword olie
    .venv/bin/python scripts/compound_candidates.py --check

``--check`` lists the entries of ``senses.toml`` that judge nothing (not split, or
without their group's keyword among their parts) or that only repeat their part's
judgment (and so hide the part's own key).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bot.news.lexicon import DEFAULT_PATH, SENSES_PATH, Lexicon, default_lexicon  # noqa: E402
from bot.news.text import fold  # noqa: E402

KEYWORDS = ROOT / "scripts" / "senses_keywords.txt"
MIN_ZIPF = 1.5  # Hunspell's listed words: rarer ones hardly occur in news copy
MIN_ZIPF_TEXT = 2.0  # words only wordfreq has: more of them are names and misspellings


def keywords() -> list[str]:
    lines = KEYWORDS.read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(
        fold(line.strip()) for line in lines if line.strip() and not line.startswith("#")
    ))


def parts_deep(word: str, lexicon: Lexicon | None = None) -> tuple[list[str], list[str]]:
    """The lemmas of a word's compound parts: (first parts, head parts), each recursively
    split (``pilotenstakingsactie`` -> first ``piloot``, ``staking``..., head ``actie``)."""
    lexicon = lexicon or default_lexicon()
    parts = lexicon.split(word)
    if not parts:
        return [], []
    first: list[str] = []
    for part in parts[:-1]:
        first.append(lexicon.primary(part))
        sub_first, sub_head = parts_deep(part, lexicon)
        first += sub_first + sub_head
    head = [lexicon.primary(parts[-1])]
    sub_first, sub_head = parts_deep(parts[-1], lexicon)
    # A head compound's own head is still the head (brandweer-kazerne); its first parts
    # are first parts of the whole.
    return first + sub_first, head + sub_head


def base_lexicon() -> Lexicon:
    """The shipped lexicon without the start-time judgments: what the splitter does."""
    with gzip.open(DEFAULT_PATH, "rb") as fh:
        return Lexicon(json.loads(fh.read()))


def check() -> int:
    """Entries of senses.toml that judge nothing: not split by the splitter, or (in a
    keyword's group) without that keyword among their parts.  Returns how many."""
    lexicon = base_lexicon()
    judged_lexicon = default_lexicon()
    with SENSES_PATH.open("rb") as fh:
        data = tomllib.load(fh)
    bad = 0
    for section, groups in data.items():
        for group, entries in groups.items():
            keyword = lexicon.primary(fold(group))
            for entry in entries:
                word = fold(entry)
                parts = lexicon.split(word)
                first, head = parts_deep(word, lexicon)
                if not parts and not (section == "exceptions" and not lexicon.is_word(word)):
                    # (A word the lexicon lacks may be listed as a unit that longer words
                    # are read through: kinder|bijslag, not kinder|bij|slag.)
                    print(f"{section}.{group}: {entry!r} is not split")
                    bad += 1
                elif section != "exceptions" and keyword not in first + head:
                    print(f"{section}.{group}: {entry!r} is split {'+'.join(parts)}")
                    bad += 1
                elif section != "exceptions" and redundant(
                    section, word, judged_lexicon, keyword
                ):
                    # Worse than redundant: it hides the part's own key
                    # (brandweerkazerne must still reach /volg brandweer).
                    print(f"{section}.{group}: {entry!r} inherits its part's judgment")
                    bad += 1
    return bad


def redundant(section: str, word: str, lexicon: Lexicon, keyword: str) -> bool:
    """Whether the keyword is kept out of a longer word by its part's own judgment
    already (oliebollenkraam: oliebol is opaque), so that listing the longer word would
    only hide the part's key."""
    parts = lexicon.grouped(lexicon.split(word))
    if len(parts) < 2:
        return False
    side = parts[:-1] if section == "opaque_first" else parts[-1:]
    keys: set[str] = set()
    for part in side:
        keys.update(lexicon.readings(part))
        keys.update(lexicon.extra_keys(part))
    return keyword not in keys


def main() -> None:
    # Build-only dependencies (the ``gazetteer`` extra and hunspell-nl): imported here so
    # that ``check()``, which the test suite runs, needs only the bot's own install.
    from build_lexicon import _ALPHA, read_dic
    from wordfreq import iter_wordlist, zipf_frequency

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keyword", action="append", help="only these keywords")
    parser.add_argument("--min-zipf", type=float, default=MIN_ZIPF)
    parser.add_argument("--check", action="store_true", help="list entries that judge nothing")
    args = parser.parse_args()
    if args.check:
        sys.exit(1 if check() else 0)
    lexicon = default_lexicon()
    wanted = {lexicon.primary(fold(k)) for k in (args.keyword or keywords())}
    # Every entry, not only those with noun flags: OpenTaal lists many compounds bare
    # ("wateroverlast") or with other flags ("stormloop/V3").  Hunspell also makes
    # compounds it does not list ("luchthaven" from its compound flags), so wordfreq's
    # Dutch list adds the words seen in text.
    nouns = sorted(
        {fold(raw) for raw in read_dic()}
        | {
            fold(w)
            for w in iter_wordlist("nl")
            if zipf_frequency(w, "nl") >= max(args.min_zipf, MIN_ZIPF_TEXT)
        }
    )
    # A form is judged by its lemma (opaque lists are checked on a word's readings):
    # "oliebollen" goes with "oliebol".
    known = set(nouns)
    nouns = [
        word for word in nouns
        if _ALPHA.match(word)
        and (lexicon.primary(word) == word or lexicon.primary(word) not in known)
    ]
    rows: dict[str, list[tuple[float, str, str, str, str]]] = {k: [] for k in wanted}
    for word in nouns:
        if len(word) < 6:
            continue
        zipf = zipf_frequency(word, "nl")
        if zipf < args.min_zipf:
            continue
        first, head = parts_deep(word)
        hits = {k: "first" for k in wanted.intersection(first)}
        hits.update({k: "head" for k in wanted.intersection(head)})
        if not hits:
            continue
        keys = set(lexicon.extra_keys(word))
        split = "+".join(lexicon.split(word))
        for keyword, role in hits.items():
            reached = "yes" if keyword in keys else "no"
            rows[keyword].append((zipf, word, role, split, reached))
    for keyword in sorted(rows):
        for zipf, word, role, split, reached in sorted(rows[keyword], reverse=True):
            print(f"{keyword}\t{role}\t{word}\t{zipf:.2f}\t{split}\t{reached}")


if __name__ == "__main__":
    main()
