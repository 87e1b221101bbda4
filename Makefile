# The two commands a fresh machine needs:
#   make demo   installs everything, then certifies a Fashion-MNIST CNN (runs/ gets the certificate)
#   make test   installs everything, then runs the test suite (what CI runs)
PY := .venv/bin/python

.PHONY: setup demo test test-slow bench clean

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/genlab certify --dataset fashion-mnist --model cnn --epochs 8 --qat-restarts 1 --out runs  # the quick variant of the recipe
	.venv/bin/genlab runs --out runs

test: setup
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

bench: setup
	$(PY) benchmarks/certify.py

clean:
	rm -rf .venv data runs .pytest_cache
