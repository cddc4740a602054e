"""Measure the consistency checks: recall on injected errors, false flags on clean reports.

Builds a generated corpus (demo/corpus.py: agencies × years, consistent tables, prose),
injects one error into about half the reports — each kind the checks must catch — and
runs the checks exactly as the pipeline does (run_checks per report, run_corpus_checks
over all). Prints, per rule, how many injected errors were found, and every failing
finding that no injection explains (a false flag).

    python bench/checks_eval.py [--agencies 40] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import run_checks, run_corpus_checks  # noqa: E402
from checks.form_drift import deadline  # noqa: E402
from demo.corpus import (
    DEFECTS,
    Agency,
    DefectNotApplicable,
    clean_copy,  # noqa: E402
    make_truth,
    set_value,
)
from demo.variants import _to_2019  # noqa: E402
from nianbao import form  # noqa: E402
from nianbao.model import FAIL, FLAG_INCOMPLETE, flag_status  # noqa: E402

YEARS = (2022, 2023, 2024)
CITIES = "清河 云溪 青石 白沙 临川 望海 松林 石门 东平 南岭 西山 北塘 安宁 长乐 永和".split()
DEPTS = [
    "人民政府",
    "应急管理局",
    "发展和改革委员会",
    "财政局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "教育局",
    "民政局",
    "司法局",
]
SIZES = ("large", "medium", "small", "zero")


def agencies(n: int, rng: random.Random) -> list[Agency]:
    """``n`` distinct invented agencies: city × 市/县/区 × department."""
    places = [(c, kind) for kind in "市县区" for c in CITIES]
    if n > len(places) * len(DEPTS):
        raise SystemExit(f"at most {len(places) * len(DEPTS)} agencies")
    out = []
    for i in range(n):
        (city, kind), dept = places[i % len(places)], DEPTS[i // len(places)]
        gov = dept == "人民政府"
        out.append(
            Agency(
                f"{city}{kind}{dept}",
                f"{kind}政府" if gov else "本局",
                f"示范省{city}{kind}",
                "government" if gov else "department",
                rng.choice(SIZES),
            )
        )
    return out


def build(n_agencies: int, seed: int):
    """Clean corpus: {report id: (agency, Report)} with years chained per agency."""
    rng = random.Random(seed)
    corpus = {}
    for a in agencies(n_agencies, rng):
        prev = None
        for y in YEARS:
            t = make_truth(rng, a, y, f"{y + 1}-01-{rng.randint(5, 28):02d}", "html", prev=prev)
            t.report.level = a.level
            corpus[f"{a.name}-{y}"] = t
            prev = t.clean
    return corpus


# --- injections: each returns the (rule, scope) findings it must cause, per report id -----


def inject_hard(rid, corpus, rng):
    t = corpus[rid]
    defect = rng.choice(DEFECTS)
    broken = clean_copy(t.report)
    from demo.corpus import apply_defect

    found = apply_defect(broken, defect, rng)
    t.report.cells = broken.cells
    return defect, {rid: {(f["rule"], f["scope"]) for f in found}}


def inject_dropped_row(rid, corpus, rng):
    r = corpus[rid].report
    row = rng.choice([k.key for k in form.T3_ROWS if k.key.startswith(("withheld", "rejected"))])
    r.cells = [c for c in r.cells if not (c.table == form.T3 and c.row == row)]
    r.missing_rows = [f"t3.{row}"]
    return "dropped_row", {rid: {("FORMAT-DRIFT", f"missing:t3.{row}")}}


def inject_late(rid, corpus, rng):
    r = corpus[rid].report
    r.published = (deadline(r.year, r.level) + timedelta(days=rng.randint(1, 60))).isoformat()
    return "late", {rid: {("LATE", "deadline")}}


def inject_text_figure(rid, corpus, rng):
    r = corpus[rid].report
    new = int(r.value(form.T3, "new_requests", "total"))
    phrase = f"共收到政府信息公开申请{new}件"
    if phrase not in r.text:
        return None
    r.text = r.text.replace(phrase, f"共收到政府信息公开申请{new + rng.randint(1, 9)}件")
    return "text_figure", {rid: {("TEXT-TABLE", "new_requests")}}


def inject_copy(rid, corpus, rng):
    """The report of another agency, same year, republished under this agency's name."""
    r = corpus[rid].report
    donors = [
        k
        for k, t in corpus.items()
        if t.report.year == r.year and t.report.agency != r.agency and k not in INJECTED
    ]
    if not donors:
        return None
    other = rng.choice(donors)
    src = corpus[other].report
    r.cells = clean_copy(src).cells
    r.text = src.text.replace(src.agency, r.agency)
    INJECTED.add(other)
    found = {("DUPLICATE", f"text:{other}")}
    if any(c.value for c in src.cells):
        found.add(("DUPLICATE", f"numbers:{other}"))
    back = {("DUPLICATE", f"text:{rid}")} | (
        {("DUPLICATE", f"numbers:{rid}")} if any(c.value for c in src.cells) else set()
    )
    expected = {rid: found, other: back}
    # The copied tables and text no longer continue this agency's own series.
    return "copied_report", expected


