"""Settings for every test run, wherever pytest is started from (the repository root is its
rootdir, so this file is always loaded)."""

import os

# Production's 12 partitions per main topic make 78 partitions per test namespace; thousands
# of namespaces on the one shared local broker exhausted its heap (and each partition maps two
# index files, against the kernel's map limit). The kit's topics keep 3 unless a run asks for
# the real layout with BPS_TOPIC_PARTITIONS=12 (docs/architecture.md §3 has the numbers).
TEST_PARTITIONS = "3"


def pytest_configure(config) -> None:
    os.environ.setdefault("BPS_TOPIC_PARTITIONS", TEST_PARTITIONS)
