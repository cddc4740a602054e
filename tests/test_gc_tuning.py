"""The parse workers' garbage-collector setting (parsers/gc_tuning.py) rests on one fact: a
parse leaves no reference cycles, so collecting less often holds no more memory. These tests
fail the day a parser starts making cycles (a closure that calls itself, a cell pointing
back at its grid …): find the cycle, or drop the setting."""

import gc

import pytest

from demo import variants
from parsers import parse_bytes
from parsers.gc_tuning import GEN0_THRESHOLD, tune_for_parsing


@pytest.fixture(scope="module")
def documents():
    vs = ("html_word", "html_hazards", "docx_merged", "pdf_ruled", "text_tsv")
    return variants.build(per_variant=1, seed=11, with_doc=False, variants=vs)


def _cyclic_garbage_of(doc) -> int:
    """Objects the cyclic GC frees after a parse, in steady state (a first parse also leaves
    what the imports and first-use caches made)."""
    parse_bytes(doc.data, filename=doc.filename, url=doc.url)
    gc.collect()
    report = parse_bytes(doc.data, filename=doc.filename, url=doc.url)
    assert report.cells, f"{doc.filename}: nothing read ({report.status}: {report.error})"
    del report
    return gc.collect()


def test_a_parse_leaves_no_cycles(documents):
    assert {d.filename.rsplit(".", 1)[-1] for d in documents} == {"html", "docx", "pdf", "txt"}
    for doc in documents:
        found = _cyclic_garbage_of(doc)
        # a PDF leaves a few (pypdfium2's objects): a handful, not one per cell
        allowed = 50 if doc.filename.endswith(".pdf") else 0
        assert found <= allowed, f"{doc.filename}: {found} objects only the cyclic GC frees"


def test_tuning_sets_the_young_generation_threshold():
    before = gc.get_threshold()
    try:
        tune_for_parsing()
        assert gc.get_threshold() == (GEN0_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0  # what was alive is no longer walked
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
