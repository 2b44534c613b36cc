"""How long folding quoted text takes on large bodies (engine/quote_folding.py).

    .venv/bin/python bench/quote_folding_benchmark.py [--rounds 5]

Folding runs once per message, when its body is first shown, after Odoo's sanitizer (which takes
seconds on such bodies); the result is kept with the rendering. Prints the median seconds for:
a reply over a 20,000-paragraph quote, a 30,000-row table with no quote, and the Gmail sample.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "imap_conversations")]

from engine.quote_folding import fold_html_quotes  # noqa: E402

SAMPLES = REPO / "imap_conversations" / "tests" / "samples" / "quoted"


def bodies():
    quoted = "".join(f"<p>Line {i} of a long reply with <b>bold</b> text.</p>" for i in range(20000))
    table = "".join(f"<tr><td>cell {i}</td><td><span>x</span></td></tr>" for i in range(30000))
    return {
        "reply over a 20,000-paragraph quote": f"<p>New text.</p><blockquote><div>{quoted}</div></blockquote>",
        "30,000-row table, no quote": f"<div><table>{table}</table></div>",
        "Gmail reply sample": (SAMPLES / "gmail_reply.sanitized.html").read_text(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    for name, body in bodies().items():
        times = []
        for _ in range(options.rounds):
            start = time.perf_counter()
            fold_html_quotes(body)
            times.append(time.perf_counter() - start)
        print(f"{name}: {len(body) / 1024:.0f} KiB, median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
