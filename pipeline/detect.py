"""Language of each passage and of the document.

langdetect gives the first guess; script evidence corrects the two mistakes it makes on
this corpus. Short Persian comes out as Arabic ("مقدمه" -> ar), so Arabic-script text is
called Arabic only on positive Arabic evidence. Short Traditional Chinese comes out as
Korean ("影響力" -> ko), so Han-script text is decided by script: Korean needs Hangul,
Japanese needs kana, and Traditional vs Simplified is read off OpenCC.

Determinism: every call builds a fresh langdetect Detector seeded with settings.seed from
a factory whose profiles are loaded in sorted order, so a result depends only on the text
and the seed, never on earlier calls. The global DetectorFactory is left alone.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

from pipeline.config import DetectSettings
from pipeline.normalize import char_script, script_of, to_simplified, to_traditional
from pipeline.records import Passage

UNDETERMINED = "und"

# Persian-only letters, and the Persian code points of yeh and kaf (Arabic text never
# uses U+06CC/U+06A9). The Arabic code points ي ك are no evidence either way: Persian
# PDFs are full of them (fonts and keyboards built for Arabic).
_PERSIAN_LETTERS = set("پچژگیک")
_ARABIC_LETTERS = set("ة")  # ta marbuta: Persian writes ه or ت
_PERSIAN_WORDS = frozenset(
    "است این آن را می که با از برای های یک شود کند بود شده اند ای نیز یا هم تا باید".split()
)
# Arabic function words that Persian does not use (من, بين, على, هو are Persian words or
# names too, so they are left out).
_ARABIC_WORDS = frozenset(
    "في إلى التي الذي الذين هذا هذه ذلك تلك أن إن عن كان كانت لم لن قد مع ثم أو".split()
)
_FOLD_YEH_KAF = str.maketrans("يك", "یک")
_URDU_LETTERS = set("ٹڈڑںےھہۂۃ")
# Urdu function words; Persian says از، در، و، را، این for what these say.
_URDU_WORDS = frozenset("کا کی کے کو سے نے میں ہے ہیں اور یہ وہ اس ان تھا تھی تھے ایک کر".split())
# Words that are Persian and not Urdu: Persian function words, and words written with the
# Persian heh (Urdu writes ہ or ھ) or a zero-width non-joiner (می‌شود).
_PERSIAN_NOT_URDU_WORDS = _PERSIAN_WORDS | frozenset("در و به".split())
_ARABIC_SCRIPT_LANGS = {"ar", "fa", "ur"}
_WORD = re.compile(r"\w+")
_WORD_WITH_ZWNJ = re.compile(r"[\w\u200c]+")


@cache
def _factory():
    from langdetect.detector_factory import DetectorFactory
    import langdetect

    profiles_dir = Path(langdetect.__file__).parent / "profiles"
    factory = DetectorFactory()
    factory.load_json_profile(
        [p.read_text(encoding="utf-8") for p in sorted(profiles_dir.iterdir())
         if p.is_file() and not p.name.startswith(".")]
    )
    return factory


def _langdetect(text: str, seed: int) -> list[tuple[str, float]]:
    """langdetect's (code, probability) list, best first; [] when it finds no features."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory().create()
    detector.seed = seed
    detector.append(text)
    try:
        return [(p.lang, p.prob) for p in detector.get_probabilities()]
    except LangDetectException:
        return []


def _persian_or_arabic(text: str, guesses: list[tuple[str, float]]) -> tuple[str, float]:
    letters = Counter(ch for ch in text if char_script(ch) == "arabic")
    words = Counter(_WORD.findall(text))
    persian_words = Counter(_WORD.findall(text.translate(_FOLD_YEH_KAF)))
    persian = (sum(letters[c] for c in _PERSIAN_LETTERS) + 2 * text.count("\u200c")
               + 3 * sum(n for w, n in persian_words.items() if w in _PERSIAN_WORDS))
    arabic = (sum(letters[c] for c in _ARABIC_LETTERS)
              + 3 * sum(n for w, n in words.items() if w in _ARABIC_WORDS))
    family = sum(p for lang, p in guesses if lang in _ARABIC_SCRIPT_LANGS)
    top = guesses[0][0] if guesses else ""
    if top == "ur" or any(letters[c] for c in _URDU_LETTERS):
        # A Persian paragraph quoting Urdu stays Persian: the words decide, not the n-grams.
        urdu, persian_words = _urdu_and_persian_words(text)
        if urdu > persian_words:
            return "ur", round(dict(guesses).get("ur", 0.0), 6)
    # Hamta reads Persian documents, not Arabic ones: Arabic needs evidence that
    # outweighs the Persian evidence; a tie (e.g. a word with no telling letter) is fa.
    lang = "ar" if arabic > persian else "fa"
    return lang, round(family, 6)


