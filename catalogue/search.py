"""Ranked search of the item list that understands how people write Chinese.

The page (`/items/?q=`) and the API (`/api/v1/items/?q=`) both come here through
`selectors.search_items`. How it works, in four steps (the reasons are in docs/catalogue.md, "Search"):

1. The query is normalised (NFKC: full-width letters, digits and spaces become half-width; lower
   case), split into words at spaces and punctuation, and filler words (怎么, 如何, 办理…) are
   dropped: "社保卡　怎么补办？" is the two words 社保卡 and 补办.
2. Each word is expanded through the synonym table admins edit (`SearchSynonym`): 社保卡补办 is also
   looked for as 社会保障卡补办, 社会保障卡补领… (every combination of the terms it contains).
3. An item's texts (name, result, scenario without its "不受…限制" boilerplate) and each form of
   the word are cut into overlapping character pairs (bigrams: 社会保障卡 → 社会 会保 保障 障卡). A pair
   weighs by its rarity in the catalogue (inverse document frequency): 申请 or 异地, which nearly
   every item has, count for little; 公积 counts for much. A pair no item has weighs like a fairly
   rare one, so a word made mostly of unknown pairs (护照) finds nothing rather than everything.
4. A word matches an item when the pairs they share carry at least MATCH_SHARE of the word's weight,
   or when the whole word is in the name of the item's lead department (公安, 人力资源社会保障).
   Its score is the weighted share found in the name (1), the result (0.6) and the scenario (0.5),
   plus a bonus when the whole form is in the name, most for a short name (0.3 for a department
   match). Every word of the query must match (as before, words separated by spaces narrow the
   search); the scores add up; the best item comes first, ties keep the list's order.

The index over the items is built in Python in a few milliseconds and kept per process until an
item, its department or a synonym changes (the catalogue version tells, without a query).
"""

import itertools
import math
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from .models import SearchSynonym, ServiceItem

# What each text of an item is worth when a query word is found in it.
FIELD_WEIGHTS = (("name", 1.0), ("result", 0.6), ("scenario", 0.5))
DEPARTMENT_SCORE = 0.3  # the whole word is (in) the name of the item's lead department
MATCH_SHARE = 0.55  # a word matches an item that has more than half of its weight (see docs)
NAME_BONUS = 0.5  # the whole word (or a synonym of it) appears in the item's name…
SHORT_NAME_BONUS = 0.2  # …times how much of the name it covers: 社会保障卡 → 社会保障卡申领 first
TEXT_BONUS = 0.2  # the whole word appears in another text of the item
UNKNOWN_PAIR_SHARE = 0.03  # a pair no item has weighs like one this share of the items have
MAX_FORMS = 64  # forms of one word looked for (a word with many synonym terms multiplies them)
# Said by people, never by the list: dropped from a query unless nothing else is left.
FILLERS = (
    "怎么办理",
    "如何办理",
    "怎样办理",
    "怎么办",
    "怎么",
    "如何",
    "怎样",
    "我要",
    "我想",
    "想要",
    "需要",
    "办理",
    "在哪里",
    "在哪儿",
    "在哪",
    "哪里",
    "去哪",
    "手续",
    "流程",
    "什么",
    "可以",
    "能不能",
    "能否",
    "一下",
    "的",
    "吗",
    "呢",
)
FILLER_PATTERN = re.compile("|".join(map(re.escape, FILLERS)))
NOT_A_WORD = re.compile(r"[\W_]+")
# Nearly every scenario ends "…，不受户籍地限制。": it says what an item does NOT depend on, so it
# is left out of the index (户口 must not find every item "not restricted to the 户籍地").
BOILERPLATE = re.compile(r"不受[^，。；,;]*?限制")
EXPANSION_SEPARATORS = re.compile(r"[/|,;、，；\n]+")


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case: what people paste is compared as what they mean."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def compact(text: str) -> str:
    """Normalised, without spaces or punctuation: the form terms and item texts are compared in."""
    return NOT_A_WORD.sub("", normalise(text))


def split_expansions(text: str) -> list[str]:
    """The expansions of a synonym as a list, in their order, without blanks or repeats."""
    words = (compact(part) for part in EXPANSION_SEPARATORS.split(normalise(text)))
    return list(dict.fromkeys(word for word in words if word))


def query_words(q: str) -> list[str]:
    """The words of a query: split at spaces and punctuation, fillers dropped (unless that empties it)."""
    words = []
    for raw in NOT_A_WORD.split(normalise(q)):
        if raw:
            words.append(FILLER_PATTERN.sub("", raw) or raw)
    return list(dict.fromkeys(words))


def grams(text: str) -> set[str]:
    """Overlapping character pairs of a compact text; a single character stands for itself."""
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


@dataclass
class Document:
    item_id: int
    texts: dict[str, str]  # compact texts by field
    field_grams: dict[str, set[str]]  # pairs of the texts matched pair by pair (not the department)
    grams: set[str]  # all of those


@dataclass
class Index:
    documents: list[Document]
    idf: dict[str, float]
    unknown_weight: float
    postings: dict[str, list[int]]  # pair → positions in documents
    synonyms: dict[str, list[str]]
    longest_term: int

    def weight(self, gram: str) -> float:
        return self.idf.get(gram, self.unknown_weight)


