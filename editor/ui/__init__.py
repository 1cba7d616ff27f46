"""Widgets: the window, the canvas, panels and dialogs. Only this package imports QtWidgets."""
