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
