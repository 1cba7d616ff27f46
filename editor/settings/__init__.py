"""User settings and secrets, no Qt: `store` (settings.json and the data folder), `keys` (API keys
from the environment or the OS keychain), `environment` (what MASKEDIT_PROVIDER, _BASE_URL and
_MODEL override, and the one resolving of provider, base URL and model the window and the command
line share), `sources` (where each connection value in use comes from, for Settings to say)."""
