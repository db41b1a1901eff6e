"""The speed benchmark in --quick mode, as a smoke run: every row is there and sane. No speed
is asserted: the machine may be busy with other work, and a test that fails when another
process runs makes CI a lottery. The ratios live in `make bench` and the README."""

import csv
import math

import pytest

from bench import speed


@pytest.mark.slow
def test_quick_benchmark_writes_every_row_with_sane_values(tmp_path):
    speed.main(["--quick", "--out", str(tmp_path)])
    with (tmp_path / "speed.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert (tmp_path / "speed.png").stat().st_size > 10_000
    measures = {r["measure"] for r in rows}
    for r in rows:
        value = float(r["value"])
        # a growth exponent is a ratio of two timings: on a busy machine the small run can take
        # longer than the large one (a helper's run saw -0.135), so only finiteness is sane
        assert math.isfinite(value) and ("growth exponent" in r["measure"] or value > 0), r
    for r in rows:
        if r["ratio"]:
            assert math.isfinite(float(r["ratio"])) and float(r["ratio"]) > 0

    # every section measured
    assert {r["section"] for r in rows} >= {"extraction", "embedding", "alignment", "whole pipeline"}
    assert "torch fp32: bare model.encode" in measures
    stage = [r for r in rows if r["measure"].startswith("embed stage (") and r["measure"].endswith("cold cache")]
    assert len(stage) == 1 and "cache writes" in stage[0]["note"]
    # the backend the stage uses was checked against fp32 in the same run
    used = stage[0]["measure"].split("(")[1].split(")")[0]
    if used != "torch fp32":
        kept = next(r for r in rows if r["measure"] == used)
        assert kept["note"].endswith("; kept"), kept
    # the whole-pipeline row on the generated corpus: every stage ran, shares add up
    total = next(r for r in rows if r["measure"] == "generated corpus: seconds, every stage")
    assert total["size"] == "8 PDFs" and " sentences" in total["note"]
    stages = [r for r in rows if r["section"] == "whole pipeline" and r["measure"].endswith(" seconds")
              and r["measure"] != "generated corpus: seconds, every stage"]
    assert [r["measure"].split(": ")[1].split(" ")[0] for r in stages] == list(speed.STAGES)
    assert abs(sum(float(r["value"]) for r in stages) - float(total["value"])) < 0.01 * float(total["value"]) + 0.01
    # alignment runs found every planted link
    for size in (1_000, 10_000):
        for mode in ("corpus, k nearest documents", "corpus, every document pair", "one book pair, sentences",
                     "one pair, k-NN (FAISS)", "one pair, exact (numpy)"):
            row = next(r for r in rows if r["measure"] == f"{mode}: seconds" and r["size"] == str(size))
            assert "recall 1.000, precision 1.000" in row["note"], row
