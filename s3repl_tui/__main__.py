import sys

from s3repl_tui.cli import main

sys.exit(main())
