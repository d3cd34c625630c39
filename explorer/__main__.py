"""`python -m explorer` is the program, as `python main.py` and `autoencoder-explorer` are."""

import sys

from explorer.cli import main

if __name__ == "__main__":
    sys.exit(main())
