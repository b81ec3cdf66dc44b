"""``python -m regen.fitting.evidence build|validate|all``."""

import sys

from regen.fitting.evidence.build import main

if __name__ == "__main__":  # imported, not run, by documentation tools that inspect every module
    sys.exit(main())
