"""``python -m scripts.evidence build|validate|all``."""

import sys

from scripts.evidence.build import main

sys.exit(main())