def _urdu_and_persian_words(text: str) -> tuple[int, int]:
    """How many words are Urdu (by letter or function word) and how many Persian."""
    urdu = persian = 0
    for word in _WORD_WITH_ZWNJ.findall(text):
        if any(ch in _URDU_LETTERS for ch in word) or word in _URDU_WORDS:
            urdu += 1
        elif (word.translate(_FOLD_YEH_KAF) in _PERSIAN_NOT_URDU_WORDS or "\u0647" in word
              or "\u200c" in word):
            persian += 1
    return urdu, persian


def chinese_variant(text: str) -> tuple[str, float]:
    """("zh-Hant" | "zh-Hans" | "", confidence) from which characters OpenCC would convert.

    A character that t2s changes is Traditional-only, one that s2t changes is
    Simplified-only. The larger count wins; confidence is its share of the two. "" when
    every character is common to both standards.
    """
    chars = {ch for ch in text if char_script(ch) == "han"}
    traditional = sum(1 for ch in chars if to_simplified(ch) != ch)
    simplified = sum(1 for ch in chars if to_traditional(ch) != ch)
    if traditional == simplified:
        return "", 0.5
    share = max(traditional, simplified) / (traditional + simplified)
    return ("zh-Hant" if traditional > simplified else "zh-Hans"), round(share, 6)


def _han_language(text: str, guesses: list[tuple[str, float]]) -> tuple[str, float]:
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff")
    kana = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff")
    if hangul:
        return "ko", round(dict(guesses).get("ko", 0.0), 6)
    if kana:
        return "ja", round(dict(guesses).get("ja", 0.0), 6)
    variant, confidence = chinese_variant(text)
    if variant:
        return variant, confidence
    # Every character exists in both standards: langdetect's zh-tw/zh-cn is the only hint.
    for lang, _ in guesses:
        if lang in ("zh-tw", "zh-cn"):
            return ("zh-Hant" if lang == "zh-tw" else "zh-Hans"), 0.5
    return "zh-Hans", 0.5


def _is_word_letter(ch: str) -> bool:
    """A letter of some script that is not a numeral: 一二三 and Ⅻ are numbers, and a
    passage of numbers alone is in no language, whatever script its numerals are in."""
    return bool(char_script(ch)) and unicodedata.numeric(ch, None) is None


def detect_language(text: str, settings: DetectSettings) -> tuple[str, float]:
    """(language, probability) for one text.

    language is fa | en | zh-Hant | zh-Hans | another langdetect code | "und" (no letters:
    empty, digits and numerals of any script, symbols). For Arabic-script text the probability is langdetect's mass
    on the Arabic-script languages (fa vs ar is then decided by letters and function
    words); for Chinese it is the share of variant-telling characters that agree, 0.5
    when none tell (then langdetect's zh-tw/zh-cn decides, else zh-Hans, and
    detect_passages lets the neighbours decide).
    """
    if not any(_is_word_letter(ch) for ch in text):
        return UNDETERMINED, 0.0
    script = script_of(text)
    guesses = _langdetect(text, settings.seed)
    if script == "arabic":
        return _persian_or_arabic(text, guesses)
    if script == "han":
        return _han_language(text, guesses)
    if not guesses:
        return UNDETERMINED, 0.0
    lang, prob = guesses[0]
    return {"zh-tw": "zh-Hant", "zh-cn": "zh-Hans"}.get(lang, lang), round(prob, 6)


# --- passages -----------------------------------------------------------------------

_LANG_SCRIPT = {"fa": "arabic", "ar": "arabic", "ur": "arabic", "zh-Hant": "han",
                "zh-Hans": "han", "ja": "han", "ko": "other"}


def _lang_script(lang: str) -> str:
    return _LANG_SCRIPT.get(lang, "latin")


