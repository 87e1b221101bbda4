"""Benchmark: language-model certificates on the built-in English corpus (byte tokens).

Cases (each an end-to-end `certify_lm_builtin` run into the store):
- ``document``: the document-level recipe (SubLoRA on gpt-nano);
- ``token-level``: the token-level recipe;
- ``ablation-lora``, ``ablation-subspace``: the document recipe with plain LoRA / a plain
  subspace instead of SubLoRA (the SubLoRA row is ``document``); plain LoRA trains its factors
  directly, so it gets its own learning rate (0.003; QAT 0.001);
- ``size-pico``, ``size-micro``, ``size-tiny``: the document recipe on a smaller and on larger GPTs
  (gpt-nano is ``document``);
- ``pretrained-byte-document``, ``pretrained-byte-token``: the document and token-level recipes
  started from byte-gpt-nano-manuals (genlab's gpt-nano pretrained on Debian manuals that are not
  in the corpus; `genlab pretrain-lm`); its prior text is the baselines' too (a free n-gram of it);
- ``data-dependent-document``: the document recipe from a data-dependent prior: theta_0 is gpt-nano
  trained on half of the training documents (one epoch, all parameters), the bounds are on the
  other half, and the baselines get theta_0 alone and an n-gram of the same half, both free;
- ``pretrained-smollm2``: a SubLoRA fine-tune of SmolLM2-135M-Instruct (its weights are the prior;
  its own BPE tokens, so bounds in bits per token) with the pretrained recipe (lm_recipe).

Writes benchmarks/results/certify_lm.json and .md and the benchmarks/README.md table between the
``bench:certify_lm`` markers, with the unigram baseline under the same bounds beside every row,
and benchmarks/results/certify_lm.html: genlab's comparison page of the rows' runs (ablation and
size sweep as tables and plots), when their run folders are in the store.

    .venv/bin/python benchmarks/certify_lm.py                      # all cases
    .venv/bin/python benchmarks/certify_lm.py --only document      # some cases
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import replace

from _common import ROOT, previous_rows, write_results

from genlab.certify import LMCertifyResult
from genlab.recipes import certify_lm_builtin, lm_recipe
from genlab.store import RunStore

CASES = ["document", "token-level", "ablation-lora", "ablation-subspace", "size-pico", "size-micro", "size-tiny", "pretrained-byte-document", "pretrained-byte-token", "data-dependent-document", "pretrained-smollm2"]
PRETRAINED = {"pretrained-smollm2": "smollm2-135m", "pretrained-byte-document": "byte-gpt-nano-manuals", "pretrained-byte-token": "byte-gpt-nano-manuals"}
TARGETS = {"document": "document <= 5.5 (stretch 5.0)", "token-level": "token <= 3.5 (stretch 3.0)",
           "pretrained-byte-document": "document margin >= 0.5 (stretch 1.0)", "data-dependent-document": "document margin >= 0.5 (stretch 1.0)"}


def case(name: str):
    if name in PRETRAINED:
        return lm_recipe("token-level" if name.endswith(("-token", "smollm2")) else "document", PRETRAINED[name])
    if name == "token-level":
        return lm_recipe("token-level")
    size, config = lm_recipe("document")
    if name == "ablation-lora":  # Adam on the raw LoRA factors: the subspace's lr 0.1 diverges (decoded test loss 12.4 bits per byte)
        return size, replace(config, method="lora", train=replace(config.train, lr=0.003), qat=replace(config.qat, lr=0.001))
    if name == "ablation-subspace":
        return size, replace(config, method="subspace")
    if name == "data-dependent-document":
        return size, replace(config, prior="data-dependent")
    if name.startswith("size-"):
        return f"gpt-{name[5:]}", config
    return size, config


def row(name: str, size: str, r) -> dict:
    b, best = r.bounds, r.baseline["bounds"]
    per_byte = "document/loss_per_byte" in b
    out = {
        "case": name, "model": size, "tokenizer": r.tokenizer, "method": r.method, "n_parameters": r.n_parameters, "n_trained": r.n_trained,
        "subspace_dim": r.subspace_dim, "levels": r.levels, "bits_total": r.bits_total, "bits_with_alpha": r.bits_total + r.bits["alpha_choice"],
        "document_bound": b["document/loss"]["bound"], "document_form": b["document/loss"]["method"], "document_alpha": b["document/loss"]["alpha"],
        "document_empirical": b["document/loss"]["empirical"], "m_documents": b["document/loss"]["m"],
        "token_bound": b["token/loss"]["bound"], "token_alpha": b["token/loss"]["alpha"], "token_empirical": b["token/loss"]["empirical"], "m_tokens": b["token/loss"]["m"],
        "document_top1": b["document/top1"]["bound"], "document_top10": b["document/top10"]["bound"], "token_top1": b["token/top1"]["bound"], "token_top10": b["token/top10"]["bound"],
        "test_bits_per_byte": r.test.get("bits_per_byte"), "test_document_bits_per_token": r.test.get("bits_per_token"), "train_bits_per_token": r.empirical["token/loss_unsmoothed"],
        "n_documents": r.n_documents, "n_tokens": r.n_tokens, "wall_seconds": r.wall_seconds, "target": TARGETS.get(name, ""), "run_id": r.run_id,
        "subsample_seed": r.sample.get("seed"),
    }
    for key, short in (("document/loss", "document"), ("token/loss", "token"), ("document/loss_per_byte", "document_per_byte")):
        if key in best:
            out[f"baseline_{short}"] = best[key]["bound"]
            out[f"baseline_{short}_name"] = best[key]["name"]
            out[f"baseline_{short}_bits"] = r.baselines[best[key]["name"]]["bits_total"]
            out[f"margin_{short}"] = best[key]["margin"]
    if per_byte:
        out["document_bound_per_byte"] = b["document/loss_per_byte"]["bound"]
    return out


def markdown(rows: list[dict], header: str) -> str:
    f = lambda v, p=3: "" if v is None else f"{v:.{p}f}"  # noqa: E731
    lines = [header, "",
             "| case | model | method | d | bits (with alpha) | document bound | best baseline, document (bits) | margin | token bound | best baseline, token (bits) | margin | "
             "top-1 doc / token | test bits/token (doc mean) | test bits/byte | wall s | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "margin_document" not in r:
            continue  # rows measured before the fair baselines existed are kept in the JSON only
        unit = "" if r.get("tokenizer", "bytes") == "bytes" else " (bits per token)"
        lines.append(f"| {r['case']}{unit} | {r['model']} | {r['method']} | {r['subspace_dim']} | {r['bits_with_alpha']} | "
                     f"**{f(r['document_bound'])}** ({r['document_form'].replace('document_', '')}, m = {r['m_documents']:,}) | {f(r['baseline_document'])} ({r['baseline_document_name']}, {r['baseline_document_bits']}) | "
                     f"{f(r['margin_document'])} | **{f(r['token_bound'])}** (m = {r['m_tokens']:,}) | {f(r['baseline_token'])} ({r['baseline_token_name']}, {r['baseline_token_bits']}) | {f(r['margin_token'])} | "
                     f"{f(r['document_top1'])} / {f(r['token_top1'])} | {f(r['test_document_bits_per_token'])} | {f(r['test_bits_per_byte'])} | {r['wall_seconds']:.0f} | {r['target']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=CASES, help="cases to run (default: all)")
    parser.add_argument("--store", default=str(ROOT / "runs" / "bench"), help="run store for the benchmark runs")
    parser.add_argument("--record", nargs="*", default=[], metavar="CASE=RUN_ID",
                        help="record finished runs of this benchmark from the store instead of running them (e.g. after an interruption)")
    args = parser.parse_args()
    store = RunStore(args.store)
    previous = previous_rows("certify_lm", lambda r: r["case"])
    note = ("Byte tokens (bits per token = bits per byte), delta = 0.05 shared by all eight statements of a row; "
            "bounds in bits per byte, top-k as error rates. Each bound sits beside the best of three coded baselines (a unigram and two n-gram tables, "
            "their code files range-coded, every bit counted; rows whose prior was pretrained on other text add two n-grams of that same text, free like the prior; "
            "the data-dependent row's prior is gpt-nano trained on half the training documents, its bounds on the other half, and its baselines add theta_0 alone and an n-gram of the held half) "
            "bounded under the same statement, subsample and delta; margin = baseline bound - model bound "
            "(negative: the model does not beat it). The document bound is on the mean over documents of their bits per token, so the test value beside it is "
            "the same per-document mean (test bits/token, doc mean); test bits/byte is byte-weighted. "
            "Rows marked (bits per token) use the pretrained model's own BPE tokens (49,152): their bounds and train loss are in bits per token, "
            "their test loss in bits per byte, and their prior is the pretrained model, valid only if the corpus was not in its pretraining data.")
    table = ""
    for item in args.record:
        name, run_id = item.split("=", 1)
        if name not in CASES:
            parser.error(f"--record: unknown case {name!r}; choose one of {', '.join(CASES)}")
        data = json.loads((store.get(run_id).folder / "result.json").read_text())
        fields = {f.name for f in dataclasses.fields(LMCertifyResult)}
        result = LMCertifyResult(**{k: v for k, v in data.items() if k in fields})
        previous[name] = row(name, data["model"], result) | {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "recorded_from_run": run_id}
        table = write_results("certify_lm", [previous[c] for c in CASES if c in previous], markdown, note)
    for name in args.only if args.only is not None else ([] if args.record else CASES):
        size, config = case(name)
        print(f"== {name}: {size} {config}", flush=True)
        result, run = certify_lm_builtin("english", size, config, store=store, pretrained=PRETRAINED.get(name), progress=sys.stdout.isatty())
        previous[name] = row(name, size, result) | {"date": time.strftime("%Y-%m-%d %H:%M %Z")}
        print(f"   document bound {result.document_bound:.3f}, token bound {result.token_bound:.3f}, {result.bits_total} bits, {result.wall_seconds:.0f} s", flush=True)
        table = write_results("certify_lm", [previous[c] for c in CASES if c in previous], markdown, note)  # after every case: an interruption keeps the rows done
    print(table)
    folders = [store.root / previous[c]["run_id"] for c in CASES if c in previous and previous[c].get("run_id")]
    folders = [f for f in folders if (f / "result.json").is_file()]
    if len(folders) >= 2:
        from genlab.report import write_lm_comparison

        print(f"wrote {write_lm_comparison(folders, ROOT / 'benchmarks' / 'results' / 'certify_lm.html', 'genlab benchmark: language-model certificates (benchmarks/certify_lm.py)')}")


if __name__ == "__main__":
    main()