def inject_carry(rid, corpus, rng):
    r = corpus[rid].report
    if r.year == YEARS[0]:
        return None
    k = rng.randint(1, 5)
    col = "natural_person"
    old = int(r.value(form.T3, "carried_over", "total"))
    for row in ("carried_over", "carried_forward"):
        for c in (col, "total"):
            set_value(r, form.T3, row, c, r.value(form.T3, row, c) + k)
    r.text = r.text.replace(f"上年结转{old}件", f"上年结转{old + k}件")
    return "carry_over", {rid: {("T3-CARRY", col), ("T3-CARRY", "total")}}


def inject_trial_format(rid, corpus, rng):
    """The report printed in the 2019 trial format, with net decreases in 本年增/减 and a
    procurement amount with decimals: nothing to find (DOMAIN reads the trial columns)."""
    t = corpus[rid]
    _to_2019(rng, t)
    for c in t.report.cells:
        if c.col == "change" and rng.random() < 0.5:
            c.value = -rng.randint(1, 9)
    # the trial 表二 has no 现行有效件数: the in-force series cannot be followed (soft rule)
    return "trial_format", {rid: {("FORMAT-DRIFT", "trial_format"), ("T2-INFORCE", "*")}}


INJECTIONS = (
    inject_hard,
    inject_hard,
    inject_dropped_row,
    inject_late,
    inject_text_figure,
    inject_copy,
    inject_carry,
    inject_trial_format,
)
INJECTED: set[str] = set()
NOT_OK_KINDS = {"dropped_row": FLAG_INCOMPLETE}  # injections that must not leave a report ok


def inject_all(corpus, rng) -> tuple[dict[str, set], Counter, dict[str, str]]:
    """Inject an error into about half the reports: (expected findings per report, counts
    per kind, the kind injected per report)."""
    expected: dict[str, set] = defaultdict(set)
    kinds: Counter = Counter()
    kind_of: dict[str, str] = {}
    for rid in list(corpus):
        if rid in INJECTED or rng.random() < 0.5:
            continue
        inject = rng.choice(INJECTIONS)
        try:
            result = inject(rid, corpus, rng)
        except DefectNotApplicable:
            result = None
        if not result:
            continue
        kind, exp = result
        INJECTED.add(rid)
        kinds[kind] += 1
        kind_of[rid] = kind
        for k, v in exp.items():
            expected[k] |= v
    return expected, kinds, kind_of


def consequences(corpus, expected: dict[str, set]) -> None:
    """True findings on reports next to an injected one (added to ``expected``)."""
    # An injection that touches year N's 结转下年度 or year N+1's 上年结转 breaks the carry-over
    # between them wherever the two now differ: a true finding on N+1 even if N+1 itself was
    # not touched. Untouched pairs expect nothing, so any flag there is false.
    for rid, t in corpus.items():
        a, y = rid.rsplit("-", 1)
        nxt = f"{a}-{int(y) + 1}"
        if nxt not in corpus or not ({rid, nxt} & INJECTED):
            continue
        # decided by the values both reports end up with (two injections may cancel out)
        for col in (c.key for c in form.T3_COLUMNS):
            expected[nxt].discard(("T3-CARRY", col))
            if t.report.value(form.T3, "carried_forward", col) != corpus[nxt].report.value(
                form.T3, "carried_over", col
            ):
                expected[nxt].add(("T3-CARRY", col))
    # A copied or reformatted report breaks the agency's year-to-year series: true findings.
    for rid in [
        r for r in INJECTED if any(s[0] in ("DUPLICATE", "T2-INFORCE") for s in expected[r])
    ]:
        expected[rid].add(("T2-INFORCE", "*"))
        a, y = rid.rsplit("-", 1)
        nxt = f"{a}-{int(y) + 1}"
        if nxt in corpus:
            expected[nxt].add(("T2-INFORCE", "*"))


