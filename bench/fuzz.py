"""The long fuzzing run: the property tests of tests/test_fuzz*.py with N examples each (fresh random cases,
the xfail marks ignored), every case checked however many disagree, then a table per op family of the
cases tried and the failing ones (counted inside the checker, so a case counts only if it ran), and one
line per distinct failure with a case that shows it.

    python bench/fuzz.py --examples 2000            # all families
    python bench/fuzz.py --examples 500 -k reduce   # pytest's -k selects tests
"""

import argparse
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="hypothesis examples per test (default 2000)")
    parser.add_argument("-k", default=None, help="pytest -k expression selecting tests")
    parser.add_argument("--seed", default=None, help="hypothesis seed, to repeat a run")
    parser.add_argument("--show", type=int, default=40, help="distinct failures to list (default 40)")
    args = parser.parse_args()

    os.environ["AUTOCORE_FUZZ_COLLECT"] = "1"  # the checker records a disagreement and goes on
    from hypothesis import HealthCheck, Phase, settings

    settings.register_profile(
        "long",
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    import pytest

    command = [
        *sorted(str(p) for p in TESTS.glob("test_fuzz*.py")),
        "--hypothesis-profile=long",
        "--runxfail",
        "-q",
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore",
    ]
    command += ["-k", f"({args.k}) and not known_bugs" if args.k else "not known_bugs"]  # the reproducers: once each
    command += ["--hypothesis-seed", args.seed] if args.seed else []
    start = time.perf_counter()
    code = pytest.main(command)
    elapsed = time.perf_counter() - start

    fuzz = sys.modules.get("test_fuzz")
    if fuzz is None:
        sys.exit(f"the fuzz tests did not run (pytest exit code {code})")
    print(
        f"\n{args.examples} examples per test, {elapsed:.0f} s; reference: "
        f"{'PyTorch ' + fuzz.torch.__version__ if fuzz.torch else 'numpy'}\n"
    )
    families = defaultdict(lambda: [0, 0, 0, 0])  # ops, cases tried, failing cases, failing ops
    for (family, op), stats in fuzz.STATS.items():
        row = families[family]
        row[0] += 1
        row[1] += stats["tried"]
        row[2] += stats["failed"]
        row[3] += stats["failed"] > 0
    print(f"{'family':<12} {'ops':>4} {'cases tried':>12} {'failing cases':>14} {'failing ops':>12}")
    for family, row in sorted(families.items()):
        print(f"{family:<12} {row[0]:>4} {row[1]:>12} {row[2]:>14} {row[3]:>12}")
    totals = [sum(column) for column in zip(*families.values())] or [0, 0, 0, 0]
    print(f"{'all':<12} {totals[0]:>4} {totals[1]:>12} {totals[2]:>14} {totals[3]:>12}")

    failing = sorted((k for k, stats in fuzz.STATS.items() if stats["failed"]), key=lambda k: -fuzz.STATS[k]["failed"])
    if failing:
        print(
            "\nfailing ops (failing cases / cases tried): "
            + ", ".join(
                f"{op} {fuzz.STATS[family, op]['failed']}/{fuzz.STATS[family, op]['tried']}" for family, op in failing
            )
        )
    kinds = {}  # a failure's kind: its op and message, without the numbers and positions
    for family, op, message, case in fuzz.FAILURES:
        key = (op, re.sub(r"-?\d[\d.e+-]*", "#", re.sub(r"(positions differ|\d+ of \d+ differ).*", r"\1", message)))
        count, example = kinds.get(key, (0, (message, case)))
        kinds[key] = (count + 1, example)
    if kinds:
        print(
            f"\n{len(kinds)} distinct failures (cases, message, one case), the {min(args.show, len(kinds))} most "
            "frequent:"
        )
        for (op, _), (count, (message, case)) in sorted(kinds.items(), key=lambda kv: -kv[1][0])[: args.show]:
            print(f"- [{count}x] {message}\n    {case[:400]}")
    if code != 0:  # collecting, the checker fails nothing: a failure is something else breaking
        print(f"\npytest exit code {code}: something failed outside the checker; see pytest's report above")
    sys.exit(1 if totals[2] or code != 0 else 0)


if __name__ == "__main__":
    main()
