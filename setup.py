"""Only what pyproject.toml cannot say: the top-level resources/ folder ships as `editor.resources`.

pyproject.toml cannot add a mapped package to an automatic package search, so the search and the
mapping are spelled here (the files each package carries are in pyproject.toml's package-data).
The icons and the sample photo stay in resources/ in the source tree and are found through the
package in a checkout (editable install), an installed wheel and the PyInstaller bundle alike.
"""

from setuptools import find_packages, setup

# Folders of resources/ that Python could import are named as packages, so setuptools ships their
# files without warning; app-icon/ is no identifier and travels as data of editor.resources.
RESOURCE_PACKAGES = ["editor.resources", "editor.resources.icons", "editor.resources.samples"]

setup(
    packages=[*find_packages(include=["editor", "editor.*"]), *RESOURCE_PACKAGES],
    package_dir={"editor.resources": "resources"},
)
