"""``python -m followthrough``: the same command as the ``followthrough`` console script."""

import sys

from followthrough.cli import main

sys.exit(main())
