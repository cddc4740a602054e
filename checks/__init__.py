"""Consistency checks (勾稽关系) over the canonical report model.

``run_checks(report)`` applies the rules that read one report (hard rules of
:mod:`checks.rules`, FORMAT-DRIFT, TEXT-TABLE, LATE); ``run_corpus_checks(reports)`` the
rules that compare reports (T3-CARRY, T2-INFORCE, DUPLICATE). Both return
:class:`nianbao.model.Finding` objects, one per rule and scope. docs/checks.md is the catalogue.
"""

from checks.engine import CORPUS_RULES, RULES_VERSION, run_checks, run_corpus_checks

__all__ = ["CORPUS_RULES", "RULES_VERSION", "run_checks", "run_corpus_checks"]
