"""Chinese full-text search over the published catalogue.

Terms are computed once per item version at publication (``document_terms``: jieba
words, character bigrams, pinyin and pinyin initials) and stored in SearchDocument.
Each process holds an inverted index built from those rows and rebuilt when the
catalogue revision changes; scoring happens in Python, so SQLite and PostgreSQL give
identical results and the ranking does not depend on a database extension.

A term's postings are stored split by field weight (six weights, so few classes per
term), and a query is scored class by class with set operations rather than item by
item: a word found in 5,000 items costs a few set intersections, not 5,000 additions
(see search(); search_exhaustive() is the item-by-item reference it is tested against).

Tolerance for a citizen's typing:
- pinyin of the whole query matches pinyin of names, so a wrong character with the
  right sound (营业职照) still finds 营业执照; initials (yyzz) and prefixes (yingye) too;
- character bigrams match partial or differently segmented words;
- a term found nowhere is looked up fuzzily (edit distance) in the vocabulary.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

from govhall.catalog import identifiers
from govhall.core import rows

jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise

# Weight of a match in each field: the name decides, aliases nearly so.
FIELD_WEIGHTS = {
    "name": 10.0,
    "alias": 8.0,
    "result": 4.0,
    "material": 2.5,
    "department": 2.0,
    "condition": 1.0,
}
_STOP = set("的了和与及或在为是对于由把被向等其之以及、，。；：（）()《》“”\"' ")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def _bigrams(chunk: str) -> list[str]:
    return [chunk[i : i + 2] for i in range(len(chunk) - 1)]


def text_terms(text: str) -> set[str]:
    """Words (jieba, search mode), single CJK characters are dropped unless alone, plus bigrams."""
    text = normalize(text)
    terms: set[str] = set()
    for chunk in _WORD.findall(text):
        if not _CJK.match(chunk):
            terms.add(chunk)
            continue
        if len(chunk) == 1:
            terms.add(chunk)
            continue
        terms.update(w for w in jieba.cut_for_search(chunk) if len(w) > 1 and w not in _STOP)
        terms.update(_bigrams(chunk))
    return terms


def pinyin_terms(text: str) -> set[str]:
    """Full pinyin and initials of the whole text and of each word: 营业执照 -> yingyezhizhao, yyzz."""
    out: set[str] = set()
    for chunk in _CJK_RUNS.findall(normalize(text)):
        for piece in {chunk, *[w for w in jieba.cut(chunk) if len(w) > 1]}:
            syllables = lazy_pinyin(piece)
            out.add("py:" + "".join(syllables))
            out.add("in:" + "".join(lazy_pinyin(piece, style=Style.FIRST_LETTER)))
    return out


_CJK_RUNS = re.compile(r"[\u4e00-\u9fff]{2,}")


def document_terms(item) -> dict[str, list[str]]:
    """The stored search document of one item version: field -> sorted terms."""
    fields: dict[str, set[str]] = {
        "name": text_terms(item.name) | pinyin_terms(item.name),
        "alias": set(),
        "result": text_terms(item.result_name) | pinyin_terms(item.result_name),
        "material": set(),
        "department": text_terms(item.department.name),
        "condition": text_terms(item.conditions),
    }
    for alias in item.alias_list:
        fields["alias"] |= text_terms(alias) | pinyin_terms(alias)
    for material in item.materials.all():
        fields["material"] |= text_terms(material.name)
    return {key: sorted(value) for key, value in fields.items()}


@dataclass(frozen=True)
class DepartmentRef:
    id: int
    code: str
    name: str


@dataclass
class Doc:
    """One published item in the index. It carries what a result list shows, with the
    same attribute names as ServiceItem, so a results page needs no database row."""

    item_id: int
    code: str
    name: str
    name_keys: list[str]  # normalized name and aliases, for the name-match bonus
    department: DepartmentRef
    applicant_type: str
    kind: str
    topic_ids: frozenset[int]
    lists: frozenset[str]  # the public lists (四办清单) the item is on
    base_code: str = ""
    version: int = 1
    is_instant: bool = False
    online_depth: str = ""
    max_visits: int = 1
    promised_days: int = 0
    statutory_days: int = 0
    deferral_allowed: bool = False
    commitment_allowed: bool = False
    # the name keys joined by NUL, so the name-match bonus is three substring tests
    name_blob: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not any("\x00" in key for key in self.name_keys):
            self.name_blob = "\x00" + "\x00".join(self.name_keys) + "\x00"

    @property
    def department_id(self) -> int:
        return self.department.id

    def get_kind_display(self) -> str:
        from govhall.catalog.models import ItemKind

        return ItemKind(self.kind).label

    def get_online_depth_display(self) -> str:
        from govhall.catalog.models import OnlineDepth

        return OnlineDepth(self.online_depth).label


# A term's postings, split by the field weight they carry: (weight, positions), heaviest
# first. Only six weights exist, so an item's score for a query takes few distinct values,
# and whole classes of items can be scored at once with set operations (see search()).
Postings = tuple[tuple[float, frozenset[int]], ...]


@dataclass
class Index:
    revision: int
    docs: list[Doc] = field(default_factory=list)
    postings: dict[str, Postings] = field(default_factory=dict)  # term -> weight classes
    idfs: dict[str, float] = field(default_factory=dict)  # term -> idf, computed once per revision
    pinyin_vocab: list[str] = field(default_factory=list)  # sorted, for prefix lookups
    terms_by_char: dict[str, list[str]] = field(default_factory=dict)  # CJK character -> words holding it
    facets: dict[tuple[str, object], frozenset[int]] = field(default_factory=dict)  # filter value -> positions
    codes: dict[str, frozenset[int]] = field(default_factory=dict)  # code or code part -> positions

    def idf(self, term: str) -> float:
        idf = self.idfs.get(term)
        if idf is None:
            idf = math.log(1 + len(self.docs) / 1)
        return idf

    def weights(self, term: str) -> dict[int, float]:
        """position -> field weight of one term (for the exhaustive scorer and tests)."""
        return {position: weight for weight, members in self.postings.get(term, ()) for position in members}


def build_index(revision: int, rows) -> Index:
    """rows: iterable of (Doc, terms dict) in a stable order (by code)."""
    index = Index(revision=revision)
    postings: dict[str, dict[int, float]] = defaultdict(dict)
    for position, (doc, terms) in enumerate(rows):
        index.docs.append(doc)
        for field_name, field_terms in terms.items():
            weight = FIELD_WEIGHTS[field_name]
            for term in field_terms:
                if postings[term].get(position, 0) < weight:
                    postings[term][position] = weight
    n_docs = len(index.docs)
    # Words that always occur together (营业 and 执照) have the same classes: stored once.
    # (A frozenset copied from a set gets a table sized for its contents; from a list, up
    # to twice that.)
    shared: dict[frozenset[int], frozenset[int]] = {}
    for term, by_position in postings.items():
        by_weight: dict[float, list[int]] = defaultdict(list)
        for position, weight in by_position.items():
            by_weight[weight].append(position)
        index.postings[term] = tuple(
            (w, shared.setdefault(members := frozenset(set(by_weight[w])), members))
            for w in sorted(by_weight, reverse=True)
        )
        index.idfs[term] = math.log(1 + n_docs / (1 + len(by_position)))
    index.pinyin_vocab = sorted(t for t in index.postings if t.startswith(("py:", "in:")))
    by_char: dict[str, list[str]] = defaultdict(list)
    for term in sorted(t for t in index.postings if not t.startswith(("py:", "in:"))):
        for char in set(term):
            by_char[char].append(term)
    index.terms_by_char = dict(by_char)
    facets: dict[tuple[str, object], set[int]] = defaultdict(set)
    for position, doc in enumerate(index.docs):
        facets["department", doc.department_id].add(position)
        facets["applicant_type", doc.applicant_type].add(position)
        facets["kind", doc.kind].add(position)
        for topic_id in doc.topic_ids:
            facets["topic", topic_id].add(position)
        for name in doc.lists:
            facets["list", name].add(position)
    index.facets = {key: frozenset(members) for key, members in facets.items()}  # (copies: compact tables)
    codes: dict[str, set[int]] = defaultdict(set)
    for position, doc in enumerate(index.docs):
        for key in identifiers.lookup_keys(doc.code, doc.base_code):
            codes[key].add(position)
    index.codes = {key: frozenset(members) for key, members in codes.items()}
    return index


def code_positions(index: Index, code: str) -> frozenset[int]:
    """The items a code names: a whole implementation code, a basic code, or a national code's
    region code or implementing agency's credit code (identifiers.lookup_keys); case and
    full-width characters do not matter."""
    return index.codes.get(unicodedata.normalize("NFKC", code or "").strip().upper(), frozenset())


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    applicant_type: str | None = None  # natural / legal
    kind: str | None = None
    topic_id: int | None = None
    public_list: str | None = None
    positions: frozenset[int] | None = None  # only these (the items a code names)

    def accepts(self, doc: Doc, position: int | None = None) -> bool:
        if self.positions is not None and position not in self.positions:
            return False
        if self.public_list and self.public_list not in doc.lists:
            return False
        if self.department_id is not None and doc.department_id != self.department_id:
            return False
        if self.applicant_type and doc.applicant_type not in (self.applicant_type, "both"):
            return False
        if self.kind and doc.kind != self.kind:
            return False
        return self.topic_id is None or self.topic_id in doc.topic_ids

    def allowed(self, index: Index) -> list[frozenset[int]]:
        """The positions each active filter accepts (their intersection is what accepts() accepts)."""
        empty: frozenset[int] = frozenset()
        out = []
        if self.positions is not None:
            out.append(self.positions)
        if self.public_list:
            out.append(index.facets.get(("list", self.public_list), empty))
        if self.department_id is not None:
            out.append(index.facets.get(("department", self.department_id), empty))
        if self.applicant_type:
            out.append(
                index.facets.get(("applicant_type", self.applicant_type), empty)
                | index.facets.get(("applicant_type", "both"), empty)
            )
        if self.kind:
            out.append(index.facets.get(("kind", self.kind), empty))
        if self.topic_id is not None:
            out.append(index.facets.get(("topic", self.topic_id), empty))
        return out


def _prefix_matches(vocab: list[str], prefix: str, limit: int = 50) -> list[str]:
    start = bisect.bisect_left(vocab, prefix)
    out = []
    for term in vocab[start : start + limit]:
        if not term.startswith(prefix):
            break
        out.append(term)
    return out


def _segments(chunk: str) -> list[str]:
    """jieba's words of a CJK run, with runs of single characters kept together (结昏 in
    结昏登记 is a typo jieba splits into letters; together they still sound like 结婚)."""
    out: list[str] = []
    singles = ""
    for word in jieba.cut(chunk):
        if len(word) == 1:
            singles += word
            continue
        if singles:
            out.append(singles)
            singles = ""
        if word not in _STOP:
            out.append(word)
    if singles:
        out.append(singles)
    return [w for w in out if w not in _STOP] or [chunk]


def _query_groups(index: Index, query: str) -> list[list[tuple[str, float]]]:
    """The query as groups of alternative terms with a quality factor (1 = exact).

    An item's score sums, per group, the best of its alternatives; coverage counts
    the groups an item matched.
    """
    groups: list[list[tuple[str, float]]] = []
    for chunk in _WORD.findall(query):
        if _CJK.match(chunk):
            chunk_groups = []
            all_exact = True
            for word in dict.fromkeys(_segments(chunk)):
                alternatives = [(word, 1.0)] if word in index.postings else []
                if not alternatives:
                    alternatives = [(b, 0.6) for b in _bigrams(word) if b in index.postings]
                if not alternatives and len(word) >= 2:
                    # edit distance only against words sharing a character: cheap, and still
                    # catches a dropped, doubled or swapped character
                    candidates = sorted({t for c in set(word) for t in index.terms_by_char.get(c, ())})
                    alternatives = [
                        (term, 0.5 * score / 100)
                        for term, score, _ in process.extract(
                            word, candidates, scorer=fuzz.ratio, score_cutoff=66, limit=3
                        )
                    ]
                exact = bool(alternatives) and alternatives[0] == (word, 1.0)
                if not exact:
                    # same sound, other characters (a pinyin-IME typo): match by the word's pinyin.
                    # Not needed when the word itself is known: its sound matches a subset of the
                    # same names at a lower quality.
                    sound = "py:" + "".join(lazy_pinyin(word))
                    if sound in index.postings:
                        alternatives.append((sound, 0.8))
                chunk_groups.append(alternatives)
                all_exact = all_exact and exact
            whole_sound = "" if all_exact or len(chunk) < 2 else "py:" + "".join(lazy_pinyin(chunk))
            if whole_sound and whole_sound in index.postings:
                # the whole query sounds like a name: every part counts as matched there
                for alternatives in chunk_groups:
                    alternatives.append((whole_sound, 0.9))
            groups.extend(chunk_groups)
        else:
            alternatives = []
            for prefix, exact_quality in (("py:", 1.0), ("in:", 0.9)):
                term = prefix + chunk
                if term in index.postings:
                    alternatives.append((term, exact_quality))
                if len(chunk) >= 2:
                    for match in _prefix_matches(index.pinyin_vocab, term):
                        if match != term:
                            alternatives.append((match, 0.75 * exact_quality * len(chunk) / (len(match) - 3)))
            if chunk in index.postings:
                alternatives.append((chunk, 1.0))
            if not alternatives and len(chunk) >= 4:
                # a pinyin slip rarely touches the first two letters: compare within that range
                candidates = _prefix_matches(index.pinyin_vocab, "py:" + chunk[:2], limit=5000)
                alternatives = [
                    (term, 0.5 * score / 100)
                    for term, score, _ in process.extract(
                        "py:" + chunk, candidates, scorer=fuzz.ratio, score_cutoff=80, limit=5
                    )
                ]
            groups.append(alternatives)
    return groups


BONUS_WINDOW = 200  # candidates that get the name-match bonus; see search()
MAX_SPLITS = 600  # set operations the class scorer may spend before handing over to per-item scoring


@dataclass
class Result:
    """Ranked item ids, sorted lazily: most searches only ever read the first page."""

    total: int
    _top: list[int]
    _rest: list[tuple[float, Iterable[int]]]  # (score, positions) beyond the bonus window, unsorted
    _index: Index

    def docs(self, start: int, stop: int) -> list[Doc]:
        if stop > len(self._top) and self._rest:
            self._top += [p for _, p in sorted((-score, p) for score, positions in self._rest for p in positions)]
            self._rest = []
        return [self._index.docs[p] for p in self._top[start:stop]]

    def ids(self, start: int, stop: int) -> list[int]:
        return [doc.item_id for doc in self.docs(start, stop)]


def search(index: Index, query: str, filters: Filters = Filters()) -> Result:
    """Item ids, best match first (ties broken by code, so every database agrees).

    An item's score: per query group, the best of its alternatives (field weight × idf ×
    quality), summed over groups, times the square of the share of groups matched. Items
    are not scored one by one: a term's postings are split by field weight, so a group
    splits the candidates into a few classes of equal value, and intersecting the groups'
    classes gives classes of items with equal score. Only the classes are scored, only the
    best BONUS_WINDOW items are sorted, the rest is sorted when a later page asks for it.
    The arithmetic is the per-item one (search_exhaustive), step for step, so the scores,
    and the ranking, are the same to the last bit.
    """
    query = normalize(query)
    groups = _query_groups(index, query)
    if not groups:
        return Result(0, [], [], index)
    classes = _score_classes(index, groups)
    if classes is None:  # too fragmented to be worth it: score item by item
        return search_exhaustive(index, query, filters, groups)
    allowed = filters.allowed(index) if filters != Filters() else []
    buckets: dict[float, set[int] | frozenset[int]] = {}
    for score, members in classes:
        for accepted in allowed:
            members = members & accepted
        if not members:
            continue
        same = buckets.get(score)
        buckets[score] = members if same is None else same | members
    total = sum(len(members) for members in buckets.values())
    # the best BONUS_WINDOW by (-score, position): whole classes, best first
    window: list[tuple[float, int]] = []
    rest: list[tuple[float, Iterable[int]]] = []
    for score in sorted(buckets, reverse=True):
        members = buckets[score]
        room = BONUS_WINDOW - len(window)
        if room <= 0:
            rest.append((score, members))
            continue
        first = _smallest(members, room, len(index.docs))
        window += [(-score, position) for position in first]
        if len(members) > room:
            rest.append((score, members.difference(first)))
    return _ranked(index, query, window, rest, total)


def _smallest(members: set[int] | frozenset[int], n: int, universe: int) -> list[int]:
    """The n smallest positions of a class, ascending. A large class among few items (the
    common word of a popular query) is scanned in position order, stopping after n: about
    n × universe / len(members) membership tests instead of sorting the whole class."""
    if n < len(members) and n * universe < len(members) * len(members) // 4:
        return list(itertools.islice(filter(members.__contains__, range(universe)), n))
    return sorted(members)[:n]


def _ranked(index: Index, query: str, window, rest, total: int) -> Result:
    # A name or alias that equals, starts with or contains the query gets a bonus. Such an
    # item also scores high without it (its name matches every part), so the bonus only
    # needs to be weighed inside the top window, and order outside it cannot change.
    compact = query.replace(" ", "")
    if compact and _CJK.search(compact):
        bonus = _name_bonus_of(compact)
        window = [(neg - bonus(index.docs[position]), position) for neg, position in window]
    window.sort()
    return Result(total, [p for _, p in window], rest, index)


def _group_classes(index: Index, alternatives: list[tuple[str, float]]) -> list[tuple[float, frozenset[int]]]:
    """One query group as disjoint (value, positions) classes: each candidate with the
    best value its alternatives give it."""
    pairs: list[tuple[float, frozenset[int]]] = []
    terms = 0
    for term, quality in alternatives:
        postings = index.postings.get(term)
        if not postings:
            continue
        terms += 1
        factor = index.idf(term) * quality
        pairs += [(weight * factor, members) for weight, members in postings]
    if terms <= 1:
        return pairs  # one term: its weight classes are disjoint already
    pairs.sort(key=lambda pair: pair[0], reverse=True)
    out: dict[float, frozenset[int]] = {}
    seen: set[int] = set()
    for value, members in pairs:
        new = members - seen if seen else members
        if not new:
            continue
        seen |= new
        same = out.get(value)
        out[value] = new if same is None else same | new
    return list(out.items())


def _score_classes(index: Index, groups) -> list[tuple[float, frozenset[int]]] | None:
    """(score, positions) classes covering every candidate, or None when the groups split
    the candidates into so many classes that scoring item by item is cheaper."""
    # state: (sum of the matched groups' values in group order, groups matched) -> positions
    states: dict[tuple[float, int], frozenset[int]] = {}
    covered: list[frozenset[int]] = []  # the states' positions, united when needed
    budget = MAX_SPLITS
    for alternatives in groups:
        classes = _group_classes(index, alternatives)
        if not classes:
            continue
        if not states:
            states = {(0.0 + value, 1): members for value, members in classes}
            covered = [members for _, members in classes]
            continue
        budget -= (len(states) + 1) * (len(classes) + 1)
        if budget < 0:
            return None
        new: dict[tuple[float, int], frozenset[int]] = {}

        def add(key, members, new=new):
            same = new.get(key)
            new[key] = members if same is None else same | members

        # Counting what matched spares copying a large set when nothing or all of it did.
        union = None
        seen_before = [0] * len(classes)
        for (total, matched), members in states.items():
            hits = 0
            for i, (value, group_members) in enumerate(classes):
                both = members & group_members
                if both:
                    add((total + value, matched + 1), both)
                    hits += len(both)
                    seen_before[i] += len(both)
            if hits == 0:
                add((total, matched), members)
            elif hits < len(members):
                if union is None:
                    union = frozenset().union(*(m for _, m in classes))
                add((total, matched), members - union)
        if len(covered) > 1 and any(0 < seen < len(m) for (_, m), seen in zip(classes, seen_before, strict=True)):
            covered = [frozenset().union(*covered)]
        for (value, group_members), seen in zip(classes, seen_before, strict=True):
            if seen < len(group_members):
                first = group_members - covered[0] if seen else group_members
                add((0.0 + value, 1), first)
                covered.append(first)
        states = new
    n_groups = len(groups)
    out = []
    for (score, matched), members in states.items():
        if n_groups > 1:
            # items matching every part of the query come before those matching some
            coverage = matched / n_groups
            score *= coverage * coverage
        out.append((score, members))
    return out


def search_exhaustive(index: Index, query: str, filters: Filters = Filters(), groups=None) -> Result:
    """The same ranking as search(), scoring every candidate one by one: the reference the
    class scorer is tested against, and its fallback for very fragmented queries."""
    query = normalize(query)
    if groups is None:
        groups = _query_groups(index, query)
    if not groups:
        return Result(0, [], [], index)
    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, int] = defaultdict(int)
    for alternatives in groups:
        best: dict[int, float] = {}
        for term, quality in alternatives:
            postings = index.weights(term)
            if not postings:
                continue
            factor = index.idf(term) * quality
            if not best:
                best = {position: weight * factor for position, weight in postings.items()}
                continue
            for position, weight in postings.items():
                value = weight * factor
                if value > best.get(position, 0.0):
                    best[position] = value
        for position, value in best.items():
            scores[position] += value
            matched[position] += 1
    n_groups = len(groups)
    if n_groups > 1:
        for position in scores:
            coverage = matched[position] / n_groups
            scores[position] *= coverage * coverage
    if filters != Filters():
        scores = {p: v for p, v in scores.items() if filters.accepts(index.docs[p], p)}
    ranked = [(-score, position) for position, score in scores.items()]
    window = heapq.nsmallest(BONUS_WINDOW, ranked)
    rest: list[tuple[float, Iterable[int]]] = []
    if len(window) < len(ranked):
        cut = window[-1]
        rest = [(-neg, (position,)) for neg, position in ranked if (neg, position) > cut]
    return _ranked(index, query, window, rest, len(ranked))


def _name_bonus_of(compact: str):
    """The name-match bonus for one query, as a function of a Doc."""
    if "\x00" in compact:
        return lambda doc: _name_bonus(doc, compact)
    equal, starts = f"\x00{compact}\x00", f"\x00{compact}"

    def bonus(doc: Doc) -> float:
        keys = doc.name_blob
        if keys is None:
            return _name_bonus(doc, compact)
        if compact not in keys:
            return 0.0
        if equal in keys:
            return 100.0
        if starts in keys:
            return 40.0
        return 25.0

    return bonus


def _name_bonus(doc: Doc, compact: str) -> float:
    names = doc.name_keys
    if compact in names:
        return 100.0
    if any(n.startswith(compact) for n in names):
        return 40.0
    if any(compact in n for n in names):
        return 25.0
    return 0.0


# ---------------------------------------------------------------- the per-process index


# Item attributes a result entry carries as they are (selectors.SUMMARY_FIELDS loads them).
SUMMARY_ATTRS = (
    "base_code",
    "version",
    "is_instant",
    "online_depth",
    "max_visits",
    "promised_days",
    "statutory_days",
    "deferral_allowed",
    "commitment_allowed",
)


def _doc(item) -> Doc:
    return Doc(
        item_id=item.id,
        code=item.code,
        name=item.name,
        name_keys=[normalize(n) for n in (item.name, *item.alias_list)],
        department=DepartmentRef(item.department.id, item.department.code, item.department.name),
        applicant_type=item.applicant_type,
        kind=item.kind,
        topic_ids=frozenset(t.id for t in item.topics.all()),
        lists=public_lists_of(item),
        **{f: getattr(item, f) for f in SUMMARY_ATTRS},
    )


def public_lists_of(item) -> frozenset[str]:
    """The public lists an item is on; the same rules as selectors.PUBLIC_LISTS' queries."""
    lists = set()
    if item.is_instant:
        lists.add("instant")
    if item.online_depth == "full_online":
        lists.add("online")
    if item.max_visits <= 1:
        lists.add("one-visit")
    if item.nearby:
        lists.add("nearby")
    return frozenset(lists)