def _letter_count(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


# langdetect's n-gram statistics are unreliable on short Latin text ("technologies." ->
# fr): below this many times min_chars, or below this probability, its guess only stands
# when no neighbour of the same script says otherwise.
_SHORT_LATIN_FACTOR = 4
_SURE_PROBABILITY = 0.9


def _strength(text: str, script: str, lang: str, prob: float, settings: DetectSettings) -> int:
    """2: an anchor for its neighbours; 1: sure enough of itself, not of others; 0: neither."""
    if lang == UNDETERMINED:
        return 0
    if lang.startswith("zh-"):
        # OpenCC evidence does not weaken with length the way n-gram statistics do:
        # one Traditional-only character is enough, none at all is not.
        return 2 if prob > 0.5 else 0
    size = _letter_count(text)
    if size < settings.min_chars:
        return 0
    if script in ("arabic", "han"):  # decided by script evidence, not by n-grams alone
        return 2
    sure = size >= _SHORT_LATIN_FACTOR * settings.min_chars and prob >= _SURE_PROBABILITY
    return 2 if sure else 1


# A short Latin passage in a language that no other passage of the document is sure of,
# while other Latin passages are, is more often an n-gram accident than a real switch
# (an English keyword list read as Afrikaans); it then follows its neighbours.
_STRAY_FACTOR = 20


def _demote_stray_anchors(passages, guesses, strength, settings: DetectSettings) -> list[int]:
    """Strength 1 for lone Latin anchors shorter than _STRAY_FACTOR x min_chars."""
    latin = [i for i, ((lang, _), level) in enumerate(zip(guesses, strength))
             if level == 2 and _lang_script(lang) == "latin"]
    sure_of: Counter = Counter(guesses[i][0] for i in latin)
    demoted = list(strength)
    for i in latin:
        lone = sure_of[guesses[i][0]] == 1 and len(sure_of) > 1
        if lone and _letter_count(passages[i].text) < _STRAY_FACTOR * settings.min_chars:
            demoted[i] = 1
    return demoted


def detect_passages(passages: list[Passage], settings: DetectSettings) -> list[Passage]:
    """New passages with lang, lang_prob and run filled in.

    Anchors are passages whose language is sure: at least settings.min_chars non-space
    characters for Persian, 4 x min_chars and a langdetect probability of 0.9 for
    Latin-script text (langdetect misreads short lines), and for Chinese any passage whose characters tell the variant. Every other
    passage takes the language of its nearest anchor written in the same script, the
    next one first (a short heading introduces what follows: "Abstract" before the
    English abstract of a Persian paper); without one, the most common anchor language
    of that script in the document; without that, its own guess. "und" passages (page
    numbers, symbols) join the run they sit in, the previous anchor first. lang_prob is
    0.0 when the language came from elsewhere.
    """
    guesses = [detect_language(p.text, settings) for p in passages]
    scripts = [script_of(p.text) for p in passages]
    strength = [_strength(p.text, script, lang, prob, settings)
                for p, script, (lang, prob) in zip(passages, scripts, guesses)]
    strength = _demote_stray_anchors(passages, guesses, strength, settings)
    anchor = [s == 2 for s in strength]
    by_script: dict[str, Counter] = {}
    for level in (2, 1):  # anchors; passages sure of themselves for scripts without anchors
        covered = set(by_script)
        for i, (lang, _) in enumerate(guesses):
            script = _lang_script(lang)
            if strength[i] == level and script not in covered:
                by_script.setdefault(script, Counter())[lang] += _letter_count(passages[i].text)

    # The nearest anchor before and after each passage, in one pass each way: a document of
    # many passages and few anchors (a long table of numbers) stays linear.
    before_of: list[int | None] = []
    last = None
    for i in range(len(passages)):
        before_of.append(last)
        last = i if anchor[i] else last
    after_of: list[int | None] = [None] * len(passages)
    last = None
    for i in reversed(range(len(passages))):
        after_of[i] = last
        last = i if anchor[i] else last

    langs = []
    for i, passage in enumerate(passages):
        lang, prob = guesses[i]
        if not anchor[i]:
            before, after = before_of[i], after_of[i]
            if lang == UNDETERMINED:
                chosen = [guesses[j][0] for j in (before, after) if j is not None]
            else:
                chosen = [guesses[j][0] for j in (after, before)
                          if j is not None and _lang_script(guesses[j][0]) == scripts[i]]
                common = by_script.get(scripts[i])
                if common:
                    chosen.append(max(sorted(common), key=common.__getitem__))
            if chosen:
                prob = prob if chosen[0] == lang else 0.0
                lang = chosen[0]
        langs.append((lang, prob))

    result, run = [], 0
    for i, (passage, (lang, prob)) in enumerate(zip(passages, langs)):
        if i and lang != langs[i - 1][0]:
            run += 1
        result.append(dataclasses.replace(passage, lang=lang, lang_prob=prob, run=run))
    return result


# Notes, references and page furniture do not say what language a document is written in:
# a Chinese paper's footnotes may cite English titles at length.
_APPARATUS = frozenset({"footnote", "reference", "header", "footer", "page_number"})


def _shares(passages: list[Passage]) -> list[tuple[str, float]]:
    sizes = Counter()
    body = [p for p in passages if p.kind not in _APPARATUS and p.lang and p.lang != UNDETERMINED]
    for passage in body or passages:
        if passage.lang and passage.lang != UNDETERMINED:
            sizes[passage.lang] += _letter_count(passage.text)
    total = sum(sizes.values())
    if not total:
        return []
    return sorted(((lang, n / total) for lang, n in sizes.items()), key=lambda s: (-s[1], s[0]))


def document_language(passages: list[Passage]) -> str:
    """The language with the most non-space characters; "und" if no passage has one."""
    shares = _shares(passages)
    return shares[0][0] if shares else UNDETERMINED


def document_languages(passages: list[Passage], min_share: float = 0.05) -> list[str]:
    """Languages holding more than min_share of the characters, largest share first."""
    return [lang for lang, share in _shares(passages) if share > min_share]
