"""The canvas: a zoomable view of the photo and its mask, and the tools that paint the mask."""

from editor.ui.canvas.view import CanvasView

__all__ = ["CanvasView"]
