"""Command line: python -m pipeline STAGE --corpus DIR --config FILE --build DIR --aligned DIR.

The Makefile calls this once per stage; `all` runs every stage in order.

Exit codes: 0 every document went through; 3 the run finished but some documents failed
(each has a message and a row in aligned/problems.parquet; the next run retries those that
may succeed now); 1 the run stopped (nothing got through, a full or read-only folder, a
missing model); 2 the config or the corpus folder is wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.config import ConfigError, load_config
from pipeline.corpus import CorpusNotFound, build_folder, corpus_folder
from pipeline.stages import (DOCUMENT_STAGES, StageFailed, Workspace, check_ocr_languages,
                             earlier_failures, run_align, run_document_stage, workspace_env_check)

STAGES = [*DOCUMENT_STAGES, "align"]
DOCUMENTS_FAILED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=[*STAGES, "all"])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--build", default=None,
                        help="folder for stage files (default build/<corpus folder name>-<hash of its path>)")
    parser.add_argument("--aligned", default="aligned")
    parser.add_argument("--cache", default="cache", help="folder for the embedding cache")
    args = parser.parse_args(argv)
    workspace_env_check()
    stages = STAGES if args.stage == "all" else [args.stage]
    try:
        config, corpus = load_config(args.config), corpus_folder(args.corpus)
        if "extract" in stages:
            check_ocr_languages(config, args.config)
    except (ConfigError, CorpusNotFound) as err:
        print(f"hamta: {err}", file=sys.stderr)
        return 2
    build = Path(args.build) if args.build else build_folder(corpus)
    ws = Workspace(corpus=corpus, build=build, aligned=Path(args.aligned), config=config,
                   config_path=Path(args.config), cache=Path(args.cache))
    failed = False
    for stage in stages:
        try:
            problems = run_align(ws) if stage == "align" else run_document_stage(stage, ws)
        except StageFailed as err:
            print(f"hamta {stage}: {err}", file=sys.stderr)
            return 1
        failed = failed or any(p.severity == "error" for p in problems)
        reached = build / ("embed" if stage == "align" else stage)
        if not any(reached.glob("*.parquet")):
            for line in [] if problems else earlier_failures(ws):
                print(f"hamta {stage}: {line}", file=sys.stderr)
            print(f"hamta {stage}: no document got through this stage; the messages above say why "
                  "each one stopped", file=sys.stderr)
            return 1
    return DOCUMENTS_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
