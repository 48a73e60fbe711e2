"""`python -m inventory` is the same as the `kommunprogram` command."""

import sys

from inventory.cli import main

sys.exit(main())
