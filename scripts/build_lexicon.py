"""Build ``bot/news/data/lexicon.json.gz``: the Dutch words keyword matching splits and folds.

Run from the repository root (needs the ``gazetteer`` extra and Debian's ``hunspell-nl``)::

    apt-get install hunspell-nl
    .venv/bin/python scripts/build_lexicon.py

Sources:

1. OpenTaal's Dutch Hunspell dictionary (Debian ``hunspell-nl``, ``/usr/share/hunspell/nl.dic``
   and ``nl.aff``).  Its flags say what a word is: plural flags (``Z*``) and diminutive
   flags (``Y*``) mark nouns, ``Ca``/``Cb``/``Cc`` mark words that may begin, sit inside
   or end a compound, ``Ch``/``Cd`` mark nouns that take the linking ``s``
   (``staking`` -> ``stakings-``).  The plural rules of ``nl.aff`` are applied here to
   produce the plural of every noun (``piloot`` -> ``piloten``), which is also its
   compound form with the linking ``en`` (``pilotenstaking``).
2. simplemma's Dutch lemma table (PyPI ``simplemma``): word form -> lemma.  Only forms
   of nouns that the Snowball stemmer does not already bring to the lemma's stem are
   kept (``schepen`` -> ``schip``, ``steden`` -> ``stad``, ``musea`` -> ``museum``); a
   noun's lemma must be a noun (simplemma leads ``staking`` to the verb ``staken``).
3. ``bot/news/data/lexicon.toml``: never-split compounds (``bankstel``), particles that
   make derivations (``over``-``stroming``), suffix-like nouns that are never a head
   (``ling``), and lemma overrides (``leden`` -> ``lid``).

Everything is folded with ``bot.news.text.fold``.  The bot reads only the output; see
``bot/news/lexicon.py`` for how it is used.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

from simplemma.strategies.dictionaries import DefaultDictionaryFactory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.news.text import fold, stem  # noqa: E402

DIC = Path("/usr/share/hunspell/nl.dic")
AFF = Path("/usr/share/hunspell/nl.aff")
CURATED = ROOT / "bot" / "news" / "data" / "lexicon.toml"
OUTPUT = ROOT / "bot" / "news" / "data" / "lexicon.json.gz"
FORMAT_VERSION = 1

MIN_PART = 3  # shortest compound part ("gas", "pad", "lek")
MAX_NOUN = 18  # longer nouns are compounds themselves; splitting finds them anyway
_ALPHA = re.compile(r"^[a-z]+$")
_NOUN_FLAG = re.compile(r"^(Z.|Y.|C[abcdeh])$")


def flags_of(raw: str) -> list[str]:
    """OpenTaal uses ``FLAG long``: two characters per flag."""
    return [raw[i : i + 2] for i in range(0, len(raw), 2)]


def read_dic() -> dict[str, set[str]]:
    """Lower-case entries (as written) -> union of their flags."""
    entries: dict[str, set[str]] = defaultdict(set)
    lines = DIC.read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        line = line.split("\t", 1)[0].strip()
        if not line:
            continue
        word, _, raw = line.partition("/")
        if not word or not word[0].islower():
            continue
        entries[word] |= set(flags_of(raw.split()[0] if raw else ""))
    return entries


def read_plural_rules() -> dict[str, list[tuple[str, str, re.Pattern[str]]]]:
    """``SFX Z? strip add cond`` rules: the noun plurals (and linking-en forms)."""
    rules: dict[str, list[tuple[str, str, re.Pattern[str]]]] = defaultdict(list)
    for line in AFF.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] != "SFX" or not parts[1].startswith("Z"):
            continue
        _, flag, strip, add, cond = parts[:5]
        strip = "" if strip == "0" else strip
        add = add.split("/", 1)[0]
        add = "" if add == "0" else add
        if add.endswith("-"):
            continue  # the hyphenated compound form: the same word
        rules[flag].append((strip, add, re.compile(f"{cond}$")))
    return rules


def plurals(word: str, flags: set[str], rules: dict) -> set[str]:
    out = set()
    for flag in flags:
        for strip, add, cond in rules.get(flag, ()):
            if cond.search(word) and word.endswith(strip):
                out.add(word[: len(word) - len(strip)] + add)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with CURATED.open("rb") as fh:
        curated = tomllib.load(fh)

    entries = read_dic()
    rules = read_plural_rules()
    words: set[str] = set()
    nouns: set[str] = set()
    begin: set[str] = set()  # non-nouns that OpenTaal lets begin a compound (verb stems)
    linking_s: set[str] = set()
    plural_of: dict[str, str] = {}
    for raw, flags in entries.items():
        word = fold(raw)
        if not _ALPHA.match(word):
            continue
        words.add(word)
        if len(word) < MIN_PART:
            continue
        is_noun = any(_NOUN_FLAG.match(f) for f in flags)
        if is_noun and len(word) <= MAX_NOUN:
            nouns.add(word)
            if flags & {"Ch", "Cd"}:
                linking_s.add(word)
            for form in plurals(word, flags, rules):
                form = fold(form)
                if _ALPHA.match(form) and form != word:
                    words.add(form)
                    plural_of.setdefault(form, word)
        elif "Ca" in flags and len(word) >= 4 and len(word) <= MAX_NOUN:
            begin.add(word)

    # Lemmas: generated plurals first, then simplemma, then the curated overrides.
    lemmas: dict[str, str] = {}
    for form, base in plural_of.items():
        if stem(form) != stem(base):
            lemmas[form] = base
    table = DefaultDictionaryFactory().get_dictionary("nl")
    # simplemma has no public iterator over its table.
    for form_b, lemma_b in table._dict.items():
        form = fold(form_b.decode() if isinstance(form_b, bytes) else form_b)
        lemma = fold(lemma_b.decode() if isinstance(lemma_b, bytes) else lemma_b)
        if (
            _ALPHA.match(form)
            and _ALPHA.match(lemma)
            and form in words
            and lemma in words
            and stem(form) != stem(lemma)
            # Only a noun's own forms: simplemma also leads nouns to verbs ("staking" ->
            # "staken", "woning" -> "wonen"), which would widen a follow to the verb.
            and (lemma in nouns or len(lemma) < MIN_PART)
            and lemma not in plural_of
            and not form.endswith(("ing", "ingen"))
            # A base noun keeps its own meaning: simplemma pairs "koe" with "bul" and
            # "wolf" with "wolvin" (another word, or a derivation of this one).
            and not (
                form in nouns
                and form not in plural_of
                and (
                    lemma.startswith(form) or lemma[0] != form[0] or len(lemma) > len(form) + 1
                )
            )
        ):
            lemmas.setdefault(form, lemma)
    for form, lemma in curated.get("lemmas", {}).items():
        lemmas[fold(form)] = fold(lemma)

    data = {
        "version": FORMAT_VERSION,
        "nouns": sorted(nouns),
        "begin": sorted(begin - nouns),
        "linking_s": sorted(linking_s),
        "words": sorted(words - nouns - begin - set(plural_of)),
        "plurals": dict(sorted(plural_of.items())),
        "lemmas": dict(sorted(lemmas.items())),
        "exceptions": sorted(fold(w) for w in curated["exceptions"]["words"]),
        "particles": sorted(fold(w) for w in curated["particles"]["words"]),
        "never_head": sorted(fold(w) for w in curated["never_head"]["words"]),
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(args.output, "wb", mtime=0) as fh:
        fh.write(payload)
    print(
        f"{args.output}: {len(nouns)} nouns, {len(plural_of)} plurals, {len(begin)} stems, "
        f"{len(data['words'])} other words, {len(lemmas)} lemmas, "
        f"{args.output.stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
