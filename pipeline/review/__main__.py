"""Command line: python -m pipeline.review --aligned DIR --corpus DIR --config FILE [--build DIR].

Serves the review workbench on http://127.0.0.1:<review.port>/ (never on other interfaces).
--build names the run's stage files, whose sentence vectors "realign from here" uses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.review", description=__doc__)
    parser.add_argument("--aligned", default="aligned")
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--build", default=None,
                        help="the run's stage files, for realigning by hand (default: build/<corpus folder name>)")
    parser.add_argument("--port", type=int, default=None, help="override review.port from the config")
    args = parser.parse_args(argv)

    from pipeline.config import ConfigError, load_config
    from pipeline.corpus import CorpusNotFound, corpus_folder
    from pipeline.review.pairs import AlignedTablesError
    from pipeline.review.store import ReviewStoreError

    try:
        config, corpus = load_config(args.config), corpus_folder(args.corpus)
        from pipeline.review.app import create_app

        build = Path(args.build) if args.build else Path("build") / corpus.resolve().name.replace(" ", "_")
        app = create_app(Path(args.aligned), corpus, config, build)
    except (ConfigError, CorpusNotFound, AlignedTablesError, ReviewStoreError) as err:
        print(f"hamta review: {err}", file=sys.stderr)
        return 2

    import uvicorn

    port = args.port if args.port is not None else config.review.port
    print(f"hamta review: serving {args.aligned}/ on http://{HOST}:{port}/ (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=HOST, port=port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
