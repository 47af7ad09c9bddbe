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
   Its forms of verbs, adjectives and adverbs are also the words never split
   (``gespaard`` is no ``gesp`` + ``aard``).
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
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.news.lexicon import Lexicon, curated_expressions  # noqa: E402
from bot.news.text import fold, stem  # noqa: E402

DIC = Path("/usr/share/hunspell/nl.dic")
AFF = Path("/usr/share/hunspell/nl.aff")
CURATED = ROOT / "bot" / "news" / "data" / "lexicon.toml"
OUTPUT = ROOT / "bot" / "news" / "data" / "lexicon.json.gz"
FORMAT_VERSION = 2

MIN_PART = 3  # shortest compound part ("gas", "pad", "lek")
MIN_ZIPF = 1.0  # rarer words are left out of the shipped lexicon
SHORT_ZIPF = 3.5  # a three-letter part must be at least this frequent ("gas", "pad", "lek")
FREQUENT_ZIPF = 3.8  # a "frequent" noun, preferred as head when splits tie
MAX_NOUN = 18  # longer nouns are compounds themselves; splitting finds them anyway
_NUMBERS = frozenset((
    "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
    "twaalf", "dertien", "veertien", "twintig", "dertig", "veertig", "vijftig", "zestig",
    "zeventig", "tachtig", "negentig", "honderd", "duizend", "miljoen",
))
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


def read_plural_rules(
    adjective_e: bool = False,
) -> dict[str, list[tuple[str, str, re.Pattern[str]]]]:
    """``SFX Z? strip add cond`` rules: the noun plurals (and linking-en forms); with
    ``adjective_e``, the rules tagged ``ts:AJe`` instead: adjectives with -e (hoog -> hoge).
    """
    rules: dict[str, list[tuple[str, str, re.Pattern[str]]]] = defaultdict(list)
    for line in AFF.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] != "SFX":
            continue
        if adjective_e != ("ts:AJe" in parts) or (
            not adjective_e and not parts[1].startswith("Z")
        ):
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


def _plural_bases(word: str) -> set[str]:
    """Singulars ``word`` may be the regular plural of (-s, -en with Dutch spelling)."""
    out = set()
    if word.endswith("s") and len(word) > 4:
        out.add(word[:-1])
    if word.endswith("en") and len(word) > 4:
        b = word[:-2]
        out.add(b)
        if b[-1] == b[-2]:
            out.add(b[:-1])  # bedden -> bed
        if b[-2] in "aeou" and b[-3] not in "aeiou":
            out.add(b[:-2] + b[-2] + b[-2:])  # scholen -> school
        if b[-1] in "vz":
            out |= {x[:-1] + {"v": "f", "z": "s"}[b[-1]] for x in list(out)}
    return out


