"""Packaging that pyproject.toml cannot say: the wheel carries the default policy and the Slack app manifest.

Both stay where people look for them in a checkout (``policies/default.yml``, ``manifest.yml``); building the wheel
copies them into ``followthrough/data/`` (the list is ``followthrough/shipped.py``'s ``SHIPPED``), where the installed
package finds them. Everything else is in pyproject.toml.
"""

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = runpy.run_path(str(ROOT / "followthrough" / "shipped.py"))["SHIPPED"]


class BuildWithShippedFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout (followthrough.shipped)
        data = Path(self.build_lib) / "followthrough" / "data"
        self.mkpath(str(data))
        for name, source in SHIPPED.items():
            self.copy_file(str(ROOT / source), str(data / name))


setup(cmdclass={"build_py": BuildWithShippedFiles})
