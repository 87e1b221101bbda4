"""Reports: a run folder's JSON files -> one self-contained HTML page.

    path = genlab.report.write_report("runs/<run_id>")  # picks the page for the run's kind
"""

import json
from pathlib import Path

from genlab.report._certificate import render_certificate_report, write_certificate_report
from genlab.report._distillation import render_distillation_report, write_distillation_report
from genlab.report._fact_recall import render_fact_recall_report, write_fact_recall_report
from genlab.report._double_descent import render_double_descent_report, write_double_descent_report
from genlab.report._pause_tokens import render_pause_tokens_report, write_pause_tokens_report
from genlab.report._resmem import render_resmem_report, write_resmem_report
from genlab.report._uniform_convergence import render_uniform_convergence_report, write_uniform_convergence_report
from genlab.report._disagreement import render_disagreement_report, write_disagreement_report
from genlab.report._features import render_features_report, write_features_report
from genlab.report._grokking import render_grok_page, write_grok_report
from genlab.report._grokking_sweep import render_grok_sweep_page, write_grok_sweep_report
from genlab.report._intrinsic import render_intrinsic_report, write_intrinsic_report
from genlab.report._index import render_run_index, write_run_index
from genlab.report._path_star import render_path_star_page, write_path_star_report
from genlab.report._rule_extrapolation import render_rule_extrapolation_report, write_rule_extrapolation_report
from genlab.report._language import render_lm_comparison, render_lm_report, write_lm_comparison, write_lm_report
from genlab.report._zoo import render_zoo_report, write_zoo_report
from genlab.report._memorization import attack_summary, render_memorization_report, render_text_report, write_memorization_report, write_text_report

_WRITERS = {"certify-lm": write_lm_report, "disagree": write_disagreement_report, "distill-deviations": write_distillation_report, "double-descent": write_double_descent_report, "fact-recall": write_fact_recall_report, "intrinsic-dim": write_intrinsic_report, "sam-features": write_features_report, "memorize": write_memorization_report, "path-star": write_path_star_report, "pause-tokens": write_pause_tokens_report, "resmem": write_resmem_report, "rule-extrapolation": write_rule_extrapolation_report, "memorize-text": write_text_report, "uniform-convergence": write_uniform_convergence_report,
            "grok": write_grok_report, "grok-sweep": write_grok_sweep_report, "zoo": write_zoo_report}


def write_report(run_folder: str | Path) -> Path:
    """Write ``run_folder/report.html`` for the run's kind (config.json's "kind": a classifier
    certificate, a language-model certificate, a memorization or text-memorization run, a grokking
    run or sweep); returns its path."""
    config_path = Path(run_folder) / "config.json"
    kind = json.loads(config_path.read_text()).get("kind") if config_path.is_file() else None
    return _WRITERS.get(kind, write_certificate_report)(run_folder)


__all__ = ["attack_summary", "render_certificate_report", "render_disagreement_report", "render_distillation_report", "render_double_descent_report", "render_fact_recall_report", "render_features_report", "render_grok_page", "render_grok_sweep_page", "render_intrinsic_report", "render_lm_comparison", "render_lm_report", "render_memorization_report", "render_path_star_page", "render_pause_tokens_report", "render_resmem_report", "render_rule_extrapolation_report", "render_run_index", "render_text_report", "render_uniform_convergence_report", "render_zoo_report",
           "write_certificate_report", "write_disagreement_report", "write_distillation_report", "write_double_descent_report", "write_fact_recall_report", "write_features_report", "write_grok_report", "write_grok_sweep_report", "write_intrinsic_report", "write_lm_comparison", "write_lm_report", "write_memorization_report", "write_path_star_report", "write_pause_tokens_report", "write_resmem_report", "write_rule_extrapolation_report", "write_run_index", "write_text_report", "write_uniform_convergence_report", "write_report", "write_zoo_report"]