_lock = threading.Lock()
_index: Index | None = None


def current_revision() -> int:
    """The catalogue revision: one single-row primary-key read, in plain SQL (it runs before
    every search, and the ORM would spend more time compiling it than the database reading it)."""
    found = rows.column(_revision_sql(), [1])
    return (found[0] if found else 0) or 0


@functools.cache
def _revision_sql() -> str:
    from govhall.catalog.models import CatalogRevision

    meta = CatalogRevision._meta
    # identifiers from the model, quoted; the only value is a parameter
    return (
        f"SELECT {rows.quote(meta.get_field('number').column)} FROM {rows.quote(meta.db_table)}"  # noqa: S608
        f" WHERE {rows.quote(meta.pk.column)} = %s"
    )


def current_index() -> Index:
    """The index for the current catalogue revision (one small query when unchanged)."""
    from govhall.catalog.models import SearchDocument

    global _index
    revision = current_revision()
    if _index is not None and _index.revision == revision:
        return _index
    with _lock:
        if _index is not None and _index.revision == revision:
            return _index
        rows = (
            SearchDocument.objects.filter(item__status="published")
            .select_related("item__department")
            .prefetch_related("item__topics")
            .order_by("item__code")
        )
        _index = build_index(
            revision,
            (
                (
                    _doc(d.item),
                    d.terms,
                )
                for d in rows.iterator(chunk_size=2000)
            ),
        )
        return _index
