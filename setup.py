"""The package list, computed: every package under explorer/ plus the two data folders.

Everything else is in pyproject.toml. This file exists because the data
packages explorer._resources and explorer._trained are mapped from the
top-level resources/ and trained/ folders (the repository layout is fixed),
and pyproject's static `packages` list would have to be edited each time a
package is added under explorer/, while its package finder cannot add mapped
packages.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"explorer._resources": "resources", "explorer._trained": "trained"}

setup(
    packages=find_packages(include=["explorer", "explorer.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
)
