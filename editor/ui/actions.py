"""The one table of commands: text, shortcuts, icons and menu places.

Menus, tool bars and the `?` cheat sheet are all generated from ACTIONS (plus CANVAS_GESTURES
for the keys the canvas handles itself), so a shortcut is written down exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from editor.ui import icons

if TYPE_CHECKING:  # the mask layer brings numpy, which the window's first paint does without
    from editor.core.mask_layer import MaskLayer
    from editor.core.undo import UndoStack


@dataclass(frozen=True)
class ActionSpec:
    """One command of the window. `key` is stable (tests and handlers use it)."""

    key: str
    text: str
    section: str  # cheat sheet heading
    menu: str | None = None  # top-level menu key, None = shortcut only
    shortcuts: tuple[str, ...] = ()
    icon: str | None = None
    tip: str = ""
    checkable: bool = False
    needs_document: bool = True
    separator_before: bool = False
    submenu: bool = False


MENUS: tuple[tuple[str, str], ...] = (
    ("file", "&File"),
    ("edit", "&Edit"),
    ("mask", "&Mask"),
    ("generate", "&Generate"),
    ("results", "&Results"),
    ("view", "&View"),
    ("tools", "&Tools"),
    ("help", "&Help"),
)

TOOL_NAMES: tuple[str, ...] = ("brush", "eraser", "rect", "ellipse", "lasso", "polygon", "fill", "select",
                               "wand", "refine", "extend")


def _tool(name: str, text: str, shortcut: str, tip: str) -> ActionSpec:
    return ActionSpec(f"tool.{name}", text, "Tools", "tools", (shortcut,), icon=f"tool-{name}", tip=tip,
                      checkable=True)


ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("file.open", "&Open…", "File", "file", ("Ctrl+O",), icon="open",
               tip="Open a photo (PNG, JPEG, WebP, TIFF, BMP, GIF) or a .maskedit project",
               needs_document=False),
    ActionSpec("file.recent", "Open &Recent", "File", "file", needs_document=False, submenu=True),
    ActionSpec("file.drafts", "Projects and &Drafts…", "File", "file", ("Ctrl+Shift+O",),
               tip="Every photo that received a result, kept until you delete it: open one or delete it",
               needs_document=False),
    ActionSpec("file.save", "&Save Project", "File", "file", ("Ctrl+S",), separator_before=True,
               tip="Save the photo, mask, prompt and every result in one .maskedit file"),
    ActionSpec("file.save_as", "Save Project &As…", "File", "file", ("Ctrl+Shift+S",),
               tip="Save the project in a new .maskedit file"),
    ActionSpec("file.paste", "&Paste Photo", "File", "file", ("Ctrl+V",), icon="paste",
               tip="Open the image (or image file) on the clipboard", needs_document=False),
    ActionSpec("file.batch", "&Batch Edit…", "File", "file", needs_document=False, separator_before=True,
               tip="Edit every photo of a folder with this prompt and these options"),
    ActionSpec("file.preferences", "&Settings…", "File", "file", ("Ctrl+,",), icon="preferences",
               tip="Provider, API key, default options and canvas preferences", needs_document=False,
               separator_before=True),
    ActionSpec("file.quit", "&Quit", "File", "file", ("Ctrl+Q",), needs_document=False,
               separator_before=True),
    # Edit
    ActionSpec("edit.undo", "&Undo", "Edit", "edit", ("Ctrl+Z",), icon="undo"),
    ActionSpec("edit.redo", "&Redo", "Edit", "edit", ("Ctrl+Shift+Z", "Ctrl+Y"), icon="redo"),
    ActionSpec("edit.extend_canvas", "E&xtend Canvas…", "Edit", "edit", ("Ctrl+Alt+C",),
               separator_before=True,
               tip="Add room around the photo, by pixels per side or to an aspect, for Generate to fill"),
    # Mask
    ActionSpec("mask.invert", "&Invert Mask", "Mask", "mask", ("Ctrl+I",), icon="invert",
               tip="Swap painted and unpainted areas"),
    ActionSpec("mask.clear", "&Clear Mask", "Mask", "mask", ("Ctrl+Shift+A", "Del"), icon="clear",
               tip="Remove the whole mask"),
    ActionSpec("mask.grow", "&Grow…", "Mask", "mask", icon="grow", separator_before=True,
               tip="Expand the mask edge by a number of pixels"),
    ActionSpec("mask.shrink", "&Shrink…", "Mask", "mask", icon="shrink",
               tip="Pull the mask edge in by a number of pixels"),
    ActionSpec("mask.feather", "&Feather…", "Mask", "mask", icon="feather",
               tip="Soften the mask edge"),
    ActionSpec("mask.import", "I&mport Mask…", "Mask", "mask", icon="import", separator_before=True,
               tip="Load a mask image made elsewhere"),
    ActionSpec("mask.export", "&Export Mask for the API…", "Mask", "mask", icon="export",
               tip="Save a PNG that is transparent where you painted"),
    ActionSpec("mask.overlay", "Show Mask &Overlay", "Mask", "mask", ("H",), icon="overlay",
               checkable=True, separator_before=True, tip="Show or hide the coloured mask overlay"),
    # Generate
    ActionSpec("generate.run", "&Generate", "Generate", "generate", ("Ctrl+Return", "Ctrl+Enter"),
               needs_document=False,
               tip="Send the photo, mask and prompt as a new job; keep painting meanwhile"),
    ActionSpec("generate.cancel", "&Cancel Newest Job", "Generate", "generate", ("Esc",),
               tip="Stop the most recently started job that is still running", needs_document=False),
    ActionSpec("generate.focus_prompt", "Focus the &Prompt", "Generate", "generate", ("Ctrl+L",),
               separator_before=True, needs_document=False),
    ActionSpec("generate.delete_uploads", "&Delete Uploaded Images", "Generate", "generate",
               separator_before=True, needs_document=False,
               tip="Delete the images sent as file IDs from the provider's storage now (they are deleted "
                   "anyway when the project closes, and expire after a day)"),
    # Results
    ActionSpec("results.next", "&Next Variant", "Results", "results", ("Alt+Right",), needs_document=False,
               tip="Show the next variant in the Results panel"),
    ActionSpec("results.previous", "&Previous Variant", "Results", "results", ("Alt+Left",),
               needs_document=False, tip="Show the previous variant in the Results panel"),
    ActionSpec("results.paste_mask", "Edit &Paste Mask", "Results", "results", ("Q",), checkable=True,
               separator_before=True, tip="Paint where the shown (or applied) variant covers the photo, "
               "soften its edge, or paint in parts of another variant"),
    ActionSpec("results.paste_swap", "Swap Reveal and Hide", "Results", "results", ("X",),
               tip="Switch the brush between painting in (reveal) and painting out (hide, the eraser)"),
    ActionSpec("results.compare", "&Compare with Original", "Results", "results", ("C",),
               separator_before=True, tip="Split slider, side by side, difference or A/B of the shown "
               "variant against the original; Esc returns to the canvas"),
    ActionSpec("results.spill_map", "Show Changes &Outside the Mask", "Results", "results",
               ("Ctrl+Alt+H",), checkable=True,
               tip="Heat map over the shown variant: where the model changed the photo outside the mask "
                   "(dark purple: a level or two, yellow: 64 levels or more)"),
    ActionSpec("results.export", "&Export Variant…", "Results", "results", ("Ctrl+Shift+E",),
               separator_before=True, tip="Save the shown variant as PNG, JPEG or WebP with its prompt, "
               "model and usage inside"),
    ActionSpec("results.history", "Project &History…", "Results", "results", ("Ctrl+H",),
               needs_document=False, tip="Every variant of this project: filter by prompt, stars and date"),
    # View
    ActionSpec("view.zoom_in", "Zoom &In", "View", "view", ("Ctrl+=", "Ctrl++"), icon="zoom-in"),
    ActionSpec("view.zoom_out", "Zoom &Out", "View", "view", ("Ctrl+-",), icon="zoom-out"),
    ActionSpec("view.fit", "&Fit to Window", "View", "view", ("Ctrl+0",), icon="zoom-fit"),
    ActionSpec("view.actual", "&Actual Pixels (100 %)", "View", "view", ("Ctrl+1",), icon="zoom-actual"),
    ActionSpec("view.show_pixels", "Show &Pixels When Zoomed In", "View", "view", ("Ctrl+Shift+P",),
               checkable=True, needs_document=False, separator_before=True,
               tip="Above 100 %, draw every pixel as a hard-edged square instead of smoothing the "
                   "photo, on the canvas and in the comparison"),
    # Tools
    _tool("brush", "&Brush", "B", "Paint the area to edit"),
    _tool("eraser", "&Eraser", "E", "Remove paint from the mask"),
    _tool("rect", "&Rectangle", "M", "Drag a rectangle (Shift: square)"),
    _tool("ellipse", "E&llipse", "Shift+M", "Drag an ellipse (Shift: circle)"),
    _tool("lasso", "&Lasso", "L", "Draw a freehand outline"),
    _tool("polygon", "&Polygon", "P", "Click corners; Enter or double-click closes"),
    _tool("fill", "&Fill Similar Colours", "G", "Click to fill the area of similar colour"),
    _tool("select", "&Object Selection", "Shift+W", "Drag a box around an object, or paint over it: the "
          "mask follows its edges (Shift: add · Alt: subtract)"),
    _tool("wand", "Magic &Wand", "W", "Click a colour to select the similar colours (Shift: add · Alt: "
          "subtract)"),
    _tool("refine", "&Refine Edge", "R", "Brush along hair or a soft edge: the mask's edge follows the "
          "photo"),
    _tool("extend", "E&xtend Canvas by Dragging", "Shift+C",
          "Drag an edge or corner of the photo outward to add room for Generate to fill (like a crop "
          "frame dragged past the photo)"),
    ActionSpec("brush.smaller", "Smaller Brush", "Brush", "tools", ("[",), separator_before=True),
    ActionSpec("brush.larger", "Larger Brush", "Brush", "tools", ("]",)),
    # Help
    ActionSpec("help.shortcuts", "&Keyboard Shortcuts", "Help", "help", ("?", "F1"), icon="keyboard",
               needs_document=False),
    ActionSpec("help.about", "&About Maskedit", "Help", "help", needs_document=False, separator_before=True,
               tip="The versions of Maskedit, Qt, PySide6 and Python, and the licences"),
)

# Keys and gestures the canvas handles itself (press-and-hold or tool-local): listed in the cheat
# sheet, never registered as actions.
CANVAS_GESTURES: tuple[tuple[str, str, str], ...] = (
    ("Brush", "Alt+Wheel", "Change the brush size"),
    ("Brush", "Alt+Right-drag", "Change the brush size (drag right: larger)"),
    ("Brush", "Shift+Alt+Drag", "Change the brush size, where the desktop takes Alt+drag"),
    ("Brush", "Right-drag", "Erase with the brush"),
    ("Brush", "Shift+Click", "Straight line from the last point"),
    ("Tools", "Alt+Drag", "Subtract from the mask with any tool"),
    ("Tools", "Shift+Drag", "Square or circle"),
    ("Tools", "Enter / Double-click", "Close the polygon"),
    ("Tools", "Esc", "Cancel the lasso or polygon in progress, or the selection being made"),
    ("Selection", "Shift+Drag / Shift+Click", "Add the selection to the mask"),
    ("Selection", "Alt+Drag / Alt+Click", "Subtract the selection from the mask"),
    ("Selection", "Alt+Paint (Strokes mode)", "Mark what is not the object"),
    ("View", "Wheel", "Zoom at the cursor"),
    ("View", "Space+Drag / Middle-drag", "Pan"),
    ("View", "Hold \\", "Peek at the original photo, without the mask or the variant shown"),
    ("Results", "← / →", "Previous / next variant (on the canvas or the Results panel)"),
    ("Compare", "T", "Switch between the two sides (A/B view)"),
    ("Compare", "Shift+← / Shift+→", "Move the split divider (or drag its handle)"),
    ("Compare", "← / →", "Compare the previous / next variant"),
    ("Compare", "Esc", "Back to the canvas"),
    ("Generate", "Alt+↑ / Alt+↓", "Earlier / later prompts, in the prompt box"),
    ("Generate", "Esc (in a text field)", "Back to the canvas: the next key is a tool key again"),
)


def tool_key(name: str) -> str:
    return f"tool.{name}"


def spec(key: str) -> ActionSpec:
    for item in ACTIONS:
        if item.key == key:
            return item
    raise KeyError(key)


def portable_text(sequence: str) -> str:
    """A shortcut as the user reads it on this platform (e.g. Ctrl+Shift+Z, ⌘⇧Z)."""
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.NativeText)


def plain_text(text: str) -> str:
    """Menu text without the mnemonic ampersand and trailing ellipsis."""
    return text.replace("&", "").removesuffix("…")


def cheat_sheet_rows() -> list[tuple[str, str, str]]:
    """(section, keys, what it does) for every action shortcut and canvas gesture."""
    rows = [
        (item.section, " or ".join(portable_text(s) for s in item.shortcuts), plain_text(item.text))
        for item in ACTIONS
        if item.shortcuts
    ]
    return rows + list(CANVAS_GESTURES)


class ActionSet:
    """The QActions made from ACTIONS for one window, plus the menus that show them."""

    def __init__(self, parent: QWidget):
        self._actions: dict[str, QAction] = {}
        self._submenus: dict[str, QMenu] = {}
        self.tool_group = QActionGroup(parent)
        self.tool_group.setExclusive(True)
        for item in ACTIONS:
            self._actions[item.key] = self._make(item, parent)
        parent.addActions(list(self._actions.values()))  # shortcuts work without a visible menu

    def __getitem__(self, key: str) -> QAction:
        return self._actions[key]

    def __iter__(self):
        return iter(self._actions.values())

    def submenu(self, key: str) -> QMenu:
        return self._submenus[key]

    def connect(self, handlers: Mapping[str, Callable[..., object]]) -> None:
        """Wire each action's `triggered` to its handler; every non-submenu action needs one."""
        missing = [i.key for i in ACTIONS if not i.submenu and i.key not in handlers]
        if missing:
            raise KeyError(f"no handler for {', '.join(missing)}")
        for key, handler in handlers.items():
            self._actions[key].triggered.connect(handler)

    def build_menus(self, menubar: QMenuBar) -> dict[str, QMenu]:
        menus = {key: menubar.addMenu(title) for key, title in MENUS}
        for item in ACTIONS:
            if item.menu is None:
                continue
            menu = menus[item.menu]
            if item.separator_before and not menu.isEmpty():
                menu.addSeparator()
            menu.addAction(self._actions[item.key])
        return menus

    def tools(self) -> list[QAction]:
        return [self._actions[tool_key(name)] for name in TOOL_NAMES]

    def set_document_open(self, is_open: bool) -> None:
        for item in ACTIONS:
            if item.needs_document:
                self._actions[item.key].setEnabled(is_open)

    def show_undo(self, steps: MaskLayer | UndoStack | None) -> None:
        """Undo / Redo enabled as the undo steps allow, named after the step ("Undo Fill")."""
        for key, verb, can, label in (("edit.undo", "Undo", "can_undo", "undo_label"),
                                      ("edit.redo", "Redo", "can_redo", "redo_label")):
            action = self._actions[key]
            step = getattr(steps, label)() if steps is not None and getattr(steps, can)() else None
            action.setEnabled(step is not None)
            action.setText(f"&{verb} {step}" if step else f"&{verb}")
            action.setToolTip(f"{plain_text(action.text())} ({portable_text(spec(key).shortcuts[0])})")

    def keys(self) -> Iterable[str]:
        return self._actions.keys()

    def _make(self, item: ActionSpec, parent: QWidget) -> QAction:
        action = QAction(item.text, parent)
        action.setObjectName(item.key)
        if item.shortcuts:
            action.setShortcuts([QKeySequence(s) for s in item.shortcuts])
        if item.icon:
            action.setIcon(icons.icon(item.icon))
        label = plain_text(item.text)
        if item.shortcuts:
            label = f"{label} ({portable_text(item.shortcuts[0])})"
        action.setToolTip(label)
        if item.tip:
            action.setStatusTip(item.tip)
        if item.checkable:
            action.setCheckable(True)
        if item.key.startswith("tool."):
            self.tool_group.addAction(action)
        if item.submenu:
            menu = QMenu(parent)
            self._submenus[item.key] = menu
            action.setMenu(menu)
        return action