def _adjective_form(form: str, lemma: str) -> bool:
    """``form`` is an inflection of the adjective ``lemma``: -e, -er, -ere, -st, -ste, with
    Dutch spelling changes (groot -> grote, lief -> lieve, boos -> boze)."""
    if lemma.endswith("en") or len(lemma) < MIN_PART:
        return False
    bases = {lemma}
    if len(lemma) > 2 and lemma[-2] == lemma[-3] and lemma[-2] in "aeou":
        bases.add(lemma[:-2] + lemma[-1])  # groot -> grot-e
    if lemma[-1] in "bdfgklmnprst" and lemma[-2] in "aeiou" and lemma[-3:-2] not in "aeiou":
        bases.add(lemma + lemma[-1])  # dik -> dikk-e
    bases |= {b[:-1] + {"f": "v", "s": "z"}[b[-1]] for b in list(bases) if b[-1] in "fs"}
    return any(form == b + end for b in bases for end in ("e", "er", "ere", "st", "ste"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with CURATED.open("rb") as fh:
        curated = tomllib.load(fh)

    entries = read_dic()
    rules = read_plural_rules()
    adjective_rules = read_plural_rules(adjective_e=True)
    words: set[str] = set()
    nouns: set[str] = set()
    begin: set[str] = set()  # non-nouns that OpenTaal lets begin a compound (verb stems)
    linking_s: set[str] = set()
    plural_cands: dict[str, set[str]] = defaultdict(set)
    only_compound_end: set[str] = set()  # compound parts without plural flags
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
                    plural_cands[form].add(word)
        elif "Ca" in flags and len(word) >= 4 and len(word) <= MAX_NOUN:
            begin.add(word)
        # Adjectives with -e may begin a compound ("hoge" + "school").
        for form in plurals(word, flags, adjective_rules):
            form = fold(form)
            if _ALPHA.match(form) and len(form) >= 4:
                begin.add(form)

        if flags & {"Cb", "Cc"} and not any(f[0] in "ZY" for f in flags):
            only_compound_end.add(word)
    # OpenTaal lists some plurals as words of their own, flagged as compound parts only
    # ("branden/Cc", while "brand" has no plural flag): a plural of a noun all the same.
    for word in only_compound_end:
        for base in _plural_bases(word):
            if base in nouns and base != word:
                plural_cands[word].add(base)
    # A plural of two nouns is read as the more frequent one: "scholen" is "school", not
    # the fish "schol".
    plural_of: dict[str, str] = {
        form: max(sorted(bases), key=lambda b: zipf_frequency(b, "nl"))
        for form, bases in plural_cands.items()
    }

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
            # Ordinals are no forms of numbers: "tweede" is not "twee" (the Tweede Kamer
            # would otherwise be "twee kamers").
            and lemma not in _NUMBERS
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

    # Words never seen in wordfreq's Dutch list (Zipf < MIN_ZIPF) are left out: they cost
    # memory, and as compound parts they mostly make false splits.
    def seen(word: str) -> bool:
        return zipf_frequency(word, "nl") >= MIN_ZIPF

    all_nouns = nouns | set(plural_of)
    data: dict = {
        "version": FORMAT_VERSION,
        "nouns": sorted(filter(seen, nouns)),
        "begin": sorted(filter(seen, begin - all_nouns)),
        "linking_s": sorted(filter(seen, linking_s)),
        "words": sorted(filter(seen, words - all_nouns - begin)),
        "plurals": {k: v for k, v in sorted(plural_of.items()) if seen(k)},
        "lemmas": dict(sorted(lemmas.items())),
        "exceptions": sorted(fold(w) for w in curated["exceptions"]["words"]),
        "particles": sorted(fold(w) for w in curated["particles"]["words"]),
        "never_head": sorted(fold(w) for w in curated["never_head"]["words"]),
        # Three-letter parts are many and mostly noise ("rap" + "port", "den" + "marken"):
        # only the frequent ones may be a part.
        "short": sorted(
            w for w in all_nouns if len(w) == MIN_PART and zipf_frequency(w, "nl") >= SHORT_ZIPF
        ),
        # Between two splits of as many parts, a frequent head wins ("drug" + "lab", not
        # "drug" + "slab").
        "frequent": sorted(w for w in all_nouns if zipf_frequency(w, "nl") >= FREQUENT_ZIPF),
        "no_split": [],
    }

    # Words that are no nouns are never split (the splitter's own results, checked here):
    # inflected forms whose lemma is another word and no noun, i.e. a verb or adjective
    # ("gespaard" is no "gesp" + "aard", "leidend" no "leid" + "end"), and verbs'
    # infinitives ("knipperen" is no "knip" + "peren").  Only what would be split is kept.
    lexicon = Lexicon(data)

    def text(value: str | bytes) -> str:
        return fold(value.decode() if isinstance(value, bytes) else value)

    pairs = [(text(f), text(le)) for f, le in table._dict.items()]
    # A verb: a lemma in -en with a form in -t ("knippert" -> "knipperen").
    verbs = {
        lemma
        for form, lemma in pairs
        if lemma.endswith("en") and form != lemma and form.endswith("t")
    }
    no_split = {v for v in verbs if _ALPHA.match(v) and v not in nouns and lexicon.split(v)}
    for form, lemma in pairs:
        if (
            not _ALPHA.match(form)
            or not _ALPHA.match(lemma)  # "kamer_lid": simplemma marks a compound
            or form == lemma  # simplemma has no part of speech: a lemma may be a noun
            or form in all_nouns
            or lemma in all_nouns
            or lexicon.split(lemma)  # the lemma is a compound noun: containerschepen
        ):
            continue
        if lexicon.split(form):
            no_split.add(form)
    data["no_split"] = sorted(no_split)

    # Forms of verbs and adjectives -> their lemma (simplemma), so that a word is matched
    # in its own part of speech: "verkiest" is a form of "verkiezen", never of the noun
    # "verkiezing"; "stoort" of "storen", never of "storing".  A form that is a noun (or
    # a noun's plural) keeps its noun reading: simplemma also leads "staking" to "staken".
    # Adjectives only by their endings (-e, -er, -st): simplemma's "tweede" -> "twee"
    # would make "twee kamers" read as "Tweede Kamer".
    infinitives = {lemma for lemma in verbs if _ALPHA.match(lemma)}
    forms: dict[str, str] = {}
    for form, lemma in pairs:
        if (
            form == lemma
            or not _ALPHA.match(form)
            or not _ALPHA.match(lemma)
            or form in all_nouns
            or not seen(form)
        ):
            continue
        if lemma in infinitives or _adjective_form(form, lemma):
            forms[form] = lemma
    data["forms"] = dict(sorted(forms.items()))
    # Noun plurals that are also a verb's infinitive ("staken": poles, and to strike;
    # "werken"): a news word like that is read both ways.
    data["also_verb"] = sorted(
        form for form in plural_of if form in infinitives and seen(form)
    )
    for section in ("opaque_first", "opaque_head"):
        data[section] = sorted(fold(w) for w in curated[section]["words"])
    data["expressions"] = curated_expressions(curated)
    # Verb lemma -> the noun whose news sense its forms carry (curated).
    data["verb_sense"] = {
        fold(verb): fold(noun)
        for noun, verbs in curated.get("verb_sense", {}).items()
        for verb in verbs
        if " " not in verb
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(args.output, "wb", mtime=0) as fh:
        fh.write(payload)
    print(
        f"{args.output}: {len(nouns)} nouns, {len(plural_of)} plurals, {len(begin)} stems, "
        f"{len(data['words'])} other words, {len(lemmas)} lemmas, {len(no_split)} never split, "
        f"{args.output.stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
