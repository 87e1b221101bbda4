"""Pause tokens (Goyal, Ji, Rawat, Menon, Kumar & Nagarajan, ICLR 2024, "Think before you speak:
training language models with pause tokens"), as a 2 x 2 design on a synthetic task that needs more
computation than one pass gives.

Pretraining is next-token prediction on digit lists followed by their running sums mod 10;
pause-pretraining inserts ``<pause>`` tokens at random positions and puts no loss where the next
token is a pause. The downstream task is the list's sum mod 10 as one token right after ``=``;
pause-finetuning appends ``<pause>`` tokens after ``=`` and reads the answer after the last one.

Entry point: ``run(PauseConfig(...), run=<store run>)`` returns a ``PauseResult``;
``answer_accuracy`` scores any causal LM (ids -> logits) on the task.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("ARMS", "PauseConfig"),
    "_run": ("PauseResult", "answer_accuracy", "finetune_tensors", "insert_pauses", "pretrain_tensors", "run", "vocabulary"),
})
