"""Pilot: the same-data dis/err of one zoo configuration, trained outside the zoo (no measures,
no store), for quick questions about what sets it. Not a table of its own: benchmarks/README.md
quotes its lines.

Trains ``seeds`` runs of a built-in model on the first ``n`` Fashion-MNIST training images (each
its own initialisation and batch order, one torch thread), to mean training cross-entropy 0.01
(``stop=ce``) or 100% training accuracy (``stop=acc``), cap ``epochs``; prints each run's test
error and the mean disagreement over the pairs against the mean test error. With ``logits=1`` it
trains nothing and prints the standard deviation of each seed's logits at initialisation on the
first 1,000 test images instead.

    .venv/bin/python benchmarks/zoo_pilot.py n=4000 width=32 opt=sgd lr=0.05 init=he
    .venv/bin/python benchmarks/zoo_pilot.py width=32 init=he logits=1
"""

from __future__ import annotations

import itertools
import sys
import time

import numpy as np
import torch

from genlab.models import ModelConfig, build_model
from genlab.recipes import builtin_data
from genlab.train import TrainConfig, predict, train

DEFAULTS = {"model": "cnn", "n": "4000", "width": "32", "depth": "2", "norm": "0", "init": "torch", "opt": "sgd", "lr": "0.05", "bs": "128", "seeds": "3",
            "epochs": "100", "stop": "ce", "logits": "0"}


def main() -> None:
    given = dict(arg.split("=", 1) for arg in sys.argv[1:])
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise SystemExit(f"unknown settings {sorted(unknown)}; known: {', '.join(DEFAULTS)}")
    a = {**DEFAULTS, **given}
    torch.set_num_threads(1)
    ds = builtin_data("fashion-mnist", None, None)
    n = int(a["n"])
    x, y = torch.as_tensor(ds.x_train[:n]).float(), torch.as_tensor(ds.y_train[:n]).long()
    x_test, y_test = torch.as_tensor(ds.x_test).float(), torch.as_tensor(ds.y_test).long()
    model = ModelConfig(a["model"], int(a["width"]), int(a["depth"]), a["norm"] == "1", a["init"])
    stop = (lambda r: r["train_acc"] >= 1.0) if a["stop"] == "acc" else (lambda r: r["loss"] <= 0.01)
    preds, errors = [], []
    for seed in range(1, int(a["seeds"]) + 1):
        torch.manual_seed(seed)
        net = build_model(model, ds.input_shape, ds.num_classes)
        if a["logits"] == "1":
            with torch.no_grad():
                print(f"seed {seed}: standard deviation of the logits at initialisation {net(x_test[:1000]).std().item():.3f}")
            continue
        start = time.time()
        history = train(net, x, y, TrainConfig(epochs=int(a["epochs"]), lr=float(a["lr"]), batch_size=int(a["bs"]), optimizer=a["opt"], schedule="constant", seed=seed),
                        progress=False, stop=stop)
        preds.append(predict(net.eval(), x_test))
        errors.append(float((preds[-1] != y_test).float().mean()))
        print(f"seed {seed}: {history[-1]['epoch']:.0f} epochs, training cross-entropy {history[-1]['loss']:.4f}, test error {errors[-1]:.4f} ({time.time() - start:.0f} s)",
              flush=True)
    if not preds:
        return
    dis = [float((preds[i] != preds[j]).float().mean()) for i, j in itertools.combinations(range(len(preds)), 2)]
    err = float(np.mean(errors))
    print(f"{' '.join(f'{k}={v}' for k, v in a.items())}: dis {np.mean(dis):.4f}, err {err:.4f}, dis/err {np.mean(dis) / err:.3f} "
          f"(pairs {', '.join(f'{d / err:.2f}' for d in dis)})")


if __name__ == "__main__":
    main()