def build_index() -> Index:
    """Fetch the searchable texts of all items (one query) and the synonyms (one), and index them.

    Drafts are indexed too (staff search them); `selectors.search_items` keeps only what the caller
    may see.
    """
    rows = ServiceItem.objects.order_by("batch", "seq").values_list(
        "id", "name", "result_name", "scenario", "lead_department__name", "lead_department__full_name"
    )
    documents = []
    for item_id, name, result, scenario, department, department_full in rows:
        texts = {
            "name": compact(name),
            "result": compact(result),
            "scenario": compact(BOILERPLATE.sub("", scenario)),
            "department": compact(f"{department} {department_full}"),
        }
        field_grams = {key: grams(texts[key]) for key, _weight in FIELD_WEIGHTS}
        documents.append(Document(item_id, texts, field_grams, set().union(*field_grams.values())))
    frequency = defaultdict(int)
    postings = defaultdict(list)
    for position, document in enumerate(documents):
        for gram in document.grams:
            frequency[gram] += 1
            postings[gram].append(position)
    total = len(documents)
    synonyms = {}
    for term, expansions in SearchSynonym.objects.values_list("term", "expansions"):
        words = [word for word in split_expansions(expansions) if word != compact(term)]
        if compact(term) and words:
            synonyms[compact(term)] = words
    return Index(
        documents=documents,
        idf={gram: bm25_idf(total, count) for gram, count in frequency.items()},
        # A pair no item has weighs like a fairly rare one: a word made of unknown pairs (护照)
        # finds nothing, yet one unknown pair where two words meet (医保|异地) does not sink a match.
        unknown_weight=bm25_idf(total, max(1, round(UNKNOWN_PAIR_SHARE * total))),
        postings=dict(postings),
        synonyms=synonyms,
        longest_term=max(map(len, synonyms), default=0),
    )


def bm25_idf(total: int, count: int) -> float:
    """How much a pair that `count` of `total` items have tells (BM25's inverse document frequency)."""
    return math.log(1 + (total - count + 0.5) / (count + 0.5))


_lock = threading.Lock()
_cached: tuple[str, Index] | None = None


def index_stamp() -> str:
    """The catalogue version (catalogue/cache.py): every write of an item, department or synonym
    changes it, so no query tells whether the index is current."""
    from .cache import local_version

    return local_version()


def current_index() -> Index:
    """The index of the items as they are now: built again only after a change (see index_stamp)."""
    global _cached
    stamp = index_stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        index = build_index()
        _cached = (stamp, index)
    return index


def word_forms(word: str, index: Index) -> list[str]:
    """The word and its synonym forms: each synonym term it contains (longest first, left to right)
    replaced by each of its expansions, in every combination (at most MAX_FORMS)."""
    pieces: list[list[str]] = []
    start = 0
    plain = ""
    while start < len(word):
        for length in range(min(index.longest_term, len(word) - start), 1, -1):
            term = word[start : start + length]
            if term in index.synonyms:
                if plain:
                    pieces.append([plain])
                    plain = ""
                pieces.append([term, *index.synonyms[term]])
                start += length
                break
        else:
            plain += word[start]
            start += 1
    if plain:
        pieces.append([plain])
    forms = ("".join(choice) for choice in itertools.product(*pieces))
    return list(dict.fromkeys(itertools.islice(forms, MAX_FORMS)))


@dataclass
class Form:
    text: str
    weights: dict[str, float]  # pair → weight
    total: float


def score_word(forms: list[Form], document: Document) -> float | None:
    """The best score of any form of the word in the item, or None if no form matches it."""
    best = None
    name = document.texts["name"]
    for form in forms:
        found = sum(weight for gram, weight in form.weights.items() if gram in document.grams)
        if found >= MATCH_SHARE * form.total:
            weighted = sum(
                weight
                * max((share for key, share in FIELD_WEIGHTS if gram in document.field_grams[key]), default=0)
                for gram, weight in form.weights.items()
            )
            score = weighted / form.total
            if form.text in name:
                score += NAME_BONUS + SHORT_NAME_BONUS * len(form.text) / len(name)
            elif form.text in document.texts["scenario"] or form.text in document.texts["result"]:
                score += TEXT_BONUS
        elif form.text in document.texts["department"]:
            # Only the whole word: 社会保障卡 must not find every item of 人力资源社会保障部.
            score = DEPARTMENT_SCORE
        else:
            continue
        if best is None or score > best:
            best = score
    return best


def rank(q: str, index: Index | None = None) -> list[tuple[int, float]] | None:
    """Item ids matching every word of `q` with their scores, best first; None if `q` has no word."""
    words = query_words(q)
    if not words:
        return None
    index = index or current_index()
    totals: dict[int, float] | None = None
    for word in words:
        forms = []
        candidates = set()
        for text in word_forms(word, index):
            weights = {gram: index.weight(gram) for gram in grams(text)}
            forms.append(Form(text, weights, sum(weights.values())))
            for gram in weights:
                candidates.update(index.postings.get(gram, ()))
            candidates.update(
                position
                for position, document in enumerate(index.documents)
                if text in document.texts["department"]
            )
        if totals is not None:
            candidates &= set(totals)
        scores = {}
        for position in candidates:
            score = score_word(forms, index.documents[position])
            if score is not None:
                scores[position] = score
        totals = scores if totals is None else {key: totals[key] + value for key, value in scores.items()}
        if not totals:
            return []
    ordered = sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))  # ties: the list's order
    return [(index.documents[position].item_id, score) for position, score in ordered]
