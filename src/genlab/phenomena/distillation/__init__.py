"""Student-teacher deviations in distillation (Nagarajan, Menon, Bhojanapalli, Mobahi & Kumar,
NeurIPS 2023, "On student-teacher deviations in distillation: does it pay to disobey?").

A teacher trained on one-hot labels; students of the same architecture trained on its soft labels
(from the start, or after a one-hot first part: the mid-training switch) and on one-hot labels.
Per training point, the teacher's and the student's probability of the true label: binned, and the
slope of logit(p_student) on logit(p_teacher) with a bootstrap interval (a slope above 1: the
student exaggerates the teacher's confidence, lower where it is low and higher where it is high).

Entry point: ``run(DistillationConfig(...), run=<store run>)`` returns a ``DistillationResult``;
``deviation(p_teacher, p_student)`` measures any pair of models.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("DistillationConfig",),
    "_run": ("DistillationResult", "deviation", "run", "true_label_probability"),
})
