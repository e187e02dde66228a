"""``python -m bench``: the end-to-end benchmark (see ``bench/run.py``)."""

from bench.run import main

raise SystemExit(main())