def run(reports) -> tuple[dict[str, set], dict[str, str], float]:
    """The checks as the pipeline runs them: (failing findings, flag status, seconds)."""
    started = time.perf_counter()
    found: dict[str, set] = defaultdict(set)
    pairs: dict[str, list] = defaultdict(list)
    for rid, r in reports.items():
        fs = run_checks(r)
        found[rid] |= {(f.rule, f.scope) for f in fs if f.status == FAIL}
        pairs[rid] += [(f.severity, f.status) for f in fs]
    for rid, fs in run_corpus_checks(reports).items():
        found[rid] |= {(f.rule, f.scope) for f in fs if f.status == FAIL}
        pairs[rid] += [(f.severity, f.status) for f in fs]
    flags = {rid: flag_status(reports[rid].status, pairs[rid]) for rid in reports}
    return found, flags, time.perf_counter() - started


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agencies", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed + 1)
    corpus = build(args.agencies, args.seed)
    expected, kinds, kind_of = inject_all(corpus, rng)
    consequences(corpus, expected)
    reports = {rid: t.report for rid, t in corpus.items()}
    found, flags, elapsed = run(reports)
    print(
        f"corpus: {len(reports)} reports ({args.agencies} agencies × {len(YEARS)} years), "
        f"{len(INJECTED)} with injected errors: " + ", ".join(f"{k} {v}" for k, v in kinds.items())
    )
    print(f"checks ran in {elapsed:.2f} s ({len(reports) / elapsed:.0f} reports/s)\n")
    return print_results(reports, expected, found, flags, kind_of)


def print_results(reports, expected, found, flags, kind_of) -> int:
    def explained(rid, finding):
        exp = expected.get(rid, set())
        return finding in exp or (finding[0], "*") in exp

    per_rule = defaultdict(lambda: [0, 0])
    for rid, exp in expected.items():
        for f in exp:
            if f[1] != "*":
                per_rule[f[0]][0] += 1
                per_rule[f[0]][1] += f in found[rid]
    print(f"{'rule':<14}{'injected':>9}{'found':>7}{'recall':>8}")
    for rule, (n, hit) in sorted(per_rule.items()):
        print(f"{rule:<14}{n:>9}{hit:>7}{hit / n:>8.0%}")
    false = sorted((rid, f) for rid, fs in found.items() for f in fs if not explained(rid, f))
    clean_ids = [rid for rid in reports if not expected.get(rid)]
    false_on_clean = [x for x in false if x[0] in clean_ids]
    print(f"\nfalse flags on {len(clean_ids)} clean reports: {len(false_on_clean)}")
    print(f"unexplained failing findings on injected reports: {len(false) - len(false_on_clean)}")
    for rid, f in false[:30]:
        print(f"  {rid}: {f}")
    missed = sorted(
        (rid, f)
        for rid, exp in expected.items()
        for f in exp
        if f[1] != "*" and f not in found[rid]
    )
    print(f"missed injected findings: {len(missed)}")
    for rid, f in missed[:30]:
        print(f"  {rid}: {f}")
    print(
        "flag status: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(flags.values()).items()))
    )
    wrong_flag = [
        (rid, kind, flags[rid])
        for rid, kind in kind_of.items()
        if kind in NOT_OK_KINDS and flags[rid] != NOT_OK_KINDS[kind]
    ]
    print(f"reports with a dropped row not marked incomplete: {len(wrong_flag)}")
    for x in wrong_flag[:10]:
        print(f"  {x}")
    return 0 if not false and not missed and not wrong_flag else 1


if __name__ == "__main__":
    sys.exit(main())
