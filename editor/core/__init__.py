"""The document model: the photo's mask, its undo history, jobs and sessions (QtCore/QtGui only)."""
