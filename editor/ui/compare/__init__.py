"""Comparing a variant with the original photo: the view, its mode bar, the page holding both
and the difference image."""

from editor.ui.compare.bar import CompareBar
from editor.ui.compare.difference import difference_image
from editor.ui.compare.page import ComparePage
from editor.ui.compare.view import MODES, CompareView

__all__ = ["MODES", "CompareBar", "ComparePage", "CompareView", "difference_image"]
