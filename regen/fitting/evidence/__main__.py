"""``python -m regen.fitting.evidence build|validate|all``."""

import sys

from regen.fitting.evidence.build import main

sys.exit(main())
