"""Command line: python -m pipeline STAGE --corpus DIR --config FILE --build DIR --aligned DIR.

The Makefile calls this once per stage; `all` runs every stage in order.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.config import ConfigError, load_config
from pipeline.corpus import CorpusNotFound, corpus_folder
from pipeline.stages import DOCUMENT_STAGES, Workspace, run_align, run_document_stage, workspace_env_check

STAGES = [*DOCUMENT_STAGES, "align"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    parser.add_argument("stage", choices=[*STAGES, "all"])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--build", default=None, help="folder for stage files (default build/<corpus>)")
    parser.add_argument("--aligned", default="aligned")
    parser.add_argument("--cache", default="cache", help="folder for the embedding cache")
    args = parser.parse_args(argv)
    workspace_env_check()
    try:
        config, corpus = load_config(args.config), corpus_folder(args.corpus)
    except (ConfigError, CorpusNotFound) as err:
        print(f"hamta: {err}", file=sys.stderr)
        return 2
    build = Path(args.build) if args.build else Path("build") / corpus.resolve().name
    ws = Workspace(corpus=corpus, build=build, aligned=Path(args.aligned), config=config,
                   config_path=Path(args.config), cache=Path(args.cache))
    for stage in STAGES if args.stage == "all" else [args.stage]:
        if stage == "align":
            run_align(ws)
            if not any((build / "embed").glob("*.parquet")):
                print(f"hamta align: no document reached alignment; see the messages of the earlier "
                      f"stages and fix the inputs in {corpus}/", file=sys.stderr)
                return 1
            continue
        problems = run_document_stage(stage, ws)
        if not any((build / stage).glob("*.parquet")):
            print(f"hamta {stage}: no document got through this stage; see the messages above "
                  f"and fix the inputs in {corpus}/", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
