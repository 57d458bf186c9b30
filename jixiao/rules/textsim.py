"""Ranking documents by words: BM25 for searching the 指标库, TF-IDF cosine for finding similar projects.

Pure: documents come in as (id, words) pairs already segmented (segmentation with jieba lives in
`jixiao.goals.library`), so the ranking can be tested with plain lists. Both indexes keep postings
(word → documents), so a query touches only the documents that share a word with it.
"""

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

# Punctuation and spacing that do not change what an indicator is (「（ 学生）资助覆盖率 」).
_NOISE = re.compile(r"[\s()\[\]{}<>《》“”\"'‘’、，,。.;；:：·\-—_/]+")


def normalise_name(name: str) -> str:
    """An indicator name as compared across projects: full-width folded (NFKC), lower case, without
    spaces and punctuation, so 「资助覆盖率（%）」 and 「资助覆盖率(%)」 are the same indicator."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", name)).lower()


class Bm25:
    """Okapi BM25 over word lists; `k1` and `b` are the usual defaults."""

    def __init__(self, docs: Iterable[tuple[int, Sequence[str]]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: dict[int, int] = {}
        for doc_id, words in docs:
            self.lengths[doc_id] = len(words)
            for word, tf in Counter(words).items():
                self.postings[word].append((doc_id, tf))
        n = len(self.lengths)
        self.avg_length = (sum(self.lengths.values()) / n) if n else 0.0
        # The non-negative idf variant: a word found in most entries still counts a little, never against.
        self.idf = {w: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for w, p in self.postings.items()}

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """Score of every document sharing at least one word with the query (each query word once)."""
        out: dict[int, float] = defaultdict(float)
        avg = self.avg_length or 1.0
        for word in dict.fromkeys(query):
            idf = self.idf.get(word)
            if idf is None:
                continue
            for doc_id, tf in self.postings[word]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc_id] / avg)
                out[doc_id] += idf * tf * (self.k1 + 1) / (tf + norm)
        return dict(out)


class TfIdfCosine:
    """Cosine similarity of TF-IDF vectors (sublinear tf, smoothed idf), vectors normalised once.

    Words that more than `max_df` of the documents share (boilerplate such as the county's name in
    every project name) tell documents apart little and would make every query touch every document:
    they are left out, once the collection has at least `min_docs` documents (in a small one a shared
    word may be the only link)."""

    def __init__(self, docs: Iterable[tuple[int, Sequence[str]]], *, max_df: float = 0.5, min_docs: int = 100) -> None:
        counts = [(doc_id, Counter(words)) for doc_id, words in docs]
        n = len(counts)
        df: Counter[str] = Counter()
        for _, c in counts:
            df.update(c.keys())
        common = max_df * n if n >= min_docs else n
        self.idf = {w: math.log((1 + n) / (1 + d)) + 1 for w, d in df.items() if d <= common}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc_id, c in counts:
            vector = self._weights(c)
            for word, weight in vector.items():
                self.postings[word].append((doc_id, weight))

    def _weights(self, counts: Counter[str]) -> dict[str, float]:
        raw = {w: (1 + math.log(tf)) * self.idf[w] for w, tf in counts.items() if w in self.idf}
        length = math.sqrt(sum(v * v for v in raw.values()))
        return {w: v / length for w, v in raw.items()} if length else {}

    def similar(self, words: Sequence[str]) -> dict[int, float]:
        """Cosine between the words (weighted with this index's idf) and every document sharing a word."""
        out: dict[int, float] = defaultdict(float)
        for word, weight in self._weights(Counter(words)).items():
            for doc_id, doc_weight in self.postings[word]:
                out[doc_id] += weight * doc_weight
        return dict(out)
