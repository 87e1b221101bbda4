"""Phenomena of memorization and generalization, reproduced on a laptop: ``grokking``,
``double_descent``, ``features`` (SAM against SGD on Dominoes)."""
