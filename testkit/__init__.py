"""The test kit: what the test suites and the benchmarks share (accounts, fake AWS, `quollo serve`).

One definition of each; tests/ and bench/ import it, the Lambda functions never do.
"""
