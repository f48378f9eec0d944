"""Run the command line as ``python -m kasacloud``."""

from kasacloud.cli.main import main

main()
