"""Reports: a run folder's JSON files -> one self-contained HTML page.

    path = genlab.report.write_certificate_report("runs/<run_id>")
"""

from genlab.report._certificate import render_certificate_report, write_certificate_report

__all__ = ["render_certificate_report", "write_certificate_report"]
