"""`essay-crawler clean` must stay light: it never imports Scrapy or Twisted."""
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).parent / "fixtures" / "pages" / "p01_dede_utf8.html"

SCRIPT = f"""
import sys
from essay_crawler.cli import main
status = main(["clean", {str(PAGE)!r}, "-o", sys.argv[1]])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted"))
print(status, loaded)
"""


def test_clean_command_does_not_import_scrapy_or_twisted(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(out)], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "0 []"
    assert len(out.read_text("utf-8").splitlines()) == 3


BLOCKED = """
import importlib, importlib.abc, pkgutil, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("scrapy", "twisted", "essay_crawler"):
            raise ImportError(f"{name} is blocked")
        return None

sys.meta_path.insert(0, Blocked())
import pipelines
names = sorted(m.name for m in pkgutil.walk_packages(pipelines.__path__, "pipelines."))
for name in names:
    importlib.import_module(name)
print(len(names), sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted", "essay_crawler")))
"""


def test_every_pipelines_module_imports_with_scrapy_twisted_and_essay_crawler_blocked():
    """The arrow runs one way: essay_crawler (the Scrapy project) uses pipelines, never the reverse."""
    proc = subprocess.run([sys.executable, "-c", BLOCKED], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    count, loaded = proc.stdout.split(" ", 1)
    assert int(count) >= 20 and loaded.strip() == "[]"
