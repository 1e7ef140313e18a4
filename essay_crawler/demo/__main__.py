"""Serve the demo site in the foreground: ``python -m essay_crawler.demo [PORT]``."""
import sys
import threading

from .site import demo_server


def main(argv: list[str]) -> None:
    with demo_server(port=int(argv[0]) if argv else 0) as srv:
        print(f"demo site at {srv.url('/')}  (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main(sys.argv[1:])
