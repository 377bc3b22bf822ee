# args.py: the one thing the scripts here share, reading their command line.
import sys


def args(*defaults):
    """The script's arguments in order, each one missing replaced by its default and converted to its type."""
    given = sys.argv[1:]
    return [type(default)(given[i]) if i < len(given) else default for i, default in enumerate(defaults)]
