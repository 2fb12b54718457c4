"""`python -m nn ...` runs the `chainrule` command line (same options, same exit status)."""

import sys

from nn.cli import main

if __name__ == "__main__":
    sys.exit(main())
