"""``spark-submit .../storyline/spark/__main__.py SOURCE... --out DIR``: the same command as
``storyline spark`` (one entry point), for clusters that submit a Python file."""

import sys

from storyline.cli import main

if __name__ == "__main__":
    sys.argv = ["storyline", "spark", *sys.argv[1:]]
    main()
