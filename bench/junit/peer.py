"""The peer of the tests.junit benchmark: junitparser counts tests, failures, errors, skips."""
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
total = failed = errored = skipped = 0
for suite in xml:
    for case in suite:
        total += 1
        for r in case.result:
            if isinstance(r, Failure): failed += 1
            elif isinstance(r, Error): errored += 1
            elif isinstance(r, Skipped): skipped += 1
print(total, failed, errored, skipped)
