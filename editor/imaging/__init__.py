"""Pure pixel work on Pillow and numpy: opening photos, masks, and what gets uploaded. No Qt."""
