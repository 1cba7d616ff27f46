"""One edit, the same everywhere: the window, `maskedit-cli edit` and batches all run `EditRun`.

`snapshot` (what an edit is made from), `plan` (which part of the photo, at which size, and the
request), `run` (encode, send, the 413 rule, save, decode, measure), `writer` (the results and
their record on disk), `events` (what a run reports), `options` (the user's options and what the
model takes). No Qt, no widgets; the window adapts the events to signals (editor.core.runner).
"""
