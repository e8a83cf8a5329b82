"""Option ids derived from labels: the vectors every client helper is checked against."""
import json
import pathlib

from switchboard import build_options

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "testdata" / "option_ids.json"


def test_option_ids_match_the_shared_vectors():
    cases = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    assert cases
    for case in cases:
        assert [o.id for o in build_options(case["labels"])] == case["ids"], case["labels"]
        assert [o.label for o in build_options(case["labels"])] == case["labels"]
