"""``python -m essay_crawler.demo [--port N]``: the same as ``essay-crawler demo --serve``."""
import sys

from essay_crawler.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "--serve", *sys.argv[1:]]))
