"""Offline datasets: ``load_dataset(name)`` for ``mnist``, ``fashion-mnist``, ``mnist1d``, ``digits``;
``load_corpus(name)`` for the English text corpora ``english`` and ``bible``; tokenizers (bytes, BPE, a pretrained model's own)."""

from genlab.data._dominoes import make_dominoes
from genlab.data._shift import SHIFTS, apply_shift, parse_shift
from genlab.data._datasets import Dataset, DatasetNotFoundError, available_datasets, data_dirs, load_dataset
from genlab.data._tokenize import TOKENIZERS, BPETokenizer, ByteTokenizer, HFTokenizer, load_tokenizer, make_tokenizer
from genlab.data._text import CORPORA, TextCorpus, available_corpora, check_documents, load_corpus, split_documents

__all__ = [
    "make_dominoes",
    "SHIFTS",
    "apply_shift",
    "parse_shift",
    "CORPORA",
    "TOKENIZERS",
    "BPETokenizer",
    "ByteTokenizer",
    "Dataset",
    "DatasetNotFoundError",
    "HFTokenizer",
    "TextCorpus",
    "available_corpora",
    "available_datasets",
    "check_documents",
    "data_dirs",
    "load_corpus",
    "load_dataset",
    "load_tokenizer",
    "make_tokenizer",
    "split_documents",
]
