"""Writes reports/junit.xml: 200 suites x 1000 test cases, 1% failing, 0.2% skipped."""
import os

os.makedirs("reports", exist_ok=True)
with open("reports/junit.xml", "w") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n')
    for s in range(200):
        f.write(f'  <testsuite name="suite{s}" tests="1000">\n')
        for i in range(1000):
            k = s * 1000 + i
            if k % 100 == 0:
                f.write(
                    f'    <testcase classname="pkg.mod{s}" name="test_{i}" time="0.01">\n'
                    f'      <failure message="assert {k} == {k + 1}">AssertionError: assert {k} == {k + 1}\n'
                    f"  at test.py:{i}</failure>\n    </testcase>\n"
                )
            elif k % 250 == 0:
                f.write(f'    <testcase classname="pkg.mod{s}" name="test_{i}" time="0.0"><skipped message="later"/></testcase>\n')
            else:
                f.write(f'    <testcase classname="pkg.mod{s}" name="test_{i}" time="0.01"/>\n')
        f.write("  </testsuite>\n")
    f.write("</testsuites>\n")
