"""``python -m causaloid`` runs the command line."""

import sys

from causaloid.cli import main

sys.exit(main())
